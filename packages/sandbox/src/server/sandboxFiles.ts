import fs from 'node:fs/promises';
import path from 'node:path';

/** The files the sandbox writes for the backend and the start script (all git-ignored). */
export const SANDBOX_FILES = {
  vaultCa: 'vault-ca.pem',
  kubeCa: 'kube-ca.pem',
  vaultToken: 'vault-token',
  kubeToken: 'kube-token',
  /** The second cluster's CA and the backend's token there. */
  edgeKubeCa: 'edge-kube-ca.pem',
  edgeKubeToken: 'edge-kube-token',
  /** The third cluster's CA and the backend's token there. */
  labKubeCa: 'lab-kube-ca.pem',
  labKubeToken: 'lab-kube-token',
  githubToken: 'github-token',
  /**
   * kubectl's configuration: contexts `sandbox-admin` (current) and `sandbox-backend`, and
   * `edge-admin` and `edge-backend` for the second cluster, `lab-admin` and `lab-backend` for
   * the third.
   */
  kubeconfig: 'kubeconfig',
  env: 'sandbox.env',
  /** Written last: its presence means every other file is in place and every port listens. */
  ready: 'ready.json',
} as const;

/** Writes a file atomically (write, then rename), readable by the owner only when `secret`. */
export async function writeSandboxFile(
  dir: string,
  name: string,
  content: string,
  secret = false,
): Promise<string> {
  const target = path.join(dir, name);
  const temporary = `${target}.${process.pid}.tmp`;
  await fs.writeFile(temporary, content, { mode: secret ? 0o600 : 0o644 });
  await fs.rename(temporary, target);
  return target;
}
