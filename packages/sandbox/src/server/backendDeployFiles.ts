import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../kubernetes';

/**
 * The status backend's shipped authority files (`plugins/external-secrets-backend/deploy/`):
 * the sandbox grants the backend's credentials exactly these, so the sandbox proves the files
 * an operator applies are enough, and that nothing beyond them is needed.
 */
export const BACKEND_DEPLOY_DIR = path.join(
  path.dirname(
    require.resolve(
      '@gitops-secrets/plugin-external-secrets-backend/package.json',
    ),
  ),
  'deploy',
);

async function read(file: string): Promise<string> {
  const full = path.join(BACKEND_DEPLOY_DIR, file);
  try {
    return await fs.readFile(full, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the status backend's ${file} (${full}): ${
        (error as Error).message
      }`,
    );
  }
}

/**
 * The backend's ClusterRole, from `deploy/clusterrole.yaml` (or another of its ClusterRole
 * files: `clusterrole-workload-restart.yaml`, the optional one of "Restart workload").
 */
export async function readBackendClusterRole(
  file = 'clusterrole.yaml',
): Promise<KubeObject> {
  const role = parse(await read(file)) as KubeObject | null;
  if (
    role?.apiVersion !== 'rbac.authorization.k8s.io/v1' ||
    role.kind !== 'ClusterRole' ||
    !role.metadata?.name
  ) {
    throw new Error(
      `${path.join(
        BACKEND_DEPLOY_DIR,
        file,
      )} must hold one rbac.authorization.k8s.io/v1 ClusterRole`,
    );
  }
  return role;
}

/** The backend token's Vault policy text, from `deploy/vault-policy.hcl`. */
export async function readBackendVaultPolicy(): Promise<string> {
  return read('vault-policy.hcl');
}
