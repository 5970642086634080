import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NotificationPayload } from '@backstage/plugin-notifications-common';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type {
  ExternalSecretStatus,
  Finding,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ExternalSecretObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import type { NotificationLedger, NotifiedEpisode } from './NotificationLedger';
import {
  failingPayload,
  notificationSeverityOf,
  outageOverPayload,
  outagePayload,
  pendingRotationPayload,
  recoveredPayload,
  rotationReachedPayload,
} from './notificationMessages';
import type { NotificationSettings } from './notificationsConfig';
import {
  clusterSubject,
  externalSecretSubject,
  failureOf,
  planCluster,
  type PlannedAction,
} from './planNotifications';
import {
  planRotations,
  selectRotationProbes,
  versionOfEpisode,
  type RotationAction,
} from './planRotations';

/** Findings that say "not known yet", not what is wrong. */
const NOT_A_CAUSE = new Set(['CLUSTER_UNREACHABLE', 'VAULT_FACTS_PENDING']);
/** checks a failure waits for diagnosis (Vault facts) before it is sent without it */
const MAX_DIAGNOSIS_WAITS = 3;
/** closed episodes are kept this long, then pruned */
const KEEP_CLOSED_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** status rows read at once for pending rotations */
const ROTATION_READS_AT_ONCE = 4;

export interface SecretsNotifierOptions {
  settings: NotificationSettings;
  clusters: ClusterCache[];
  ledger: NotificationLedger;
  notifications: NotificationService;
  /** the claiming entity and its owner (the shared catalog index) */
  entities: {
    entityRefOf(object: ExternalSecretObject): string | undefined;
    ownerOf(entityRef: string): string | undefined;
    ready(): Promise<void>;
  };
  /** the row the status API shows, for the finding (summary, fix, severity) */
  statusOf: (
    cluster: ClusterCache,
    object: ExternalSecretObject,
  ) => Promise<ExternalSecretStatus>;
  logger: LoggerService;
  now?: () => Date;
  /** how long one diagnosis may take before the failure is sent without it */
  diagnosisBudgetMs?: number;
}

/**
 * Tells an entity's owner when one of its ExternalSecrets broke after having worked and stays
 * broken past the grace period, and once more when it syncs again; tells the platform team
 * once per cluster outage instead of every owner of the cluster.
 *
 * Every replica runs one over its own caches; the {@link NotificationLedger} in the plugin's
 * database decides which replica sends, so each notification goes out once across replicas
 * and restarts. A notification that cannot be sent is released and tried again at the next
 * check, by whichever replica gets there first.
 */
export class SecretsNotifier {
  private readonly options: SecretsNotifierOptions;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  /** `stop()` was called: a check under way sends nothing more */
  private stopped = false;
  /** subject → when this replica first saw it broken (objects whose Ready has no time) */
  private readonly firstSeenBroken = new Map<string, number>();
  /** cluster → since when this replica cannot reach it */
  private readonly unreachableSince = new Map<string, number>();
  /** `subject episode` → why this replica does not notify it (not for the ledger: no one sends) */
  private readonly passed = new Map<string, string>();
  private readonly diagnosisWaits = new Map<string, number>();
  private readonly failedSends = new Set<string>();
  private lastPrune = 0;
  /** cluster → where the next check goes on reading rows for pending rotations */
  private readonly rotationCursor = new Map<string, number>();
  /** status rows this check may still read for pending rotations */
  private rotationReads = 0;
  /** of which the cluster being checked may read this many */
  private rotationShare = 0;
  /** `subject episode` of pending rotations whose entity has no owner (logged once) */
  private readonly rotationsWithoutOwner = new Set<string>();

  constructor(options: SecretsNotifierOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  /** Checks every `checkInterval` once the catalog index has loaded; returns at once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    void this.options.entities.ready().then(() => {
      if (this.stopped) return;
      this.timer = setInterval(
        () => void this.check(),
        this.options.settings.checkIntervalMs,
      );
      this.timer.unref?.();
      void this.check();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One evaluation of every cluster (the timer calls it; tests may too). */
  check(): Promise<void> {
    if (!this.running) {
      this.running = this.checkAll().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async checkAll(): Promise<void> {
    let budget = this.options.settings.maxPerCheck;
    this.rotationReads = this.options.settings.maxPerCheck;
    const { clusters } = this.options;
    for (const [index, cluster] of clusters.entries()) {
      if (budget <= 0) break;
      // each cluster gets its share of the reads, and what one leaves goes to the next
      this.rotationShare = Math.ceil(
        this.rotationReads / (clusters.length - index),
      );
      try {
        budget -= await this.checkCluster(cluster, budget);
      } catch (error) {
        this.options.logger.warn(
          `Notifications: checking cluster ${cluster.name} failed, trying again at the next check: ${error}`,
        );
      }
    }
    const nowMs = this.now().getTime();
    if (nowMs - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = nowMs;
      await this.options.ledger
        .prune(new Date(nowMs - KEEP_CLOSED_MS))
        .catch(error =>
          this.options.logger.warn(
            `Notifications: pruning old episodes failed: ${error}`,
          ),
        );
    }
  }

  /** Returns how many notifications it sent. */
  private async checkCluster(
    cluster: ClusterCache,
    budget: number,
  ): Promise<number> {
    const now = this.now();
    const health = cluster.health();
    if (health.reachable) {
      this.unreachableSince.delete(cluster.name);
    } else if (!this.unreachableSince.has(cluster.name)) {
      this.unreachableSince.set(cluster.name, now.getTime());
    }
    const objects = health.synced ? cluster.listExternalSecrets() : [];
    this.rememberBroken(cluster.name, objects, now);
    const open = await this.options.ledger.openEpisodes(cluster.name);
    const plan = planCluster(
      {
        name: cluster.name,
        reachable: health.reachable,
        synced: health.synced,
        unreachableSince: this.unreachableSince.get(cluster.name),
        objects,
      },
      open,
      this.options.settings,
      now,
      subject => this.firstSeenBroken.get(subject),
    );
    if (plan.held > 0) {
      this.options.logger.debug(
        `Notifications: ${plan.held} failing ExternalSecret(s) of cluster ${cluster.name} held back during its outage`,
      );
    }
    let sent = 0;
    for (const action of plan.actions) {
      if (sent >= budget || this.stopped) break;
      try {
        if (await this.execute(cluster, action, health.error, now)) sent += 1;
      } catch (error) {
        this.options.logger.warn(
          `Notifications: ${action.type} in cluster ${cluster.name} failed, trying again at the next check: ${error}`,
        );
      }
    }
    const { pendingRotation, severities } = this.options.settings;
    if (
      pendingRotation.enabled &&
      severities.includes('normal') &&
      health.reachable &&
      health.synced &&
      sent < budget &&
      !this.stopped
    ) {
      sent += await this.checkRotations(
        cluster,
        objects,
        open,
        plan.out,
        budget - sent,
        now,
      );
    }
    return sent;
  }

  /**
   * Pending rotations of one cluster: reads the status rows (Vault's KV metadata through the
   * status service's cache) of at most `maxPerCheck` synced ExternalSecrets per check, those
   * already notified first and the others in turn, and executes what {@link planRotations}
   * finds. Returns how many notifications it sent.
   */
  private async checkRotations(
    cluster: ClusterCache,
    objects: ExternalSecretObject[],
    open: NotifiedEpisode[],
    out: boolean,
    budget: number,
    now: Date,
  ): Promise<number> {
    const { probes, cursor } = selectRotationProbes({
      cluster: cluster.name,
      objects,
      open,
      out,
      cursor: this.rotationCursor.get(cluster.name) ?? 0,
      max: Math.max(Math.min(this.rotationShare, this.rotationReads), 0),
      now,
    });
    this.rotationCursor.set(cluster.name, cursor);
    this.rotationReads -= probes.length;
    const rows: Array<{
      object: ExternalSecretObject;
      row: ExternalSecretStatus | undefined;
    }> = [];
    for (let i = 0; i < probes.length && !this.stopped; ) {
      const batch = probes.slice(i, i + ROTATION_READS_AT_ONCE);
      i += batch.length;
      rows.push(
        ...(await Promise.all(
          batch.map(async ({ object }) => ({
            object,
            row: await this.diagnose(cluster, object),
          })),
        )),
      );
    }
    const actions = planRotations({
      cluster: cluster.name,
      // a cluster lost while the rows were read: its cache is old again
      reachable: cluster.health().reachable,
      out,
      objects,
      rows,
      open,
      afterMs: this.options.settings.pendingRotation.afterMs,
      now,
    });
    let sent = 0;
    for (const action of actions) {
      if (sent >= budget || this.stopped) break;
      try {
        if (await this.executeRotation(cluster, action, now)) sent += 1;
      } catch (error) {
        this.options.logger.warn(
          `Notifications: ${action.type} in cluster ${cluster.name} failed, trying again at the next check: ${error}`,
        );
      }
    }
    return sent;
  }

  private async executeRotation(
    cluster: ClusterCache,
    action: RotationAction,
    now: Date,
  ): Promise<boolean> {
    const { ledger, settings, entities } = this.options;
    switch (action.type) {
      case 'rotation-pending': {
        const { object, row, pending } = action;
        const entityRef = entities.entityRefOf(object);
        // unclaimed, or the catalog index has not seen its entity yet: asked again next check
        if (!entityRef) return false;
        const recipients =
          settings.recipients ??
          [entities.ownerOf(entityRef)].filter((r): r is string => !!r);
        if (recipients.length === 0) {
          const key = `${pending.subject} ${pending.episode}`;
          if (!this.rotationsWithoutOwner.has(key)) {
            if (this.rotationsWithoutOwner.size > 10_000) {
              this.rotationsWithoutOwner.clear();
            }
            this.rotationsWithoutOwner.add(key);
            this.options.logger.info(
              `Notifications: ${entityRef} has no owner to tell that ExternalSecret ${object.metadata?.namespace}/${object.metadata?.name} has not picked up Vault v${pending.version} of ${pending.key}`,
            );
          }
          return false;
        }
        const opened: NotifiedEpisode = {
          subject: pending.subject,
          episode: pending.episode,
          cluster: cluster.name,
          entityRef,
          recipients,
          severity: 'normal',
          failingSince: new Date(pending.writtenAt),
          openedAt: now,
        };
        if (!(await ledger.open(opened))) return false;
        const payload = pendingRotationPayload({
          ref: refOf(cluster.name, object),
          entityRef,
          episode: pending.episode,
          key: pending.key,
          version: pending.version,
          writtenAt: pending.writtenAt,
          lastSync: row.freshness?.lastSyncTime ?? row.lastSyncTime,
          nextSyncBy: row.freshness?.nextSyncBy,
          refreshInterval: row.refreshInterval,
          refreshPolicy: row.refreshPolicy,
        });
        return this.send(opened, payload, () =>
          ledger.unopen(pending.subject, pending.episode),
        );
      }
      case 'rotation-reached': {
        const { open, object, row, key } = action;
        if (
          !(await ledger.close(open.subject, open.episode, 'recovered', now)) ||
          !open.entityRef
        ) {
          return false;
        }
        const payload = rotationReachedPayload({
          ref: refOf(cluster.name, object),
          entityRef: open.entityRef,
          episode: open.episode,
          key: key.key,
          version: versionOfEpisode(open.episode),
          // a newer version may be waiting already: then only the told one is known to be in
          currentVersion:
            key.state === 'InSync' ? key.currentVersion : undefined,
          lastSync: row.freshness?.lastSyncTime ?? row.lastSyncTime,
        });
        return this.send(open, payload, () =>
          ledger.reopen(open.subject, open.episode),
        );
      }
      case 'rotation-closed':
        // superseded by a newer version that was told, or nothing left to tell of
        await ledger.close(
          action.open.subject,
          action.open.episode,
          action.as,
          now,
        );
        return false;
      default:
        return false;
    }
  }

  /** Objects whose Ready condition has no time: broken since this replica first saw them so. */
  private rememberBroken(
    cluster: string,
    objects: ExternalSecretObject[],
    now: Date,
  ) {
    const prefix = `es:${cluster}/`;
    const broken = new Set<string>();
    for (const object of objects) {
      const subject = externalSecretSubject(cluster, object);
      if (failureOf(object, now, 0)) {
        broken.add(subject);
        if (!this.firstSeenBroken.has(subject)) {
          this.firstSeenBroken.set(subject, now.getTime());
        }
      }
    }
    for (const subject of this.firstSeenBroken.keys()) {
      if (subject.startsWith(prefix) && !broken.has(subject)) {
        this.firstSeenBroken.delete(subject);
      }
    }
    for (const key of [...this.passed.keys(), ...this.diagnosisWaits.keys()]) {
      const subject = key.split(' ')[0];
      if (subject.startsWith(prefix) && !broken.has(subject)) {
        this.passed.delete(key);
        this.diagnosisWaits.delete(key);
      }
    }
  }

  private async execute(
    cluster: ClusterCache,
    action: PlannedAction,
    clusterError: string | undefined,
    now: Date,
  ): Promise<boolean> {
    const { ledger } = this.options;
    switch (action.type) {
      case 'failing':
        return this.notifyFailing(cluster, action, now);
      case 'recovered': {
        const { open, object } = action;
        if (
          !(await ledger.close(open.subject, open.episode, 'recovered', now)) ||
          !open.entityRef
        ) {
          return false;
        }
        const ref = refOf(cluster.name, object);
        const payload = recoveredPayload({
          ref,
          entityRef: open.entityRef,
          episode: open.episode,
          since: open.failingSince,
          findingCode: open.findingCode,
          lastSync: object.status?.refreshTime ?? undefined,
        });
        return this.send(open, payload, () =>
          ledger.reopen(open.subject, open.episode),
        );
      }
      case 'gone':
        // deleted while failing: nothing recovered, nobody to tell
        await ledger.close(
          action.open.subject,
          action.open.episode,
          'deleted',
          now,
        );
        return false;
      case 'outage': {
        const recipients = this.options.settings.clusterOutage.recipients;
        const subject = clusterSubject(cluster.name);
        const episode = String((await ledger.count(subject)) + 1).padStart(
          6,
          '0',
        );
        const opened: NotifiedEpisode = {
          subject,
          episode,
          cluster: cluster.name,
          recipients,
          severity: 'critical',
          failingSince: new Date(action.since),
          openedAt: now,
        };
        if (!(await ledger.open(opened))) return false;
        if (recipients.length === 0) {
          this.options.logger.warn(
            `Notifications: cluster ${cluster.name} is out (${action.cause}); externalSecrets.notifications.clusterOutage.recipients is not set, so nobody is told and the owners' notifications are held`,
          );
          return false;
        }
        const payload = outagePayload({
          cluster: cluster.name,
          episode,
          cause: action.cause,
          since: new Date(action.since),
          failing: action.failing,
          total: action.total,
          error: clusterError,
        });
        return this.send(opened, payload, () =>
          ledger.unopen(subject, episode),
        );
      }
      case 'outage-over': {
        const { open } = action;
        if (
          !(await ledger.close(open.subject, open.episode, 'recovered', now))
        ) {
          return false;
        }
        if (open.recipients.length === 0) return false;
        const payload = outageOverPayload({
          cluster: cluster.name,
          episode: open.episode,
          since: open.failingSince,
          total: action.total,
        });
        return this.send(open, payload, () =>
          ledger.reopen(open.subject, open.episode),
        );
      }
      default:
        return false;
    }
  }

  private async notifyFailing(
    cluster: ClusterCache,
    action: Extract<PlannedAction, { type: 'failing' }>,
    now: Date,
  ): Promise<boolean> {
    const { subject, object, failure } = action;
    const key = `${subject} ${failure.episode}`;
    if (this.passed.has(key)) return false;
    const { settings, entities, ledger } = this.options;
    const entityRef = entities.entityRefOf(object);
    if (!entityRef) {
      // unclaimed (or the catalog index has not seen its entity yet: asked again next check);
      // the platform page lists it
      return false;
    }
    const recipients =
      settings.recipients ??
      [entities.ownerOf(entityRef)].filter((r): r is string => !!r);
    if (recipients.length === 0) {
      if (this.passed.has(`${key} no owner`)) return false;
      this.passed.set(`${key} no owner`, 'logged');
      this.options.logger.info(
        `Notifications: ${entityRef} has no owner to tell that ExternalSecret ${object.metadata?.namespace}/${object.metadata?.name} fails`,
      );
      return false;
    }
    const row = await this.diagnose(cluster, object);
    const finding = row?.findings.find(f => !NOT_A_CAUSE.has(f.code));
    if (!finding && this.stillDiagnosing(row)) {
      const waits = (this.diagnosisWaits.get(key) ?? 0) + 1;
      this.diagnosisWaits.set(key, waits);
      if (waits <= MAX_DIAGNOSIS_WAITS) return false;
    }
    const severity = notificationSeverityOf(finding);
    if (!settings.severities.includes(severity)) {
      this.passed.set(key, `severity ${severity}`);
      return false;
    }
    const opened: NotifiedEpisode = {
      subject,
      episode: failure.episode,
      cluster: cluster.name,
      entityRef,
      recipients,
      severity,
      findingCode: finding?.code,
      failingSince: new Date(failure.since),
      openedAt: now,
    };
    if (!(await ledger.open(opened))) return false;
    const payload = failingPayload({
      ref: refOf(cluster.name, object),
      entityRef,
      episode: failure.episode,
      since: new Date(failure.since),
      finding: finding as Finding | undefined,
      message: row?.message,
    });
    return this.send(opened, payload, () =>
      ledger.unopen(subject, failure.episode),
    );
  }

  private stillDiagnosing(row: ExternalSecretStatus | undefined): boolean {
    return !row || row.findings.some(f => f.code === 'VAULT_FACTS_PENDING');
  }

  private async diagnose(
    cluster: ClusterCache,
    object: ExternalSecretObject,
  ): Promise<ExternalSecretStatus | undefined> {
    const budget = this.options.diagnosisBudgetMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.options.statusOf(cluster, object),
        new Promise<undefined>(resolve => {
          timer = setTimeout(() => resolve(undefined), budget);
          timer.unref?.();
        }),
      ]);
    } catch (error) {
      this.options.logger.debug(
        `Notifications: no diagnosis for ${object.metadata?.namespace}/${object.metadata?.name}: ${error}`,
      );
      return undefined;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** Sends; on failure runs `release` so the next check (any replica) tries again. */
  private async send(
    episode: NotifiedEpisode,
    payload: NotificationPayload,
    release: () => Promise<void>,
  ): Promise<boolean> {
    const key = `${episode.subject} ${episode.episode} ${payload.scope}`;
    try {
      await this.options.notifications.send({
        recipients: { type: 'entity', entityRef: episode.recipients },
        payload,
      });
      this.failedSends.delete(key);
      return true;
    } catch (error) {
      await release().catch(() => undefined);
      // once per notification: a missing notifications backend would repeat it every check
      const log = this.failedSends.has(key)
        ? this.options.logger.debug
        : this.options.logger.warn;
      if (this.failedSends.size > 10_000) this.failedSends.clear();
      this.failedSends.add(key);
      log.call(
        this.options.logger,
        `Notifications: sending "${payload.title}" to ${episode.recipients.join(
          ', ',
        )} failed, trying again at the next check: ${error}`,
      );
      return false;
    }
  }
}

function refOf(cluster: string, object: ExternalSecretObject) {
  return {
    cluster,
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
  };
}
