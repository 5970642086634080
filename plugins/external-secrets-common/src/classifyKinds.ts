import {
  classifyExternalSecret,
  type Classification,
  type EventLike,
} from './classify';
import type {
  PushDeletionPolicy,
  PushUpdatePolicy,
  StatusCondition,
  SyncState,
} from './status';

/**
 * The parts of a PushSecret (external-secrets.io/v1alpha1) that classification reads.
 *
 * @public
 */
export interface PushSecretLike {
  metadata?: { generation?: number };
  spec?: {
    refreshInterval?: string;
    updatePolicy?: string;
    deletionPolicy?: string;
  };
  status?: {
    conditions?: StatusCondition[];
    refreshTime?: string | null;
    syncedResourceVersion?: string;
  };
}

/**
 * Classifies a PushSecret like an ExternalSecret (ESO's PushSecret controller keeps the same
 * Ready condition, `refreshTime` and `syncedResourceVersion`), except that its condition message
 * is ESO's real error, not a generic text.
 *
 * @public
 */
export function classifyPushSecret(
  object: PushSecretLike,
  now: Date,
  newestWarning?: EventLike,
): Classification {
  const result = classifyExternalSecret(
    {
      metadata: object.metadata,
      spec: { refreshInterval: object.spec?.refreshInterval },
      status: object.status,
    },
    now,
    newestWarning,
  );
  if (result.state === 'Pending') {
    return {
      ...result,
      message:
        'The External Secrets Operator has not reported on this PushSecret yet.',
    };
  }
  return result;
}

/** ESO's default `updatePolicy` is `Replace`. @public */
export function pushUpdatePolicyOf(object: PushSecretLike): PushUpdatePolicy {
  return object.spec?.updatePolicy === 'IfNotExists'
    ? 'IfNotExists'
    : 'Replace';
}

/** ESO's default `deletionPolicy` is `None`. @public */
export function pushDeletionPolicyOf(
  object: PushSecretLike,
): PushDeletionPolicy {
  return object.spec?.deletionPolicy === 'Delete' ? 'Delete' : 'None';
}

/**
 * The parts of a ClusterExternalSecret (external-secrets.io/v1) that classification reads.
 *
 * @public
 */
export interface ClusterExternalSecretLike {
  status?: {
    failedNamespaces?: Array<{ namespace?: string; reason?: string }>;
    conditions?: Array<{ type?: string; status?: string; message?: string }>;
  };
}

/**
 * A ClusterExternalSecret's own state: ESO sets Ready=False ("one or more namespaces failed")
 * when it could not provision a selected namespace, and Ready=True otherwise. Whether the
 * provisioned ExternalSecrets sync is their own state, not this one.
 *
 * @public
 */
export function classifyClusterExternalSecret(
  object: ClusterExternalSecretLike,
): { state: SyncState; message?: string } {
  const conditions = Array.isArray(object.status?.conditions)
    ? object.status!.conditions!
    : [];
  const ready = conditions.find(c => c && c.type === 'Ready');
  const failed = Array.isArray(object.status?.failedNamespaces)
    ? object.status!.failedNamespaces!
    : [];
  if (!ready) {
    return failed.length > 0
      ? { state: 'Error', message: 'one or more namespaces failed' }
      : {
          state: 'Pending',
          message:
            'The External Secrets Operator has not reported on this ClusterExternalSecret yet.',
        };
  }
  if (ready.status === 'False' || failed.length > 0) {
    return { state: 'Error', message: ready.message ?? undefined };
  }
  if (ready.status === 'True') {
    return { state: 'Synced', message: ready.message ?? undefined };
  }
  return { state: 'Unknown', message: ready.message ?? undefined };
}
