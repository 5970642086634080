import type { EmulatedAppRole } from './AppRoleAuthMount';
import type {
  KubernetesAuthMountConfig,
  KubernetesAuthRole,
} from './KubernetesAuthMount';
import type { KvSecret } from './KvMount';
import type { EmulatedToken } from './TokenStore';

/**
 * The Vault emulator's whole state as JSON-safe data, for the sandbox's `--state-dir`: ACL
 * policies, KV mounts with every version and its metadata, auth mounts with their config and
 * roles, and the live tokens (except the root token, which each emulator instance has its
 * own of). Faults (outage, latency, failing requests) are not part of it.
 *
 * @public
 */
export interface VaultEmulatorState {
  version: 1;
  policies: Array<{ name: string; text: string }>;
  kvMounts: Array<{
    path: string;
    version: 1 | 2;
    secrets: Record<string, KvSecret>;
  }>;
  kubernetesAuthMounts: Array<{
    path: string;
    config?: KubernetesAuthMountConfig;
    roles: Record<string, KubernetesAuthRole>;
  }>;
  appRoleAuthMounts: Array<{ path: string; roles: EmulatedAppRole[] }>;
  tokens: EmulatedToken[];
}
