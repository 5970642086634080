import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CertificateAuthority,
  ServerCertificate,
  createCertificateAuthority,
  issueServerCertificate,
} from './certificates';

/** The CAs of the sandbox and the loopback server certificates they signed. */
export interface SandboxCertificates {
  vaultCa: CertificateAuthority;
  vaultServer: ServerCertificate;
  kubeCa: CertificateAuthority;
  kubeServer: ServerCertificate;
  /** The second cluster's own CA, as every cluster has one. */
  edgeKubeCa: CertificateAuthority;
  edgeKubeServer: ServerCertificate;
  /** The third cluster's. */
  labKubeCa: CertificateAuthority;
  labKubeServer: ServerCertificate;
}

type ClusterCertificates = Pick<
  SandboxCertificates,
  'edgeKubeCa' | 'edgeKubeServer' | 'labKubeCa' | 'labKubeServer'
>;

function clusterCertificates(cluster: string) {
  const ca = createCertificateAuthority(
    `gitops-secrets sandbox ${cluster} cluster CA`,
  );
  return {
    ca,
    server: issueServerCertificate(ca, `kube-apiserver.${cluster}.sandbox`),
  };
}

/** The further clusters' certificates that `kept` lacks (all of them when it has none). */
function missingClusterCertificates(
  kept: Partial<ClusterCertificates>,
): Partial<ClusterCertificates> {
  const missing: Partial<ClusterCertificates> = {};
  if (!kept.edgeKubeCa || !kept.edgeKubeServer) {
    const { ca, server } = clusterCertificates('edge');
    missing.edgeKubeCa = ca;
    missing.edgeKubeServer = server;
  }
  if (!kept.labKubeCa || !kept.labKubeServer) {
    const { ca, server } = clusterCertificates('lab');
    missing.labKubeCa = ca;
    missing.labKubeServer = server;
  }
  return missing;
}

function generate(): SandboxCertificates {
  const vaultCa = createCertificateAuthority('gitops-secrets sandbox Vault CA');
  const kubeCa = createCertificateAuthority(
    'gitops-secrets sandbox cluster CA',
  );
  return {
    vaultCa,
    vaultServer: issueServerCertificate(vaultCa, 'vault.sandbox'),
    kubeCa,
    kubeServer: issueServerCertificate(kubeCa, 'kube-apiserver.sandbox'),
    ...(missingClusterCertificates({}) as ClusterCertificates),
  };
}

/**
 * New certificates for every start, or, with a state directory, the ones kept there (so a
 * restarted sandbox keeps the CA the ESO ConfigMap and the backend trust). The directory holds
 * private keys and is created readable by the owner only.
 */
export async function loadCertificates(
  stateDir: string | undefined,
): Promise<SandboxCertificates> {
  if (!stateDir) {
    return generate();
  }
  const file = path.join(stateDir, 'certificates.json');
  try {
    const kept = JSON.parse(
      await fs.readFile(file, 'utf8'),
    ) as SandboxCertificates;
    const missing = missingClusterCertificates(kept);
    if (Object.keys(missing).length === 0) {
      return kept;
    }
    // kept by a version without a further cluster: its CA is added, the others stay
    const completed = { ...kept, ...missing };
    await fs.writeFile(file, JSON.stringify(completed), { mode: 0o600 });
    return completed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  const certificates = generate();
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await fs.writeFile(file, JSON.stringify(certificates), { mode: 0o600 });
  return certificates;
}
