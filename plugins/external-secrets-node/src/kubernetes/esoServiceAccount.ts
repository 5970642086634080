import type { Config } from '@backstage/config';
import {
  ESO_DEFAULT_SERVICE_ACCOUNT,
  validateName,
} from '@gitops-secrets/plugin-external-secrets-common';

const KEY = 'externalSecrets.clusterManifests.eso';

/**
 * ESO's own service account on the clusters, `externalSecrets.clusterManifests.eso.namespace`
 * and `.serviceAccount` (default `external-secrets/external-secrets`, as ESO's Helm chart
 * installs it). Read here once for both of its readers: the cluster manifests bind this
 * account in client-JWT mode, and the status backend's cluster card asks whether it is bound.
 * A value that is not a Kubernetes name throws an `InputError` naming the key.
 *
 * @public
 */
export function readEsoServiceAccount(config: Config): {
  namespace: string;
  name: string;
} {
  const eso = config.getOptionalConfig(KEY);
  return {
    namespace: validateName(
      'kubernetesNamespace',
      eso?.getOptionalString('namespace') ??
        ESO_DEFAULT_SERVICE_ACCOUNT.namespace,
      `${KEY}.namespace`,
    ),
    name: validateName(
      'kubernetesObjectName',
      eso?.getOptionalString('serviceAccount') ??
        ESO_DEFAULT_SERVICE_ACCOUNT.name,
      `${KEY}.serviceAccount`,
    ),
  };
}
