import { testEngines } from '../__testUtils__/testDatabases';
import { NotificationLedger, type NotifiedEpisode } from './NotificationLedger';

jest.setTimeout(120_000);

const databases = testEngines();
if (databases.skipped) {
  // eslint-disable-next-line no-console
  console.warn(
    `NotificationLedger on PostgreSQL skipped: ${databases.skipped}`,
  );
}
beforeAll(() => databases.setup());
afterAll(() => databases.teardown());

const T0 = Date.parse('2026-12-01T12:00:00Z');
const minutes = (n: number) => new Date(T0 + n * 60_000);

const episode: Omit<NotifiedEpisode, 'closedAt' | 'closedAs'> = {
  subject: 'es:prod/shop/shop-env/uid-1',
  episode: '2026-12-01T11:00:00.000Z',
  cluster: 'prod',
  entityRef: 'component:default/shop',
  recipients: ['group:default/shop-team'],
  severity: 'high',
  findingCode: 'PROPERTY_MISSING',
  failingSince: minutes(0),
  openedAt: minutes(4),
};

describe.each(databases.engines)('NotificationLedger on $name', engine => {
  let ledgers: NotificationLedger[];
  beforeEach(async () => {
    const db = await engine.create();
    // two replicas' ledgers on one database
    ledgers = [
      await NotificationLedger.forKnex(db),
      await NotificationLedger.forKnex(db),
    ];
  });

  it('opens an episode for exactly one of many concurrent callers, and closes it for one', async () => {
    const opened = await Promise.all(
      [...ledgers, ...ledgers].map(l => l.open(episode)),
    );
    expect(opened.filter(Boolean)).toHaveLength(1);
    expect(await ledgers[1].openEpisodes('prod')).toEqual([
      { ...episode, closedAt: undefined, closedAs: undefined },
    ]);
    expect(await ledgers[0].openEpisodes('other')).toEqual([]);

    const closed = await Promise.all(
      [...ledgers, ...ledgers].map(l =>
        l.close(episode.subject, episode.episode, 'recovered', minutes(9)),
      ),
    );
    expect(closed.filter(Boolean)).toHaveLength(1);
    expect(await ledgers[0].openEpisodes('prod')).toEqual([]);
    // a closed episode is not opened again (a lagging replica still seeing the failure)
    expect(await ledgers[1].open(episode)).toBe(false);
    expect(await ledgers[0].all()).toMatchObject([
      { closedAt: minutes(9), closedAs: 'recovered' },
    ]);
  });

  it('releases what could not be sent, so the next check can try again', async () => {
    expect(await ledgers[0].open(episode)).toBe(true);
    await ledgers[0].unopen(episode.subject, episode.episode);
    expect(await ledgers[1].open(episode)).toBe(true);

    expect(
      await ledgers[1].close(
        episode.subject,
        episode.episode,
        'recovered',
        minutes(9),
      ),
    ).toBe(true);
    await ledgers[1].reopen(episode.subject, episode.episode);
    expect(await ledgers[0].openEpisodes('prod')).toHaveLength(1);
  });

  it('counts a subject’s episodes and prunes closed ones past the age', async () => {
    const cluster = {
      ...episode,
      subject: 'cluster:prod',
      entityRef: undefined,
    };
    await ledgers[0].open({ ...cluster, episode: '000001' });
    await ledgers[0].close('cluster:prod', '000001', 'recovered', minutes(10));
    await ledgers[0].open({
      ...cluster,
      episode: '000002',
      openedAt: minutes(20),
    });
    expect(await ledgers[0].count('cluster:prod')).toBe(2);
    expect(await ledgers[0].latest('cluster:prod')).toMatchObject({
      episode: '000002',
    });
    expect(await ledgers[0].prune(minutes(11))).toBe(1);
    expect((await ledgers[0].all()).map(e => e.episode)).toEqual(['000002']);
  });
});
