import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { z as zod } from 'zod/v3';
import {
  clusterField,
  overwriteField,
  parseActionInput,
  reviewerModeField,
} from './inputFields';
import { checkpointKey } from './checkpointKey';
import { differences } from './differences';
import {
  KubernetesAuthSettings,
  clusterCaPem,
  mountPathFor,
} from './kubernetesAuthSettings';
import { VaultClientProvider } from './vaultActionSettings';
import { examples } from './vaultKubernetesAuthConfigure.examples';

/** The template secret (`ctx.secrets`) the reviewer JWT is read from, by default. */
export const DEFAULT_REVIEWER_JWT_SECRET = 'tokenReviewerJwt';

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** What happened to the mount's config (or would, in a dry run). */
type KubernetesAuthConfigureResult =
  | 'created'
  | 'unchanged'
  | 'updated'
  | 'awaiting-reviewer-jwt';

const DEFAULT_REVIEWER_TOKEN_SECRET = {
  namespace: 'vault-auth',
  name: 'vault-auth-token',
};

const inputFields = {
  cluster: clusterField('Name of the cluster in externalSecrets.clusters'),
  reviewerMode: reviewerModeField(
    "`client-jwt` (default): Vault reviews each login with the logging-in account's own JWT (that account needs system:auth-delegator). `reviewer-jwt`: with the token of a dedicated reviewer account, from the template secret `reviewerJwtSecret`",
  ),
  reviewerJwtSecret: (z: typeof zod) =>
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/)
      .optional()
      .describe(
        `Key of the template secrets (a ui:field: Secret field) holding the reviewer JWT; default ${DEFAULT_REVIEWER_JWT_SECRET}. Left empty on a new cluster, the mount waits for it (result awaiting-reviewer-jwt)`,
      ),
  overwrite: overwriteField(
    'Replace a differing config; repointing a mount configured for another API server also needs kubernetesAuth.allowRepoint in config',
  ),
};

function sameHost(a: string, b: string): boolean {
  const normal = (url: string) => url.trim().replace(/\/+$/, '').toLowerCase();
  return normal(a) === normal(b);
}

function samePem(a: string, b: string): boolean {
  const normal = (pem: string) => pem.replace(/\s+/g, '');
  return normal(a) === normal(b);
}

/**
 * `vault:kubernetes-auth:configure`: enables the cluster's Kubernetes auth mount when missing
 * and writes its config (API server URL and CA from the cluster's configuration, issuer from
 * config, reviewer JWT from the template secrets in reviewer mode). Never logs or outputs the
 * JWT.
 *
 * Reviewer mode without a JWT is the first of two runs: the reviewer's token Secret only exists
 * once the GitOps pull request of the same template is merged and applied. The mount is then
 * enabled with no config (`awaiting-reviewer-jwt`) rather than configured in client-JWT mode,
 * which would make Vault review logins differently from what was chosen.
 *
 * @public
 */
