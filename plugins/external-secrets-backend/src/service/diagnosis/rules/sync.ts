import {
  forceSyncEffect,
  refreshPolicyOf,
} from '@gitops-secrets/plugin-external-secrets-common';
import { asExternalSecretLike } from '../../classifyInput';
import type { Rule } from '../types';

/** ESO has not written a Ready condition yet. */
export const notProcessed: Rule = {
  code: 'NOT_PROCESSED',
  kind: 'context',
  evaluate: ctx =>
    ctx.classification.state === 'Pending'
      ? {
          code: 'NOT_PROCESSED',
          severity: 'info',
          summary: `The External Secrets Operator has not processed ExternalSecret ${ctx.externalSecretRef} yet.`,
          fix: 'Check that ESO runs in the cluster and that its controller logs show no errors for this namespace; it reports within seconds when healthy.',
          evidence: { externalSecret: ctx.externalSecretRef },
        }
      : undefined,
};

/** Ready=True, but the last sync is old or the current spec was not processed. */
export const staleSync: Rule = {
  code: 'STALE_SYNC',
  kind: 'context',
  evaluate: ctx => {
    const c = ctx.classification;
    if (!c.stale && !c.behindSpec) {
      return undefined;
    }
    return {
      code: 'STALE_SYNC',
      severity: 'warning',
      summary: c.behindSpec
        ? `ESO has not processed the current spec of ${ctx.externalSecretRef} yet.`
        : `The last successful sync of ${ctx.externalSecretRef} was at ${c.lastSyncTime}, more than twice its refresh interval ago.`,
      fix: 'Check that ESO is running and not rate-limited; press "Sync now" (force-sync) and watch the ExternalSecret\'s events.',
      evidence: {
        externalSecret: ctx.externalSecretRef,
        lastSyncTime: c.lastSyncTime ?? '',
      },
    };
  },
};

/**
 * The spec changed after the one sync a sync-once policy allows: ESO will not apply it, and
 * force-sync does nothing.
 */
export const forceSyncIgnored: Rule = {
  code: 'FORCE_SYNC_IGNORED',
  kind: 'context',
  evaluate: ctx => {
    const object = asExternalSecretLike(ctx.input.externalSecret);
    const effect = forceSyncEffect(object);
    if (effect.effective) {
      return undefined;
    }
    const generation = ctx.input.externalSecret.metadata?.generation;
    const synced = /^(\d+)-/.exec(
      String(ctx.input.externalSecret.status?.syncedResourceVersion ?? ''),
    )?.[1];
    if (
      typeof generation !== 'number' ||
      !synced ||
      Number(synced) >= generation
    ) {
      return undefined;
    }
    return {
      code: 'FORCE_SYNC_IGNORED',
      severity: 'info',
      summary: `The spec of ${ctx.externalSecretRef} changed after its last sync, but ESO will not apply it: ${effect.reason}`,
      fix:
        refreshPolicyOf(object) === 'CreatedOnce'
          ? 'Delete and re-create the ExternalSecret (GitOps: remove it, sync, add it back), or switch refreshPolicy to OnChange.'
          : 'Set refreshInterval above 0 (or refreshPolicy: OnChange), or delete and re-create the ExternalSecret.',
      evidence: {
        externalSecret: ctx.externalSecretRef,
        refreshPolicy: refreshPolicyOf(object),
      },
    };
  },
};

/** ESO reports a sync but the target Secret is not there. */
export const targetSecretMissing: Rule = {
  code: 'TARGET_SECRET_MISSING',
  kind: 'cause',
  evaluate: ctx => {
    const c = ctx.classification;
    if (
      (c.state !== 'Synced' && c.state !== 'Stale') ||
      ctx.input.targetExists
    ) {
      return undefined;
    }
    const es = ctx.input.externalSecret;
    if (
      es.spec?.target?.creationPolicy === 'None' ||
      es.spec?.target?.creationPolicy === 'Orphan'
    ) {
      return undefined; // ESO does not own (or keep) the Secret under these policies
    }
    const namespace = ctx.externalSecretRef.split('/')[0];
    const target = es.spec?.target?.name || es.metadata?.name || '';
    return {
      code: 'TARGET_SECRET_MISSING',
      severity: 'error',
      summary: `ESO reports a sync, but the target Secret ${namespace}/${target} does not exist.`,
      fix: 'Press "Sync now" to recreate it; if it disappears again, look for another controller or a person deleting it.',
      evidence: { secret: `${namespace}/${target}` },
    };
  },
};

/** Diagnosis could not read Vault's configuration: Vault-side findings are missing. */
export const vaultUnreachable: Rule = {
  code: 'VAULT_UNREACHABLE',
  kind: 'context',
  evaluate: ctx => {
    const error = ctx.facts?.error;
    if (!error) {
      return undefined;
    }
    return {
      code: 'VAULT_UNREACHABLE',
      severity: 'warning',
      summary:
        "Vault's configuration (auth config, role, policies) could not be read to explain this failure, so findings that need Vault's side are missing.",
      fix: `Check Vault's health first (vault status, or GET /v1/sys/health: sealed, standby or down${
        ctx.vaultSpec?.server ? ` at ${ctx.vaultSpec.server}` : ''
      }); if Vault is healthy, check the backend's Vault access in externalSecrets.vault (address, CA, token or role).`,
      evidence: { server: ctx.vaultSpec?.server ?? '', error },
    };
  },
};

export const SYNC_RULES: Rule[] = [
  notProcessed,
  staleSync,
  forceSyncIgnored,
  targetSecretMissing,
  vaultUnreachable,
];
