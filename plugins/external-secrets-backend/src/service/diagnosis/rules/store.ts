import type { Rule } from '../types';
import { describeCommand } from '../context';

/** The store the ExternalSecret names is not in the cluster. */
export const storeMissing: Rule = {
  code: 'STORE_MISSING',
  kind: 'cause',
  evaluate: ctx => {
    if (ctx.input.store && !ctx.error.eso.storeNotFound) {
      return undefined;
    }
    return {
      code: 'STORE_MISSING',
      severity: 'error',
      summary: `The ${ctx.storeRef} that ExternalSecret ${ctx.externalSecretRef} references does not exist.`,
      fix: `Create ${ctx.storeRef} (it is rendered with the service's manifests), or correct spec.secretStoreRef of the ExternalSecret.`,
      evidence: { externalSecret: ctx.externalSecretRef, store: ctx.storeRef },
    };
  },
};

/** The store is not Ready: whatever its cause, nothing syncs through it. */
export const storeNotReady: Rule = {
  code: 'STORE_NOT_READY',
  kind: 'context',
  evaluate: ctx => {
    if (!ctx.input.store) {
      return undefined;
    }
    const notReady =
      ctx.storeReady?.status === 'False' || !!ctx.error.eso.storeNotReady;
    if (!notReady) {
      return undefined;
    }
    return {
      code: 'STORE_NOT_READY',
      severity: 'error',
      summary: `${ctx.storeRef} is not ready${
        ctx.storeReady?.reason ? ` (${ctx.storeReady.reason})` : ''
      }, so nothing syncs through it.`,
      fix: `Run "${describeCommand(
        ctx.storeKind,
        ctx.storeName,
        ctx.storeNamespace,
      )}" and fix the error in its Warning events; the other findings here name the cause when it is known.`,
      evidence: { store: ctx.storeRef },
    };
  },
};

/** `path: secret/data`: ESO adds `data/` itself on KV v2, so reads go to `secret/data/data/…`. */
export const storePathIncludesData: Rule = {
  code: 'STORE_PATH_INCLUDES_DATA',
  kind: 'cause',
  evaluate: ctx => {
    if (
      !ctx.failing ||
      !ctx.vaultSpec ||
      ctx.storeKvVersion !== 2 ||
      !/(^|\/)data(\/|$)/.test(ctx.mount)
    ) {
      return undefined;
    }
    const mountOnly = ctx.mount.replace(/(^|\/)data(\/.*)?$/, '') || 'secret';
    return {
      code: 'STORE_PATH_INCLUDES_DATA',
      severity: 'error',
      summary: `${ctx.storeRef} has path "${ctx.mount}", which includes "data"; ESO adds the KV v2 "data/" segment itself.`,
      fix: `Set spec.provider.vault.path to the mount only (e.g. "${mountOnly}").`,
      evidence: { store: ctx.storeRef, path: ctx.mount },
    };
  },
};

/** ESO refuses the ClusterSecretStore for this namespace (`spec.conditions`). */
export const storeNamespaceNotAllowed: Rule = {
  code: 'STORE_NAMESPACE_NOT_ALLOWED',
  kind: 'cause',
  evaluate: ctx => {
    const denied = ctx.error.eso.storeNamespaceDenied;
    if (!ctx.failing || !denied) {
      return undefined;
    }
    return {
      code: 'STORE_NAMESPACE_NOT_ALLOWED',
      severity: 'error',
      summary: `ClusterSecretStore ${denied.store} does not allow namespace ${denied.namespace}: its spec.conditions exclude it.`,
      fix: `Add namespace ${denied.namespace} to spec.conditions of ClusterSecretStore ${denied.store} (namespaces, namespaceSelector or namespaceRegexes), or use a store meant for this namespace.`,
      evidence: {
        store: `ClusterSecretStore/${denied.store}`,
        namespace: denied.namespace,
      },
    };
  },
};

/** The service account the store logs in as does not exist. */
export const serviceAccountNotFound: Rule = {
  code: 'SERVICE_ACCOUNT_NOT_FOUND',
  kind: 'cause',
  evaluate: ctx => {
    const name = ctx.error.eso.serviceAccountNotFound;
    if (!ctx.failing || !name) {
      return undefined;
    }
    const namespace =
      ctx.serviceAccount?.namespace ?? ctx.storeNamespace ?? undefined;
    const account = namespace ? `${namespace}/${name}` : name;
    return {
      code: 'SERVICE_ACCOUNT_NOT_FOUND',
      severity: 'error',
      summary: `The service account ${account} that ${ctx.storeRef} logs in to Vault as does not exist, so ESO cannot request a token for it.`,
      fix: `Create service account ${account}, or point auth.kubernetes.serviceAccountRef of ${
        ctx.storeRef
      } at an existing one${
        ctx.storeKind === 'ClusterSecretStore' && !ctx.serviceAccount?.namespace
          ? " and set its namespace (a ClusterSecretStore otherwise looks in the ExternalSecret's namespace)"
          : ''
      }.`,
      evidence: { store: ctx.storeRef, serviceAccount: account },
    };
  },
};

/**
 * A namespaced SecretStore names a service account in another namespace: ESO only uses
 * accounts in the store's own namespace (and since v2.4 refuses the store).
 */
export const serviceAccountRefForeignNamespace: Rule = {
  code: 'SERVICE_ACCOUNT_REF_FOREIGN_NAMESPACE',
  kind: 'cause',
  evaluate: ctx => {
    if (!ctx.failing || ctx.storeKind !== 'SecretStore') {
      return undefined;
    }
    const refNamespace = ctx.serviceAccount?.namespace;
    const foreign =
      (!!refNamespace && refNamespace !== ctx.storeNamespace) ||
      ctx.error.eso.serviceAccountNamespace;
    if (!foreign) {
      return undefined;
    }
    return {
      code: 'SERVICE_ACCOUNT_REF_FOREIGN_NAMESPACE',
      severity: 'error',
      summary: `SecretStore ${ctx.storeNamespace}/${
        ctx.storeName
      } refers to a service account${
        refNamespace ? ` in namespace ${refNamespace}` : ''
      } outside its own namespace; a namespaced store can only use accounts of ${
        ctx.storeNamespace
      }.`,
      fix: `Remove serviceAccountRef.namespace (and other namespace fields) from the SecretStore and use a service account in ${ctx.storeNamespace}, or use a ClusterSecretStore.`,
      evidence: {
        store: ctx.storeRef,
        serviceAccountNamespace: refNamespace ?? '',
      },
    };
  },
};

export const STORE_RULES: Rule[] = [
  storeMissing,
  storeNotReady,
  storePathIncludesData,
  storeNamespaceNotAllowed,
  serviceAccountNotFound,
  serviceAccountRefForeignNamespace,
];