export function createVaultKubernetesAuthConfigureAction(options: {
  vault: VaultClientProvider;
  settings: KubernetesAuthSettings;
}) {
  const { settings } = options;
  return createTemplateAction({
    id: 'vault:kubernetes-auth:configure',
    description:
      "Enables Vault's Kubernetes auth method for a configured cluster (one mount per cluster, `kubernetes-<cluster>` by default) and writes its config: the API server URL and CA from externalSecrets.clusters, issuer validation on, and either client-JWT mode or a reviewer JWT taken from the template secrets. In reviewer-JWT mode without the JWT (the reviewer's token Secret is created by the pull request of the same template), it enables the mount, writes no config and answers `awaiting-reviewer-jwt`: run it again with the token once the pull request is applied; a mount already configured in reviewer-JWT mode is left as it is. Refuses to repoint a mount configured for another cluster.",
    examples,
    supportsDryRun: true,
    schema: {
      input: inputFields,
      output: {
        authMount: z => z.string().describe('The auth mount path'),
        kubernetesHost: z =>
          z.string().describe('The API server URL written to the mount'),
        reviewerMode: z =>
          z.enum(['client-jwt', 'reviewer-jwt']).describe('The reviewer mode'),
        mountEnabled: z =>
          z
            .boolean()
            .describe('Whether the mount was (or would be) enabled now'),
        result: z =>
          z
            .enum(['created', 'unchanged', 'updated', 'awaiting-reviewer-jwt'])
            .describe(
              'What happened to the config (or would, in a dry run); `awaiting-reviewer-jwt`: reviewer-JWT mode without the JWT, the mount has no config until a run with the token',
            ),
      },
    },
    async handler(ctx) {
      const given = parseActionInput(inputFields, ctx.input);
      const input = {
        cluster: given.cluster,
        reviewerMode: given.reviewerMode ?? 'client-jwt',
        reviewerJwtSecret:
          given.reviewerJwtSecret ?? DEFAULT_REVIEWER_JWT_SECRET,
        overwrite: given.overwrite ?? false,
      };
      const cluster = settings.clusters.find(c => c.name === input.cluster);
      if (!cluster) {
        throw new NotFoundError(
          `Cluster "${
            input.cluster
          }" is not in externalSecrets.clusters; configured: ${
            settings.clusters.map(c => c.name).join(', ') || 'none'
          }`,
        );
      }
      if (!cluster.url) {
        throw new InputError(
          `Cluster "${cluster.name}" has no url in externalSecrets.clusters: Vault needs the API server URL`,
        );
      }
      const kubernetesHost = cluster.url.replace(/\/+$/, '');
      const caPem = clusterCaPem(cluster);
      const authMount = mountPathFor(settings, cluster);

      const tokenSecret =
        settings.reviewerTokenSecret ?? DEFAULT_REVIEWER_TOKEN_SECRET;
      const tokenCommand = `kubectl -n ${tokenSecret.namespace} get secret ${tokenSecret.name} -o jsonpath='{.data.token}' | base64 -d`;

      let reviewerJwt = '';
      if (input.reviewerMode === 'reviewer-jwt') {
        reviewerJwt = (ctx.secrets?.[input.reviewerJwtSecret] ?? '').trim();
        if (reviewerJwt && !JWT.test(reviewerJwt)) {
          throw new InputError(
            `The template secret "${input.reviewerJwtSecret}" is not a JWT (three base64url parts separated by dots)`,
          );
        }
      }
      const awaitingJwt = input.reviewerMode === 'reviewer-jwt' && !reviewerJwt;
      const jwtMissing = (why: string) =>
        new InputError(
          `Reviewer JWT missing: ${why}, and reviewer-jwt mode cannot write a config without it. Paste the token of Secret ${tokenSecret.namespace}/${tokenSecret.name} (${tokenCommand}) into the template secret "${input.reviewerJwtSecret}" (a ui:field: Secret field)`,
        );

      const wanted = {
        kubernetes_host: kubernetesHost,
        kubernetes_ca_cert: caPem,
        issuer: settings.issuer,
        disable_iss_validation: settings.disableIssuerValidation,
      };

      const vault = options.vault();
      const mounts = await vault.listAuthMounts();
      const existingType = mounts.get(authMount);
      if (existingType !== undefined && existingType !== 'kubernetes') {
        throw new ConflictError(
          `Vault auth mount ${authMount}/ exists and is a ${existingType} auth method, not kubernetes; remove it or set externalSecrets.vault.kubernetesAuth.mountPath to another pattern`,
        );
      }
      const mountEnabled = existingType === undefined;
      const existing = mountEnabled
        ? undefined
        : await vault.readKubernetesAuthConfig(authMount);

      let result: KubernetesAuthConfigureResult = awaitingJwt
        ? 'awaiting-reviewer-jwt'
        : 'created';
      if (existing) {
        if (!sameHost(existing.kubernetesHost, kubernetesHost)) {
          if (!input.overwrite || !settings.allowRepoint) {
            throw new ConflictError(
              `Vault auth mount ${authMount}/ is configured for another cluster (kubernetes_host ${JSON.stringify(
                existing.kubernetesHost,
              )}, not ${JSON.stringify(
                kubernetesHost,
              )}); repointing it would break every login of that cluster. ${
                settings.allowRepoint
                  ? 'Set overwrite: true to repoint it'
                  : 'Repointing needs overwrite: true and externalSecrets.vault.kubernetesAuth.allowRepoint: true'
              }`,
            );
          }
          if (awaitingJwt) {
            throw jwtMissing(
              `repointing Vault auth mount ${authMount}/ replaces its whole config`,
            );
          }
          result = 'updated';
        } else {
          const diff = differences(
            {
              kubernetes_host: kubernetesHost,
              kubernetes_ca_cert: samePem(existing.kubernetesCaCert, caPem)
                ? caPem
                : '(another CA)',
              issuer: existing.issuer,
              disable_iss_validation: existing.disableIssValidation,
              reviewer: existing.tokenReviewerJwtSet
                ? 'reviewer-jwt'
                : 'client-jwt',
            },
            {
              ...wanted,
              kubernetes_ca_cert: caPem,
              reviewer: input.reviewerMode,
            },
          ).map(line =>
            line.replace(JSON.stringify(caPem), '(the cluster CA)'),
          );
          if (diff.length > 0 && !input.overwrite) {
            throw new ConflictError(
              `Vault auth mount ${authMount}/ is configured differently (${diff.join(
                '; ',
              )}). Set overwrite: true to replace its config${
                awaitingJwt
                  ? `, and paste the reviewer JWT: reviewer-jwt mode cannot write a config without it (${tokenCommand})`
                  : ''
              }`,
            );
          }
          if (diff.length > 0 && awaitingJwt) {
            throw jwtMissing(
              `Vault auth mount ${authMount}/ is configured differently (${diff.join(
                '; ',
              )})`,
            );
          }
          // Vault never returns the reviewer JWT: a pasted one is written again, as a rotation;
          // without one, the JWT Vault has is kept.
          result = diff.length === 0 && !reviewerJwt ? 'unchanged' : 'updated';
        }
      }

      const where = `auth/${authMount}/config`;
      const nextStep = `Next: merge the GitOps pull request of this cluster, wait until Argo CD has applied it (the cluster then fills Secret ${tokenSecret.namespace}/${tokenSecret.name} with the reviewer's token), and run the template again with the same answers, pasting the output of: ${tokenCommand}`;
      if (ctx.isDryRun) {
        const enabling = mountEnabled
          ? `enable Vault auth mount ${authMount}/ and `
          : '';
        ctx.logger.info(
          result === 'awaiting-reviewer-jwt'
            ? `Dry run: would ${enabling}write no ${where} for cluster ${cluster.name}: reviewer-jwt mode without the reviewer JWT waits for it. ${nextStep}`
            : `Dry run: would ${enabling}${
                result === 'unchanged' ? 'leave' : 'write'
              } ${where} for cluster ${cluster.name} (${kubernetesHost}, ${
                input.reviewerMode
              })`,
        );
      } else {
        if (mountEnabled) {
          await ctx.checkpoint({
            key: checkpointKey(`vault-auth-enable-${authMount}`, {
              type: 'kubernetes',
            }),
            fn: async () => {
              await vault.enableAuthMount(
                authMount,
                'kubernetes',
                `Kubernetes auth for cluster ${cluster.name}`,
              );
            },
          });
          ctx.logger.info(`Vault auth mount ${authMount}/ enabled`);
        }
        if (result === 'awaiting-reviewer-jwt') {
          ctx.logger.info(
            `${where} not written: reviewer-jwt mode needs the reviewer JWT, and the reviewer's token Secret only exists once the cluster manifests (the GitOps pull request) are applied. Until then Vault has no config for cluster ${cluster.name} and its logins fail. ${nextStep}`,
          );
        } else if (result === 'unchanged') {
          ctx.logger.info(
            `${where} is already as wanted${
              input.reviewerMode === 'reviewer-jwt'
                ? '; it keeps the reviewer JWT Vault has (paste a new token to rotate it)'
                : ''
            }`,
          );
        } else {
          // The checkpoint key digests only what is not secret.
          await ctx.checkpoint({
            key: checkpointKey(`vault-kubernetes-auth-config-${authMount}`, {
              ...wanted,
              reviewerMode: input.reviewerMode,
            }),
            fn: async () => {
              await vault.writeKubernetesAuthConfig(authMount, {
                ...wanted,
                token_reviewer_jwt: reviewerJwt,
              });
            },
          });
          ctx.logger.info(
            `${where} ${result} for cluster ${cluster.name} (${kubernetesHost}, ${input.reviewerMode})`,
          );
        }
      }
      ctx.output('authMount', authMount);
      ctx.output('kubernetesHost', kubernetesHost);
      ctx.output('reviewerMode', input.reviewerMode);
      ctx.output('mountEnabled', mountEnabled);
      ctx.output('result', result);
    },
  });
}
