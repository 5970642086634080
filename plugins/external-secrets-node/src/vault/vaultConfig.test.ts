import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { JsonObject } from '@backstage/types';
import { readVaultSettings } from './vaultConfig';

const read = (vault: JsonObject) =>
  readVaultSettings(new ConfigReader({ externalSecrets: { vault } }));

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const tokenAuth = { type: 'token', token: 'CONFIG-TOKEN' };

describe('readVaultSettings', () => {
  it('is undefined when externalSecrets.vault is absent', () => {
    expect(readVaultSettings(new ConfigReader({}))).toBeUndefined();
  });

  it('applies defaults', () => {
    expect(
      read({ baseUrl: 'https://vault.test:8200/', auth: tokenAuth }),
    ).toEqual({
      baseUrl: 'https://vault.test:8200',
      ca: undefined,
      namespace: undefined,
      timeoutMs: 10_000,
      maxRetries: 3,
      retryBaseDelayMs: 200,
      kvMount: 'secret',
      kvVersion: undefined,
      auth: { type: 'token', token: 'CONFIG-TOKEN' },
    });
  });

  it('reads kubernetes and approle auth with default mounts, durations and KV versions', () => {
    expect(
      read({
        baseUrl: 'https://v',
        timeout: '2s',
        kvVersion: 'v1',
        kvMount: 'kv',
        namespace: 'team-a',
        caData: 'PEM',
        auth: { type: 'kubernetes', role: 'backstage' },
      }),
    ).toMatchObject({
      timeoutMs: 2000,
      kvVersion: 1,
      kvMount: 'kv',
      namespace: 'team-a',
      ca: 'PEM',
      auth: {
        type: 'kubernetes',
        role: 'backstage',
        mountPath: 'kubernetes',
        tokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      },
    });
    expect(
      read({
        baseUrl: 'https://v',
        auth: { type: 'approle', roleId: 'r', secretId: 's' },
      })?.auth,
    ).toEqual({
      type: 'approle',
      mountPath: 'approle',
      roleId: 'r',
      secretId: 's',
    });
  });

  it('allows plain HTTP only when asked to', () => {
    expect(
      read({
        baseUrl: 'http://127.0.0.1:8200',
        allowInsecureHttp: true,
        auth: tokenAuth,
      })?.baseUrl,
    ).toBe('http://127.0.0.1:8200');
  });

  it.each([
    ['plain HTTP', { baseUrl: 'http://vault.test' }, /plain HTTP is refused/],
    ['another protocol', { baseUrl: 'ftp://vault.test' }, /not https/],
    ['not a URL', { baseUrl: 'vault.test' }, /is not a URL/],
    [
      'credentials in the URL',
      { baseUrl: 'https://u:p@vault.test' },
      /credentials/,
    ],
    [
      'an unknown auth type',
      { auth: { type: 'ldap' } },
      /auth.type: "ldap" is not one of/,
    ],
    [
      'an empty token',
      { auth: { type: 'token', token: ' ' } },
      /auth.token: must not be empty/,
    ],
    ['a bad KV version', { kvVersion: 3 }, /kvVersion: must be 1 or 2/],
    ['a bad KV mount', { kvMount: 'secret/data' }, /kvMount/],
    ['a bad timeout', { timeout: 'soon' }, /timeout/],
    ['too many retries', { maxRetries: 50 }, /maxRetries/],
    [
      'an unreadable CA file',
      { caFile: '/nonexistent/ca.pem' },
      /caFile: cannot read \/nonexistent\/ca.pem/,
    ],
    [
      'a traversal in the auth mount',
      {
        auth: {
          type: 'approle',
          mountPath: '../sys',
          roleId: 'r',
          secretId: 's',
        },
      },
      /auth.mountPath/,
    ],
  ])('refuses %s', (_what, override: JsonObject, message) => {
    const attempt = () =>
      read({ baseUrl: 'https://vault.test', auth: tokenAuth, ...override });
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(message);
    expect(String(captureError(attempt))).not.toContain('CONFIG-TOKEN');
  });

  it('names missing required keys', () => {
    expect(() =>
      read({ baseUrl: 'https://v', auth: { type: 'kubernetes' } }),
    ).toThrow(/auth.role/);
    expect(() => read({ auth: tokenAuth })).toThrow(/baseUrl/);
  });
});
