import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { z as zod } from 'zod/v3';
import {
  clusterField,
  overwriteField,
  parseActionInput,
  reviewerModeField,
} from './inputFields';
import {
  CLUSTER_PATH_PLACEHOLDER,
  ClusterManifestsSettings,
} from './clusterManifestsConfig';
import { clusterManifestsCreateExamples } from './clusterManifestsCreate.examples';
import {
  clusterManifestFiles,
  renderClusterObjects,
  reviewerTokenSecretName,
  validateClusterObjects,
} from './clusterManifestsRender';

/** The id of the action; part of the public API of templates. */
export const CLUSTER_MANIFESTS_CREATE_ACTION_ID =
  'external-secrets:cluster-manifests:create';

const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;

const inputFields = {
  cluster: clusterField('Name of the cluster in externalSecrets.clusters'),
  reviewerMode: reviewerModeField(
    '`client-jwt` (default): binds ESO’s account to system:auth-delegator. `reviewer-jwt`: renders the vault-auth reviewer account, its token Secret and binding',
  ),
  targetPath: (z: typeof zod) =>
    z
      .string()
      .max(512)
      .optional()
      .describe(
        'Workspace directory of the files (default from config: clusters/{cluster}/platform)',
      ),
  overwrite: overwriteField(
    'Replace files that already exist with other content',
  ),
};

function resolveTargetPath(template: string, cluster: string): string {
  const targetPath = template.replaceAll(CLUSTER_PATH_PLACEHOLDER, cluster);
  const segments = targetPath.split('/');
  if (segments.some(s => s === '.' || s === '..' || !PATH_SEGMENT.test(s))) {
    throw new InputError(
      `Invalid targetPath: ${JSON.stringify(
        targetPath.slice(0, 80),
      )} must be a relative path inside the workspace such as "clusters/${cluster}/platform": segments of letters, digits, ".", "_" and "-" separated by single "/", no "." or ".." segment`,
    );
  }
  return targetPath;
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * `external-secrets:cluster-manifests:create`: renders a cluster's one-time GitOps files into
 * the workspace: ESO's Argo CD Application (chart and values from config only), the token
 * reviewer's account in reviewer-JWT mode (or ESO's account bound to `system:auth-delegator`
 * in client-JWT mode), the `vault-ca` ConfigMap stores read Vault's CA from, sync waves that
 * put all of it before any store, and a `kustomization.yaml`. Writes nothing outside the
 * workspace and reads nothing from the cluster.
 *
 * @public
 */
export function createClusterManifestsCreateAction(options: {
  /** Undefined when `externalSecrets.clusterManifests` is not configured. */
  settings: ClusterManifestsSettings | undefined;
}) {
  return createTemplateAction({
    id: CLUSTER_MANIFESTS_CREATE_ACTION_ID,
    description:
      "Renders a cluster's GitOps files for Vault + External Secrets: ESO's Argo CD Application (sync-wave -10, chart version and values from externalSecrets.clusterManifests.eso), the vault-auth reviewer account with its token Secret and system:auth-delegator binding (reviewer-jwt mode) or ESO's account bound to system:auth-delegator (client-jwt mode), and the vault-ca ConfigMap, plus a kustomization.yaml",
    examples: clusterManifestsCreateExamples,
    supportsDryRun: true,
    schema: {
      input: inputFields,
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
        reviewerTokenSecret: z =>
          z
            .string()
            .optional()
            .describe(
              'reviewer-jwt mode: `<namespace>/<name>` of the token Secret whose token is the reviewer JWT',
            ),
      },
    },
    async handler(ctx) {
      const given = parseActionInput(inputFields, ctx.input);
      const input = {
        ...given,
        reviewerMode: given.reviewerMode ?? 'client-jwt',
        overwrite: given.overwrite ?? false,
      };
      const settings = options.settings;
      if (!settings) {
        throw new InputError(
          'externalSecrets.clusterManifests is not configured: set at least eso.chartVersion (the External Secrets Operator chart version Argo CD installs)',
        );
      }
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
      const targetPath = resolveTargetPath(
        input.targetPath || settings.targetPath,
        cluster.name,
      );
      const targetDir = resolveSafeChildPath(ctx.workspacePath, targetPath);

      const objects = renderClusterObjects(
        settings,
        cluster.name,
        input.reviewerMode,
      );
      await validateClusterObjects(objects);
      const rendered = clusterManifestFiles(objects);

      const conflicts: string[] = [];
      for (const file of rendered) {
        const existing = await readIfPresent(
          path.join(targetDir, file.fileName),
        );
        if (existing !== undefined && existing !== file.content) {
          conflicts.push(`${targetPath}/${file.fileName}`);
        }
      }
      if (conflicts.length > 0 && !input.overwrite) {
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

      const summary = objects.map(({ kind, metadata }) => ({
        kind,
        name: metadata.name,
        ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      }));
      ctx.logger.info(
        `${ctx.isDryRun ? 'Dry run: rendered' : 'Rendered'} ${summary
          .map(
            o => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`,
          )
          .join(', ')} for cluster ${cluster.name} into ${targetPath}`,
      );
      ctx.output(
        'files',
        rendered.map(file => `${targetPath}/${file.fileName}`),
      );
      ctx.output('objects', summary);
      ctx.output('targetPath', targetPath);
      if (input.reviewerMode === 'reviewer-jwt') {
        ctx.output(
          'reviewerTokenSecret',
          `${settings.reviewer.namespace}/${reviewerTokenSecretName(settings)}`,
        );
      }
    },
  });
}
