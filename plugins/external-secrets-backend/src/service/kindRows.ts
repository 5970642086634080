import {
  classifyClusterExternalSecret,
  classifyPushSecret,
  DEFAULT_REFRESH_INTERVAL,
  pushDeletionPolicyOf,
  pushUpdatePolicyOf,
  type ClusterExternalSecretStatus,
  type ExternalSecretStatus,
  type PushSecretStatus,
  type StatusCondition,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ClusterExternalSecretObject,
  ExternalSecretObject,
  PushSecretObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { asEventLike } from './classifyInput';
import { currentWarning } from './currentWarning';
import type { ClusterFacts } from './diagnosis/types';
import { diagnoseClusterExternalSecret } from './diagnosis/kinds/clusterExternalSecret';
import { diagnosePushSecret } from './diagnosis/kinds/pushSecret';

/** At most this many provisioned namespaces are looked at per ClusterExternalSecret. */
export const MAX_CES_CHILDREN = 20;

const storeKind = (kind: unknown) =>
  kind === 'ClusterSecretStore'
    ? ('ClusterSecretStore' as const)
    : ('SecretStore' as const);

/** One PushSecret's row, from the cluster cache only (no Vault read: pushes are ESO's writes). */
export function pushSecretStatus(
  cluster: ClusterCache,
  object: PushSecretObject,
  now: Date,
  clusterFacts: ClusterFacts,
): PushSecretStatus {
  const namespace = String(object.metadata?.namespace ?? '');
  const name = String(object.metadata?.name ?? '');
  const conditions = (object.status?.conditions ?? []) as StatusCondition[];
  const warning = asEventLike(
    currentWarning(
      cluster.eventsFor('PushSecret', namespace, name),
      conditions,
    ),
  );
  const classification = classifyPushSecret(
    {
      metadata: { generation: object.metadata?.generation },
      spec: object.spec,
      status: {
        conditions,
        refreshTime: object.status?.refreshTime ?? undefined,
        syncedResourceVersion: object.status?.syncedResourceVersion,
      },
    },
    now,
    warning,
  );
  const refs = (object.spec?.secretStoreRefs ?? []).filter(r => r && r.name);
  const stores = refs.map(ref => {
    const kind = storeKind(ref.kind);
    const storeName = String(ref.name);
    const store = cluster.getStore(kind, storeName, namespace);
    return {
      kind,
      name: storeName,
      store,
      warning: store
        ? asEventLike(
            currentWarning(
              cluster.eventsFor(
                kind,
                kind === 'SecretStore' ? namespace : undefined,
                storeName,
              ),
              store.status?.conditions,
            ),
          )
        : undefined,
    };
  });
  const pushed: PushSecretStatus['pushed'] = [];
  for (const [store, entries] of Object.entries(
    object.status?.syncedPushSecrets ?? {},
  )) {
    for (const entry of Object.values(entries ?? {})) {
      const remote = (
        entry as {
          match?: { remoteRef?: { remoteKey?: string; property?: string } };
        }
      )?.match?.remoteRef;
      if (remote?.remoteKey) {
        pushed.push({
          store,
          remoteKey: remote.remoteKey,
          ...(remote.property ? { property: remote.property } : {}),
        });
      }
    }
  }
  return {
    cluster: cluster.name,
    namespace,
    name,
    state: classification.state,
    reason: classification.reason,
    message: classification.message,
    lastSyncTime: classification.lastSyncTime,
    refreshInterval: object.spec?.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
    updatePolicy: pushUpdatePolicyOf(object),
    deletionPolicy: pushDeletionPolicyOf(object),
    sourceSecret: object.spec?.selector?.secret?.name,
    stores: [
      ...stores.map(s => ({ kind: s.kind, name: s.name })),
      ...(object.spec?.secretStoreRefs ?? [])
        .filter(r => r && !r.name && r.labelSelector)
        .map(r => ({ kind: storeKind(r.kind), name: 'labelSelector' })),
    ],
    pushed,
    conditions,
    findings: diagnosePushSecret({
      pushSecret: object,
      classification,
      warning,
      stores,
      cluster: clusterFacts,
    }),
  };
}

/** The ClusterExternalSecret that controls an ExternalSecret, if any. */
export function owningClusterExternalSecret(
  object: ExternalSecretObject,
): string | undefined {
  return (object.metadata?.ownerReferences ?? []).find(
    o =>
      o?.controller &&
      o.kind === 'ClusterExternalSecret' &&
      String(o.apiVersion ?? '').startsWith('external-secrets.io/'),
  )?.name;
}

/**
 * One ClusterExternalSecret's row. `children` are the rows of the ExternalSecrets it provisioned
 * (as the entity's status built them, or built for this answer).
 */
export function clusterExternalSecretStatus(
  cluster: ClusterCache,
  object: ClusterExternalSecretObject,
  children: ExternalSecretStatus[],
): ClusterExternalSecretStatus {
  const name = String(object.metadata?.name ?? '');
  const { state, message } = classifyClusterExternalSecret(object);
  const failing = children.filter(c => c.state === 'Error');
  return {
    cluster: cluster.name,
    name,
    state,
    message,
    externalSecretName:
      object.status?.externalSecretName ||
      object.spec?.externalSecretName ||
      name,
    provisionedNamespaces: object.status?.provisionedNamespaces ?? [],
    failedNamespaces: (object.status?.failedNamespaces ?? []).map(f => ({
      namespace: String(f?.namespace ?? ''),
      reason: String(f?.reason ?? ''),
    })),
    failingExternalSecrets: failing.map(c => ({
      namespace: c.namespace,
      name: c.name,
      state: c.state,
      findingCode: c.findings[0]?.code,
    })),
    conditions: (object.status?.conditions ?? []).map(c => ({
      type: String(c?.type ?? ''),
      status: String(c?.status ?? 'Unknown'),
      ...(c?.message ? { message: c.message } : {}),
    })),
    findings: diagnoseClusterExternalSecret({
      clusterExternalSecret: object,
      children: children.map(c => ({
        namespace: c.namespace,
        name: c.name,
        state: c.state,
        findings: c.findings,
      })),
    }),
  };
}
