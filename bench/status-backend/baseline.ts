/**
 * The baseline the status route is compared with, a second plugin in the backend process
 * (`backend.ts`): the Kubernetes plugin's way, LISTs per request instead of caches.
 */
import https from 'node:https';
import Router from 'express-promise-router';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ANNOTATION_KUBERNETES_NAMESPACE,
  classifyExternalSecret,
  countStates,
  entityLabelSelector,
  externalSecretsStatusReadPermission,
  worstState,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import { getJson, TOKEN } from './shared';

interface BaselineCluster {
  name: string;
  url: string;
  agent: https.Agent;
}

/**
 * The baseline: what the status route would cost without the caches, done the Kubernetes
 * plugin's way — per request, after the same auth, permission and catalog steps, one
 * label-selector LIST of ExternalSecrets per cluster (in parallel), then the same classification.
 * It lists ExternalSecrets only (no stores, Events or Secrets), which favours it.
 */
export function createBaselinePlugin(clusters: BaselineCluster[]) {
  return createBackendPlugin({
    pluginId: 'status-baseline',
    register(env) {
      env.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          permissions: coreServices.permissions,
          catalog: catalogServiceRef,
        },
        async init({ httpRouter, httpAuth, permissions, catalog }) {
          const router = Router();
          router.get(
            '/entities/:namespace/:kind/:name/status',
            async (req, res) => {
              const credentials = await httpAuth.credentials(req, {
                allow: ['user', 'service'],
              });
              const [decision] = await permissions.authorize(
                [{ permission: externalSecretsStatusReadPermission }],
                { credentials },
              );
              if (decision.result !== AuthorizeResult.ALLOW) {
                throw new NotAllowedError('not allowed');
              }
              const { kind, namespace, name } = req.params;
              const entity = await catalog.getEntityByRef(
                { kind, namespace, name },
                { credentials },
              );
              if (!entity) throw new NotFoundError('no such entity');
              const selector = entityLabelSelector(entity);
              const inNamespace =
                entity.metadata.annotations?.[
                  ANNOTATION_KUBERNETES_NAMESPACE
                ]?.trim() || undefined;
              const now = new Date();
              const listed = selector
                ? await Promise.all(
                    clusters.map(async cluster => {
                      const path = `/apis/external-secrets.io/v1${
                        inNamespace
                          ? `/namespaces/${encodeURIComponent(inNamespace)}`
                          : ''
                      }/externalsecrets?labelSelector=${encodeURIComponent(
                        selector,
                      )}`;
                      const answer = await getJson(
                        `${cluster.url}${path}`,
                        cluster.agent,
                        {
                          authorization: `Bearer ${TOKEN}`,
                          accept: 'application/json',
                        },
                      );
                      if (answer.status !== 200) {
                        throw new Error(
                          `LIST in ${cluster.name} answered ${answer.status}`,
                        );
                      }
                      const items = (
                        JSON.parse(answer.body) as {
                          items: ExternalSecretObject[];
                        }
                      ).items;
                      return { cluster, items };
                    }),
                  )
                : [];
              const rows = listed.flatMap(({ cluster, items }) =>
                items.map(object => {
                  const c = classifyExternalSecret(
                    {
                      metadata: { generation: object.metadata?.generation },
                      spec: { refreshInterval: object.spec?.refreshInterval },
                      status: object.status,
                    },
                    now,
                  );
                  return {
                    cluster: cluster.name,
                    namespace: object.metadata?.namespace ?? '',
                    name: object.metadata?.name ?? '',
                    state: c.state,
                    reason: c.reason,
                    message: c.message,
                    lastSyncTime: c.lastSyncTime,
                    refreshInterval: object.spec?.refreshInterval ?? '1h',
                    stale: c.stale || c.behindSpec,
                    store: object.spec?.secretStoreRef,
                    remoteRefs: (object.spec?.data ?? []).map(d => ({
                      secretKey: d.secretKey,
                      key: d.remoteRef?.key,
                      property: d.remoteRef?.property,
                    })),
                    conditions: object.status?.conditions ?? [],
                  };
                }),
              );
              rows.sort((a, b) =>
                `${a.cluster}/${a.namespace}/${a.name}`.localeCompare(
                  `${b.cluster}/${b.namespace}/${b.name}`,
                ),
              );
              const states = rows.map(r => r.state);
              res.json({
                entityRef: stringifyEntityRef(entity),
                generatedAt: now.toISOString(),
                overall: worstState(states),
                counts: countStates(states),
                clusters: clusters.map(c => ({
                  name: c.name,
                  reachable: true,
                  synced: true,
                })),
                externalSecrets: rows,
              });
            },
          );
          httpRouter.use(router);
        },
      });
    },
  });
}
