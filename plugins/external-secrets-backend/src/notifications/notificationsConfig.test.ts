import { ConfigReader } from '@backstage/config';
import { readNotificationSettings } from './notificationsConfig';

const read = (notifications?: unknown) =>
  readNotificationSettings(
    new ConfigReader(
      notifications === undefined ? {} : { externalSecrets: { notifications } },
    ),
  );

describe('readNotificationSettings', () => {
  it('defaults: on, grace from each refresh interval, the owner, every severity, no outage recipients', () => {
    expect(read()).toEqual({
      enabled: true,
      gracePeriodMs: undefined,
      checkIntervalMs: 30_000,
      recipients: undefined,
      severities: ['critical', 'high', 'normal', 'low'],
      clusterOutage: {
        recipients: [],
        gracePeriodMs: 300_000,
        minExternalSecrets: 5,
        fraction: 0.5,
      },
      maxPerCheck: 50,
      pendingRotation: { enabled: true, afterMs: 3_600_000 },
    });
  });

  it('reads every setting; bare names are groups', () => {
    expect(
      read({
        enabled: false,
        gracePeriod: '10m',
        checkInterval: { seconds: 5 },
        recipients: ['secrets-oncall', 'user:default/bob'],
        severities: ['critical', 'high'],
        clusterOutage: {
          recipients: ['platform-team'],
          gracePeriod: 'PT2M',
          minExternalSecrets: 10,
          fraction: 0.8,
        },
        maxPerCheck: 5,
        pendingRotation: { enabled: false, after: '20s' },
      }),
    ).toEqual({
      enabled: false,
      gracePeriodMs: 600_000,
      checkIntervalMs: 5_000,
      recipients: ['group:default/secrets-oncall', 'user:default/bob'],
      severities: ['critical', 'high'],
      clusterOutage: {
        recipients: ['group:default/platform-team'],
        gracePeriodMs: 120_000,
        minExternalSecrets: 10,
        fraction: 0.8,
      },
      maxPerCheck: 5,
      pendingRotation: { enabled: false, afterMs: 20_000 },
    });
  });

  it.each([
    [{ severities: ['urgent'] }, /severities holds "urgent"/],
    [{ gracePeriod: 'soon' }, /gracePeriod must be a duration/],
    [{ gracePeriod: '0s' }, /gracePeriod must be at least one second/],
    [{ clusterOutage: { fraction: 1.5 } }, /fraction must be more than 0/],
    [{ clusterOutage: { minExternalSecrets: 1 } }, /at least 2/],
    [{ recipients: ['user:'] }, /not an entity reference/],
    [{ maxPerCheck: 0 }, /maxPerCheck/],
    [
      { pendingRotation: { after: 'a while' } },
      /pendingRotation\.after must be a duration/,
    ],
    [
      { pendingRotation: { after: '500ms' } },
      /pendingRotation\.after must be at least one second/,
    ],
  ])('refuses %j', (notifications, message) => {
    expect(() => read(notifications)).toThrow(message);
  });
});
