import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';
import type { HumanDuration } from '@backstage/types';

export interface Config {
  externalSecrets?: {
    /**
     * Budgets, timeouts and bounds of the status API. Durations are milliseconds or strings such
     * as `5s`; every setting has a default.
     */
    status?: {
      /** The Vault-auth health of each cluster (the cluster card). */
      clusterHealth?: {
        /** How long one cluster's answer is reused before Vault is read again. Default `10s`. */
        cacheTtl?: number | string;
      };
      /** Time budget of one status answer; Vault facts not in by then are reported missing on
       * their row and arrive later (the entity is signalled). Default `1s`. */
      budget?: number | string;
      vault?: {
        /** Timeout of one Vault read for diagnosis; never retried. No answer waits for it (the
         * budget applies); a read past the budget goes on in the background and fills the cache.
         * Default `10s`, so a Vault answering in 5 s is slow but still diagnosed. */
        timeout?: number | string;
        /** How long Vault's answers are cached. Default `60s`. */
        cacheTtl?: number | string;
        /** How long a failed read is cached. Default `10s`. */
        failureTtl?: number | string;
        /** Most cached reads (least recently used evicted); keep it above the KV keys of all
         * ExternalSecrets plus their roles and policies. Default 50000. */
        maxCachedReads?: number;
        /** Most Vault reads started per second. Default 20. */
        maxReadsPerSecond?: number;
        /** How old a key's KV metadata (freshness) may get while the per-second budget has no
         * room to read it again; the last answer is served until then. Default `1h`. */
        metadataMaxStale?: number | string;
        breaker?: {
          /** Failures in a row (no answer, 5xx, 429) that open the circuit. Default 3. */
          failures?: number;
          /** First open period, doubling while Vault stays down. Default `10s`. */
          openFor?: number | string;
          /** Longest open period. Default `2m`. */
          maxOpenFor?: number | string;
        };
      };
      kubernetes?: {
        /** Timeout of one LIST page, a PATCH, and a watch request until answered. Default `30s`. */
        requestTimeout?: number | string;
        /** `timeoutSeconds` asked of the API server per watch. Default `5m`. */
        watchTimeout?: number | string;
        /** A watch with no line (not even a BOOKMARK) for this long is re-listed. Default `3m`. */
        silentWatch?: number | string;
        /** Objects per LIST page (`limit`). Default 500. */
        pageSize?: number;
        /** Newest Events kept per object. Default 10. */
        maxEventsPerObject?: number;
        /**
         * List and watch Pods in every cluster to show which workloads use each target Secret
         * and whether they need a restart after a rotation (the consumers view). Each Pod is
         * kept reduced to its name, owner, start time, container names and Secret references
         * (about 2 KB per Pod; see bench/README.md), never the rest of its spec. Needs `list`
         * and `watch` on pods (in deploy/clusterrole.yaml). Default true; false: no Pod
         * request at all, and no consumers shown.
         */
        watchPods?: boolean;
      };
    };
    /**
     * "Restart workload" (`POST .../restart`): a rollout restart (the pod template annotation
     * `kubectl.kubernetes.io/restartedAt`, as `kubectl rollout restart` sets it) of a
     * Deployment, StatefulSet or DaemonSet whose Pods use one of the entity's target Secrets,
     * offered in the tab for workloads that need a restart to read a new value. Signed-in users
     * only, each checked against the permission `external-secrets.workload.restart`; every
     * attempt is audited (`external-secrets-workload-restart`).
     */
    workloadRestart?: {
      /**
       * Offer the restart. Default false. When true, also bind the backend's cluster account
       * to `deploy/clusterrole-workload-restart.yaml` (`patch` on deployments, statefulsets
       * and daemonsets).
       */
      enabled?: boolean;
    };
    /** "Sync now" (`POST .../refresh`). */
    syncNow?: {
      /**
       * Let service principals (other backends, static tokens) trigger a sync too. Default
       * false: only signed-in users, each checked against `external-secrets.sync.trigger`.
       */
      allowServicePrincipals?: boolean;
    };
    /**
     * The sync history: every state transition of every ExternalSecret, stored in the plugin's
     * database (`backend.database`: SQLite in development, PostgreSQL in production). Written
     * once per transition whatever the number of backend replicas.
     */
    history?: {
      /** Record and show the history. Default true. */
      enabled?: boolean;
      /** How many transitions each status row (API, MCP action, tab) carries. 1–100, default 10. */
      transitionsInStatus?: number;
      /** What is kept, enforced by a scheduled task (one replica at a time runs it). */
      retention?: {
        /**
         * Transitions older than this are deleted, except each live ExternalSecret's newest.
         * A duration: "90d", ISO 8601 "P90D", or an object such as { days: 90 }. Default 90 days.
         */
        maxAge?: string | HumanDuration;
        /** At most this many transitions per ExternalSecret (uid) are kept. Default 100. */
        maxPerExternalSecret?: number;
        /** When the retention task runs. Default every hour, first a minute after start. */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
    /**
     * Notifications (Backstage's notifications service) to the owner of the catalog entity
     * that claims an ExternalSecret, when it breaks after having synced and stays broken past
     * the grace period, and once more when it syncs again. Sent once per failure across backend
     * replicas and restarts (the plugin database records what was sent).
     */
    notifications?: {
      /** Send notifications. Default true (needs the notifications backend plugin). */
      enabled?: boolean;
      /**
       * How long an ExternalSecret must stay in Error before its owner is told. A duration:
       * "10m", ISO 8601 "PT10M", or { minutes: 10 }; at least 1 s. Default: two of the
       * ExternalSecret's own refresh intervals (ESO's default interval, 1h, when it has none or 0).
       */
      gracePeriod?: string | HumanDuration;
      /** How often each replica evaluates its caches. At least 1 s. Default 30 s. */
      checkInterval?: string | HumanDuration;
      /**
       * Entity references told instead of the claiming entity's owner (a bare name is a group),
       * e.g. an on-call group. Default: the owner.
       */
      recipients?: string[];
      /**
       * The notification severities that are sent (critical, high, normal, low); a finding's
       * severity error is high, warning normal, info low; a failure without a finding is high.
       * A recovery is sent for every failure that was sent. Default: all.
       */
      severities?: Array<'critical' | 'high' | 'normal' | 'low'>;
      /**
       * Most notifications one replica sends per check. Default 50. Also bounds how many
       * synced ExternalSecrets one check compares with Vault for a pending rotation (taken in
       * turn, those already notified first).
       */
      maxPerCheck?: number;
      /**
       * A pending rotation: Vault holds a version of a key, written after the ExternalSecret's
       * last successful sync, that has not reached the cluster. The owner is told once per key
       * and version when it waits longer than `after`, and once more when it has reached the
       * cluster. Read from Vault's KV metadata through the status service's cache (never a
       * value); only for stores on the backend's Vault (`externalSecrets.vault`).
       */
      pendingRotation?: {
        /** Tell owners of pending rotations. Default true (when notifications are on). */
        enabled?: boolean;
        /**
         * How long a version may stay unsynced, counted from when it was written in Vault,
         * before the owner is told. A duration: "1h", ISO 8601 "PT1H", or { hours: 1 }; at
         * least 1 s. Default 1 hour.
         */
        after?: string | HumanDuration;
      };
      /**
       * A cluster outage — the cluster unreachable, or many of its ExternalSecrets failing at
       * once — is one notification to the platform team; the owners' notifications are held.
       */
      clusterOutage?: {
        /** Who is told (entity refs; a bare name is a group). Default: nobody (a warning is logged). */
        recipients?: string[];
        /** How long a cluster must be unreachable to be an outage. Default 5 minutes. */
        gracePeriod?: string | HumanDuration;
        /** At least this many failing ExternalSecrets of one cluster ... Default 5. */
        minExternalSecrets?: number;
        /** ... that are at least this fraction (0–1] of the cluster's. Default 0.5. */
        fraction?: number;
      };
    };
  };
}
