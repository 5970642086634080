import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { parseEntityRef } from '@backstage/catalog-model';
import { InputError, isError } from '@backstage/errors';
import { externalSecretsStatusReadPermission } from '@gitops-secrets/plugin-external-secrets-common';
import type { EntityStatusService } from '../service/EntityStatusService';
import { authorizeOrThrow, entityForCaller } from '../service/accessChecks';

/**
 * Registers `get-entity-external-secrets-status` in the actions registry (served over MCP), so an
 * assistant can answer "are example-api's secrets syncing?" with the same checks as the API.
 */
export function registerGetEntityStatusAction(options: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  permissions: PermissionsService;
  statusService: EntityStatusService;
  logger: LoggerService;
}) {
  const { actionsRegistry, catalog, permissions, statusService, logger } =
    options;
  actionsRegistry.register({
    name: 'get-entity-external-secrets-status',
    title: 'Get the External Secrets sync status of a catalog entity',
    description:
      'Tells whether the Kubernetes Secrets of a catalog entity are syncing from Vault through the External Secrets Operator: per ExternalSecret and cluster the state (Synced, PendingRotation, Error, Stale, Pending, Unknown; PendingRotation = Vault holds a version written after the last sync), the real error message, the last sync time, whether the current version of each Vault key has reached the Secret, which workloads use the Secret and whether they need a restart, when it was last healthy and its last state changes, and diagnosed problems with the fix. Never returns secret values.',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe(
              'Entity reference, e.g. "component:default/example-api" or just "example-api"',
            ),
        }),
      output: z =>
        z.object({
          entityRef: z.string(),
          overall: z.string().describe('Worst state over all ExternalSecrets'),
          counts: z.record(z.number()),
          historyError: z
            .string()
            .optional()
            .describe('Set when the sync history could not be read'),
          clusters: z.array(
            z.object({
              name: z.string(),
              reachable: z.boolean(),
              error: z.string().optional(),
            }),
          ),
          externalSecrets: z.array(
            z.object({
              cluster: z.string(),
              namespace: z.string(),
              name: z.string(),
              state: z.string(),
              message: z.string().optional(),
              lastSyncTime: z.string().optional(),
              lastHealthyAt: z
                .string()
                .optional()
                .describe(
                  'When it was last seen Synced: the answer time while Synced, else when it left Synced',
                ),
              transitions: z
                .array(
                  z.object({
                    at: z.string(),
                    from: z.string().optional(),
                    to: z.string(),
                    reason: z.string().optional(),
                    findingCode: z.string().optional(),
                  }),
                )
                .optional()
                .describe('The last state changes, newest first'),
              freshness: z
                .object({
                  state: z.string(),
                  summary: z.string(),
                  nextSyncBy: z.string().optional(),
                  keys: z.array(
                    z.object({
                      key: z.string(),
                      state: z.string(),
                      currentVersion: z.number().optional(),
                      writtenAt: z.string().optional(),
                      summary: z.string(),
                    }),
                  ),
                })
                .optional()
                .describe(
                  "Vault's current version of each key (KV metadata, never values) against the last sync: InSync, PendingRotation, Unversioned (KV v1) or Unknown",
                ),
              consumers: z
                .object({
                  secret: z.string(),
                  summary: z.string(),
                  restartNeeded: z.number(),
                  lastDataChange: z.string().optional(),
                  workloads: z.array(
                    z.object({
                      kind: z.string(),
                      name: z.string(),
                      uses: z.array(z.string()),
                      verdict: z.string(),
                      summary: z.string(),
                    }),
                  ),
                })
                .optional()
                .describe(
                  'The workloads using the target Secret (env, envFrom, volume, subPath, image pull) and whether each needs a restart to pick up the last change',
                ),
              findings: z.array(
                z.object({
                  code: z.string(),
                  severity: z.string(),
                  summary: z.string(),
                  fix: z.string(),
                }),
              ),
            }),
          ),
          pushSecrets: z
            .array(
              z.object({
                cluster: z.string(),
                namespace: z.string(),
                name: z.string(),
                state: z.string(),
                message: z.string().optional(),
                lastSyncTime: z.string().optional(),
                updatePolicy: z.string(),
                deletionPolicy: z.string(),
                sourceSecret: z.string().optional(),
                pushed: z.array(
                  z.object({
                    store: z.string(),
                    remoteKey: z.string(),
                    property: z.string().optional(),
                  }),
                ),
                findings: z.array(
                  z.object({
                    code: z.string(),
                    severity: z.string(),
                    summary: z.string(),
                    fix: z.string(),
                  }),
                ),
              }),
            )
            .optional()
            .describe(
              "The entity's PushSecrets: a Kubernetes Secret pushed to Vault, with what was pushed where and the diagnosed problems",
            ),
          clusterExternalSecrets: z
            .array(
              z.object({
                cluster: z.string(),
                name: z.string(),
                state: z.string(),
                provisionedNamespaces: z.array(z.string()),
                failedNamespaces: z.array(
                  z.object({ namespace: z.string(), reason: z.string() }),
                ),
                findings: z.array(
                  z.object({
                    code: z.string(),
                    severity: z.string(),
                    summary: z.string(),
                    fix: z.string(),
                  }),
                ),
              }),
            )
            .optional()
            .describe(
              'The ClusterExternalSecrets labelled for the entity or owning its ExternalSecrets: namespaces provisioned and failed, and the diagnosed problems',
            ),
        }),
    },
    examples: [
      {
        title: "Are example-api's secrets syncing?",
        input: { entityRef: 'component:default/example-api' },
      },
    ],
    action: async ({ input, credentials }) => {
      let ref;
      try {
        ref = parseEntityRef(input.entityRef, {
          defaultKind: 'component',
          defaultNamespace: 'default',
        });
      } catch (error) {
        throw new InputError(
          `Invalid entityRef "${input.entityRef}": ${(error as Error).message}`,
        );
      }
      await authorizeOrThrow(
        permissions,
        externalSecretsStatusReadPermission,
        credentials,
      );
      const entity = await entityForCaller(catalog, ref, credentials);
      let status;
      try {
        status = await statusService.getStatus(entity);
      } catch (error) {
        if (isError(error) && error.name === 'InputError') {
          throw error;
        }
        // An assistant's answer carries no address, API-server body or backend identity.
        logger.error(
          `External Secrets status for ${input.entityRef} failed: ${error}`,
        );
        throw new Error(
          "The external-secrets backend failed to answer; the details are in the backend's log",
        );
      }
      return {
        output: {
          entityRef: status.entityRef,
          overall: status.overall,
          counts: status.counts,
          historyError: status.historyError,
          clusters: status.clusters.map(c => ({
            name: c.name,
            reachable: c.reachable,
            error: c.error,
          })),
          externalSecrets: status.externalSecrets.map(row => ({
            cluster: row.cluster,
            namespace: row.namespace,
            name: row.name,
            state: row.state,
            message: row.message,
            lastSyncTime: row.lastSyncTime,
            lastHealthyAt: row.lastHealthyAt,
            transitions: row.transitions,
            freshness: row.freshness && {
              state: row.freshness.state,
              summary: row.freshness.summary,
              nextSyncBy: row.freshness.nextSyncBy,
              keys: row.freshness.keys.map(k => ({
                key: k.key,
                state: k.state,
                currentVersion: k.currentVersion,
                writtenAt: k.writtenAt,
                summary: k.summary,
              })),
            },
            consumers: row.consumers && {
              secret: row.consumers.secret,
              summary: row.consumers.summary,
              restartNeeded: row.consumers.restartNeeded,
              lastDataChange: row.consumers.lastDataChange,
              workloads: row.consumers.workloads.map(w => ({
                kind: w.kind,
                name: w.name,
                uses: w.uses,
                verdict: w.verdict,
                summary: w.summary,
              })),
            },
            findings: row.findings.map(f => ({
              code: f.code,
              severity: f.severity,
              summary: f.summary,
              fix: f.fix,
            })),
          })),
          pushSecrets: status.pushSecrets?.map(row => ({
            cluster: row.cluster,
            namespace: row.namespace,
            name: row.name,
            state: row.state,
            message: row.message,
            lastSyncTime: row.lastSyncTime,
            updatePolicy: row.updatePolicy,
            deletionPolicy: row.deletionPolicy,
            sourceSecret: row.sourceSecret,
            pushed: row.pushed,
            findings: row.findings.map(f => ({
              code: f.code,
              severity: f.severity,
              summary: f.summary,
              fix: f.fix,
            })),
          })),
          clusterExternalSecrets: status.clusterExternalSecrets?.map(row => ({
            cluster: row.cluster,
            name: row.name,
            state: row.state,
            provisionedNamespaces: row.provisionedNamespaces,
            failedNamespaces: row.failedNamespaces,
            findings: row.findings.map(f => ({
              code: f.code,
              severity: f.severity,
              summary: f.summary,
              fix: f.fix,
            })),
          })),
        },
      };
    },
  });
}
