import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  renderManifestFiles,
  resolveManifestSpec,
} from '@gitops-secrets/plugin-external-secrets-node';
import { clusterAuthMount } from './clusterMounts';
import { manifestsCreateExamples } from './manifestsCreate.examples';
import { readManifestsActionSettings } from './manifestsConfig';
import {
  kvMountField,
  kvVersionField,
  optionalClusterField,
  overwriteField,
  serviceNameField,
} from './inputFields';

/** The id of the action; part of the public API of templates. */
export const MANIFESTS_CREATE_ACTION_ID = 'external-secrets:manifests:create';

function resolveTargetPath(
  template: string,
  name: string,
  namespace: string,
): string {
  const targetPath = template
    .replaceAll('{name}', name)
    .replaceAll('{namespace}', namespace);
  const segments = targetPath.split('/');
  if (
    targetPath.length > 512 ||
    segments.some(s => s === '.' || s === '..' || !/^[A-Za-z0-9._-]+$/.test(s))
  ) {
    throw new InputError(
      `Invalid targetPath: ${JSON.stringify(
        targetPath.slice(0, 80),
      )} must be a relative path inside the workspace such as "apps/${name}/external-secrets": segments of letters, digits, ".", "_" and "-" separated by single "/", no "." or ".." segment, at most 512 characters`,
    );
  }
  return targetPath;
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

/**
 * Creates the `external-secrets:manifests:create` action: renders the Vault store and the
 * ExternalSecrets of a service into the task workspace, validated against ESO's v1 API.
 *
 * @public
 */
export function createManifestsCreateAction(options: { config: Config }) {
  const settings = readManifestsActionSettings(options.config);

  return createTemplateAction({
    id: MANIFESTS_CREATE_ACTION_ID,
    description:
      'Renders the ClusterSecretStore (or SecretStore) and ExternalSecrets of a service, plus a kustomization.yaml, into the workspace as YAML validated against External Secrets Operator v1',
    examples: manifestsCreateExamples,
    supportsDryRun: true,
    schema: {
      input: {
        name: serviceNameField(
          'Service name: labels every object (backstage.io/kubernetes-id) and prefixes the ExternalSecrets',
        ),
        namespace: z =>
          z
            .string()
            .optional()
            .describe('Namespace of the ExternalSecrets (default: name)'),
        secrets: z =>
          z
            .array(
              z.object({
                name: z
                  .string()
                  .describe(
                    'Short secret name; ExternalSecret and Secret are <name>-<secret name>',
                  ),
                vaultKey: z
                  .string()
                  .optional()
                  .describe(
                    'Vault key relative to the KV mount (default: <name>/<secret name>)',
                  ),
                properties: z
                  .array(
                    z.object({
                      property: z
                        .string()
                        .describe('Property of the Vault secret'),
                      secretKey: z
                        .string()
                        .describe('Key in the Kubernetes Secret'),
                    }),
                  )
                  .describe('Vault properties copied into the Secret'),
              }),
            )
            .describe('One ExternalSecret per Vault secret'),
        store: z =>
          z
            .object({
              kind: z
                .enum(['ClusterSecretStore', 'SecretStore'])
                .optional()
                .describe(
                  'Store kind (default from config: ClusterSecretStore)',
                ),
              name: z
                .string()
                .optional()
                .describe('Store name (default: vault-<name>)'),
              server: z
                .string()
                .optional()
                .describe('Vault address as ESO reaches it (https://)'),
              kvMount: kvMountField(
                'KV mount only, never with data/ (default: secret)',
              )(z),
              kvVersion: kvVersionField('KV version 1 or 2 (default: 2)')(z),
              caProvider: z
                .object({
                  type: z.enum(['ConfigMap', 'Secret']).optional(),
                  name: z.string().optional(),
                  key: z.string().optional(),
                  namespace: z.string().optional(),
                })
                .optional()
                .describe('ConfigMap or Secret holding Vault’s CA'),
              caBundle: z
                .string()
                .optional()
                .describe('Base64 PEM CA bundle, instead of caProvider'),
              authMount: z
                .string()
                .optional()
                .describe(
                  'Kubernetes auth mount (default: kubernetes, or the mount of cluster)',
                ),
              role: z
                .string()
                .optional()
                .describe('Vault role (default: external-secrets-<name>)'),
              serviceAccount: z
                .object({
                  name: z.string().optional(),
                  namespace: z.string().optional(),
                })
                .optional()
                .describe('Service account ESO logs in with'),
              audiences: z
                .array(z.string())
                .optional()
                .describe('Token audiences; must match the Vault role'),
            })
            .optional()
            .describe(
              'Vault store settings; defaults from externalSecrets.manifests.store',
            ),
        cluster: optionalClusterField(
          "A cluster of externalSecrets.clusters: the store logs in on that cluster's Vault auth mount (its vaultAuthMount, default kubernetes-<cluster>)",
        ),
        reviewerMode: z =>
          z
            .enum(['reviewer-jwt', 'client-jwt', 'unknown'])
            .optional()
            .describe(
              "How the cluster's Vault mount reviews tokens (vault:kubernetes-role:create's output): client-jwt adds a ClusterRoleBinding of the store's account to system:auth-delegator; default reviewer-jwt",
            ),
        refreshInterval: z =>
          z
            .string()
            .optional()
            .describe('How often ESO re-reads Vault (default: 2m)'),
        creationPolicy: z =>
          z
            .enum(['Owner', 'Orphan', 'Merge', 'None'])
            .optional()
            .describe('Target Secret creation policy (default: Owner)'),
        deletionPolicy: z =>
          z
            .enum(['Retain', 'Delete', 'Merge'])
            .optional()
            .describe('Target Secret deletion policy (default: Retain)'),
        targetPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace directory for the files (default from config: apps/{name}/external-secrets)',
            ),
        overwrite: overwriteField(
          'Replace files that already exist with other content',
        ),
      },
      output: {
        files: z =>
          z
            .array(z.string())
            .describe('Written files, relative to the workspace'),
        objects: z =>
          z
            .array(
              z.object({
                kind: z.string(),
                name: z.string(),
                namespace: z.string().optional(),
              }),
            )
            .describe('Rendered Kubernetes objects'),
        targetPath: z =>
          z
            .string()
            .describe('Directory holding the files, relative to the workspace'),
      },
    },
    async handler(ctx) {
      const clusterMount = clusterAuthMount(
        { cluster: ctx.input.cluster, authMount: ctx.input.store?.authMount },
        'store.authMount',
        settings.clusterMounts,
      );
      const { reviewerMode, ...request } = ctx.input;
      if (reviewerMode === 'unknown') {
        ctx.logger.warn(
          "How the cluster's Vault mount reviews tokens is not known, so the store's account gets no system:auth-delegator binding; in client-JWT mode it needs one (README)",
        );
      }
      const spec = resolveManifestSpec(
        {
          ...request,
          ...(clusterMount
            ? { store: { ...request.store, authMount: clusterMount } }
            : {}),
          ...(reviewerMode === 'unknown' ? {} : { reviewerMode }),
        },
        settings.defaults,
      );
      const targetPath = resolveTargetPath(
        ctx.input.targetPath || settings.targetPath,
        spec.name,
        spec.namespace,
      );
      const targetDir = resolveSafeChildPath(ctx.workspacePath, targetPath);
      const rendered = await renderManifestFiles(spec);

      const conflicts: string[] = [];
      for (const file of rendered) {
        const existing = await readIfPresent(
          path.join(targetDir, file.fileName),
        );
        if (existing !== undefined && existing !== file.content) {
          conflicts.push(`${targetPath}/${file.fileName}`);
        }
      }
      if (conflicts.length > 0 && !ctx.input.overwrite) {
        throw new ConflictError(
          `The workspace already holds different content in ${conflicts.join(
            ', ',
          )}; remove those files or set overwrite: true`,
        );
      }

      await fs.mkdir(targetDir, { recursive: true });
      for (const file of rendered) {
        await fs.writeFile(path.join(targetDir, file.fileName), file.content);
      }

      const files = rendered.map(file => `${targetPath}/${file.fileName}`);
      const objects = rendered
        .filter(file => file.object.kind !== 'Kustomization')
        .map(({ object }) => ({
          kind: object.kind,
          name: object.metadata.name,
          ...(object.metadata.namespace
            ? { namespace: object.metadata.namespace }
            : {}),
        }));
      ctx.logger.info(
        `${ctx.isDryRun ? 'Dry run: rendered' : 'Rendered'} ${objects
          .map(
            o => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`,
          )
          .join(', ')} into ${targetPath}`,
      );
      ctx.output('files', files);
      ctx.output('objects', objects);
      ctx.output('targetPath', targetPath);
    },
  });
}
