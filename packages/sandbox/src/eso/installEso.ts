import type { KubeObject, KubernetesEmulator } from '../kubernetes';
import {
  DEFAULT_ESO_INSTALLATION,
  EsoInstallation,
  esoChartRbac,
} from './esoChartRbac';

/** ESO's namespace, service account and chart RBAC, as `helm install` creates them. */
export function esoInstallationObjects(
  installation: EsoInstallation = DEFAULT_ESO_INSTALLATION,
): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: installation.namespace },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: installation.serviceAccountName,
        namespace: installation.namespace,
      },
    },
    ...esoChartRbac(installation),
  ];
}

/**
 * Installs what ESO's chart puts into a cluster besides the CRDs (which the emulator serves
 * from the start): its namespace, service account and RBAC, applied by a cluster
 * administrator. Run it again to put back anything changed or removed.
 *
 * @public
 */
export async function installEso(
  cluster: KubernetesEmulator,
  installation: EsoInstallation = DEFAULT_ESO_INSTALLATION,
): Promise<void> {
  const helm = cluster.clientFor({
    user: { username: 'helm', groups: ['system:masters'] },
  });
  for (const object of esoInstallationObjects(installation)) {
    await helm.apply(object);
  }
}
