import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { SetupServer } from 'msw/node';
import {
  KubernetesEmulator,
  VaultEmulator,
  createTokenReviewer,
  vaultHandlers,
} from 'sandbox';
import { readKubernetesAuthSettings } from '../kubernetesAuthSettings';
import { createVaultClientProvider } from '../vaultActionSettings';
import { createVaultKubernetesAuthConfigureAction } from '../vaultKubernetesAuthConfigure';
import { VAULT_URL, runAction } from './vaultActionHarness';

/**
 * `vault:kubernetes-auth:configure` against the sandbox's Vault (no mount but `kubernetes`) and
 * one emulated cluster whose TokenReviews Vault calls, the backend's token holding `policy`
 * only. `run` executes the action as the scaffolder does and returns its outputs.
 */
export function kubernetesAuthHarness(
  server: SetupServer,
  options: {
    policy: string;
    cluster: { name: string; url: string; ca: string };
    /** The cluster's URL as configured, when it differs from the emulator's (e.g. a trailing "/"). */
    configuredUrl?: string;
    /** More `externalSecrets.clusters` entries. */
    moreClusters?: Array<{
      name: string;
      url: string;
      serviceAccountToken: string;
    }>;
    /** `externalSecrets.vault.kubernetesAuth`. */
    authConfig?: Record<string, string | boolean>;
    /** `externalSecrets.clusterManifests.reviewer`: another reviewer account. */
    reviewer?: { namespace: string; serviceAccount: string };
  },
) {
  const vault = new VaultEmulator({ kubernetesAuthMounts: ['kubernetes'] });
  const cluster = new KubernetesEmulator({
    url: options.cluster.url,
    caCertPem: options.cluster.ca,
  });
  vault.setTokenReviewer(createTokenReviewer(cluster));
  vault.putPolicy('onboarding', options.policy);
  const token = vault.createToken({ policies: ['onboarding'] });
  server.use(...vaultHandlers(vault, VAULT_URL));
  const config = new ConfigReader({
    externalSecrets: {
      vault: {
        baseUrl: VAULT_URL,
        retryBaseDelayMs: 1,
        auth: { type: 'token', token },
        ...(options.authConfig ? { kubernetesAuth: options.authConfig } : {}),
      },
      clusters: [
        {
          name: options.cluster.name,
          url: options.configuredUrl ?? options.cluster.url,
          serviceAccountToken: 'status-token',
          caData: Buffer.from(options.cluster.ca).toString('base64'),
        },
        ...(options.moreClusters ?? []),
      ],
      ...(options.reviewer
        ? { clusterManifests: { reviewer: options.reviewer } }
        : {}),
    },
  });
  const action = createVaultKubernetesAuthConfigureAction({
    vault: createVaultClientProvider(config, mockServices.logger.mock()),
    settings: readKubernetesAuthSettings(config),
  });
  /** The checkpoint keys of every run, in order. */
  const checkpointKeys: string[] = [];
  const run = (
    input: Record<string, unknown>,
    runOptions: { dryRun?: boolean; secrets?: Record<string, string> } = {},
  ) => runAction(action, input, { ...runOptions, checkpointKeys });
  return { vault, cluster, action, run, checkpointKeys };
}
