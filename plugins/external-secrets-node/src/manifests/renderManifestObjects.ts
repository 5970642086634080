import {
  ESO_API_VERSION,
  LABEL_KUBERNETES_ID,
} from '@gitops-secrets/plugin-external-secrets-common';
import { authDelegatorBinding } from './authDelegatorBinding';
import type {
  ExternalSecretsManifestSpec,
  KubernetesObject,
  VaultStoreSettings,
} from './types';

function vaultProvider(store: VaultStoreSettings): Record<string, unknown> {
  const serviceAccountRef: Record<string, unknown> = {
    name: store.serviceAccount.name,
  };
  if (store.serviceAccount.namespace) {
    serviceAccountRef.namespace = store.serviceAccount.namespace;
  }
  if (store.audiences.length > 0) {
    serviceAccountRef.audiences = [...store.audiences];
  }
  const vault: Record<string, unknown> = {
    server: store.server,
    path: store.kvMount,
    version: `v${store.kvVersion}`,
  };
  if (store.caBundle) {
    vault.caBundle = store.caBundle;
  }
  if (store.caProvider) {
    vault.caProvider = { ...store.caProvider };
  }
  vault.auth = {
    kubernetes: {
      mountPath: store.authMount,
      role: store.role,
      serviceAccountRef,
    },
  };
  return { vault };
}

/**
 * The store and ExternalSecret objects of a service, as ESO's v1 API expects them, and (by
 * default) the service's own ServiceAccount that the store presents to Vault. Pure: no
 * validation beyond what `resolveManifestSpec` already did, no I/O.
 *
 * @public
 */
export function renderManifestObjects(
  spec: ExternalSecretsManifestSpec,
): KubernetesObject[] {
  const labels = () => ({ [LABEL_KUBERNETES_ID]: spec.name });
  const store: KubernetesObject = {
    apiVersion: ESO_API_VERSION,
    kind: spec.store.kind,
    metadata: {
      name: spec.store.name,
      ...(spec.store.kind === 'SecretStore'
        ? { namespace: spec.namespace }
        : {}),
      labels: labels(),
    },
    spec: {
      provider: vaultProvider(spec.store),
      // Without conditions every namespace may name this store and read what its role reads.
      ...(spec.store.kind === 'ClusterSecretStore'
        ? { conditions: [{ namespaces: [spec.namespace] }] }
        : {}),
    },
  };
  const externalSecrets = spec.secrets.map(
    (secret): KubernetesObject => ({
      apiVersion: ESO_API_VERSION,
      kind: 'ExternalSecret',
      metadata: {
        name: `${spec.name}-${secret.name}`,
        namespace: spec.namespace,
        labels: labels(),
      },
      spec: {
        refreshInterval: spec.refreshInterval,
        secretStoreRef: { kind: spec.store.kind, name: spec.store.name },
        target: {
          name: `${spec.name}-${secret.name}`,
          creationPolicy: spec.creationPolicy,
          deletionPolicy: spec.deletionPolicy,
        },
        data: secret.properties.map(mapping => ({
          secretKey: mapping.secretKey,
          remoteRef: { key: secret.vaultKey, property: mapping.property },
        })),
      },
    }),
  );
  const objects = [store, ...externalSecrets];
  if (spec.store.serviceAccountPerService) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: spec.store.serviceAccount.name,
        namespace: spec.namespace,
        labels: labels(),
      },
      // ESO asks for short-lived tokens through TokenRequest; nothing mounts this account.
      automountServiceAccountToken: false,
    });
  }
  if (spec.reviewerMode === 'client-jwt') {
    // Vault reviews this account's own token with that token as the bearer: the account must
    // be allowed to create TokenReviews (system:auth-delegator), as the reviewer would be.
    objects.push(
      authDelegatorBinding({
        name: `${spec.name}-vault-token-review`,
        account: {
          name: spec.store.serviceAccount.name,
          namespace: spec.store.serviceAccount.namespace ?? spec.namespace,
        },
        labels: labels(),
      }),
    );
  }
  return objects;
}
