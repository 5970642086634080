import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import {
  KubernetesEmulator,
  KubernetesEmulatorOptions,
} from '../KubernetesEmulator';

/** The bearer token the test helpers configure clients with. */
export const TEST_ADMIN_TOKEN = 'sandbox-admin-token';

/**
 * A client-node configuration pointing at an emulator, as a real deployment would point at a
 * real API server. Used by tests only.
 */
export function kubeConfigFor(url: string, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sandbox', server: url, skipTLSVerify: false }],
    users: [{ name: 'tester', ...(token ? { token } : {}) }],
    contexts: [{ name: 'sandbox', cluster: 'sandbox', user: 'tester' }],
    currentContext: 'sandbox',
  });
  return kc;
}

/** A fresh emulator plus client-node APIs bound to it. Used by tests only. */
export function createTestCluster(
  options: Partial<KubernetesEmulatorOptions> = {},
) {
  const emulator = new KubernetesEmulator({
    url: 'https://k8s.sandbox.test:6443',
    tokens: [TEST_ADMIN_TOKEN],
    ...options,
  });
  const kc = kubeConfigFor(emulator.url, TEST_ADMIN_TOKEN);
  return {
    emulator,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}
