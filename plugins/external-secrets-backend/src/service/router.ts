import express from 'express';
import Router from 'express-promise-router';
import type {
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  isError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  clusterNameOfEntity,
  configuredClusterOf,
  type ConfiguredClusters,
  externalSecretsStatusReadPermission,
  isKubernetesClusterEntity,
  externalSecretsSyncTriggerPermission,
  externalSecretsWorkloadRestartPermission,
  forceSyncEffect,
  RESTARTABLE_WORKLOAD_KINDS,
  type RestartableWorkloadKind,
} from '@gitops-secrets/plugin-external-secrets-common';
import { KubernetesRequestError } from '@gitops-secrets/plugin-external-secrets-node';
import { z } from 'zod/v3';
import { authorizeOrThrow, entityForCaller } from './accessChecks';
import { asExternalSecretLike } from './classifyInput';
import type { ClusterAuthHealthService } from './clusterHealth/ClusterAuthHealthService';
import type { EntitySignalPublisher } from './EntitySignalPublisher';
import { entitySelection, EntityStatusService } from './EntityStatusService';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  auditor: AuditorService;
  logger: LoggerService;
  statusService: EntityStatusService;
  signalPublisher?: EntitySignalPublisher;
  /** answers `GET .../cluster-health` for cluster entities */
  clusterHealth?: ClusterAuthHealthService;
  /** `externalSecrets.syncNow.allowServicePrincipals`: let service tokens "Sync now" too */
  allowServiceSync?: boolean;
  /** routes mounted at `/fleet` (the platform team's view), behind the same error handling */
  fleetRouter?: express.Router;
  /** `externalSecrets.workloadRestart.enabled`: offer "Restart workload" (default false) */
  workloadRestartEnabled?: boolean;
}

/** Errors whose message is written for the caller; anything else is replaced by a generic one. */
const CALLER_ERRORS = new Set([
  'InputError',
  'AuthenticationError',
  'NotAllowedError',
  'NotFoundError',
  'ConflictError',
  'ServiceUnavailableError',
]);

const restartBody = z
  .object({
    cluster: z.string().min(1),
    namespace: z.string().min(1),
    externalSecret: z.string().min(1),
    kind: z.enum(RESTARTABLE_WORKLOAD_KINDS as [string, ...string[]]),
    name: z.string().min(1),
  })
  .strict();

const refreshBody = z
  .object({
    cluster: z.string().min(1),
    namespace: z.string().min(1),
    name: z.string().min(1),
  })
  .strict();

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    permissions,
    catalog,
    auditor,
    logger,
    statusService,
    signalPublisher,
  } = options;
  const refreshPrincipals: Array<'user' | 'service'> = options.allowServiceSync
    ? ['user', 'service']
    : ['user'];
  const router = Router();
  router.use(express.json());

  router.get('/entities/:namespace/:kind/:name/status', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(
      permissions,
      externalSecretsStatusReadPermission,
      credentials,
    );
    const entity = await entityForCaller(catalog, req.params, credentials);
    const selection = entitySelection(entity);
    if (selection) {
      signalPublisher?.follow(stringifyEntityRef(entity), selection);
    }
    res.json({
      ...(await statusService.getStatus(entity)),
      workloadRestart: !!options.workloadRestartEnabled,
    });
  });

  router.post('/entities/:namespace/:kind/:name/restart', async (req, res) => {
    // who (the auditor records the caller), what (the parsed target only) and when
    const parsed = restartBody.safeParse(req.body);
    const auditorEvent = await auditor.createEvent({
      eventId: 'external-secrets-workload-restart',
      severityLevel: 'high',
      request: req,
      meta: {
        entityRef: `${req.params.kind}:${req.params.namespace}/${req.params.name}`,
        target: parsed.success ? parsed.data : null,
      },
    });
    try {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      if (!options.workloadRestartEnabled) {
        throw new NotAllowedError(
          'Restarting workloads is turned off in this Backstage (externalSecrets.workloadRestart.enabled)',
        );
      }
      if (!parsed.success) {
        throw new InputError(
          `Body must be {"cluster", "namespace", "externalSecret", "kind", "name"}: a Deployment, StatefulSet or DaemonSet using the target Secret of one of the entity's ExternalSecrets: ${parsed.error.issues
            .map(i => `${i.path.join('.') || 'body'} ${i.message}`)
            .join('; ')}`,
        );
      }
      await authorizeOrThrow(
        permissions,
        externalSecretsWorkloadRestartPermission,
        credentials,
      );
      const entity = await entityForCaller(catalog, req.params, credentials);
      const target = parsed.data;
      const kind = target.kind as RestartableWorkloadKind;
      const cluster = statusService.findOwned(entity, {
        cluster: target.cluster,
        namespace: target.namespace,
        name: target.externalSecret,
      });
      const object = cluster?.getExternalSecret(
        target.namespace,
        target.externalSecret,
      );
      const secret = object?.spec?.target?.name || target.externalSecret;
      // only a workload whose Pods use the entity's target Secret: the cache's Pods say so
      const consumes = cluster
        ?.podsUsing(target.namespace, secret)
        .some(
          pod => pod.owner?.kind === kind && pod.owner.name === target.name,
        );
      if (!cluster || !consumes) {
        throw new NotFoundError(
          `${kind} ${target.namespace}/${target.name} in cluster ${
            target.cluster
          } does not use the target Secret of an ExternalSecret of ${stringifyEntityRef(
            entity,
          )}`,
        );
      }
      const restartedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      try {
        await cluster.restartWorkload(
          kind,
          target.namespace,
          target.name,
          restartedAt,
        );
      } catch (error) {
        if (
          error instanceof KubernetesRequestError &&
          error.statusCode === 404
        ) {
          throw new NotFoundError(
            `${kind} ${target.namespace}/${target.name} no longer exists in cluster ${target.cluster}`,
          );
        }
        if (
          error instanceof KubernetesRequestError &&
          error.statusCode === 403
        ) {
          throw new NotAllowedError(
            `Cluster ${
              target.cluster
            } refused the restart: the backend's account needs patch on ${kind.toLowerCase()}s (deploy/clusterrole-workload-restart.yaml)`,
          );
        }
        throw new ServiceUnavailableError(
          `${
            error instanceof KubernetesRequestError
              ? error.message
              : `Cluster ${target.cluster} could not be asked to restart ${kind} ${target.namespace}/${target.name}`
          }. The details are in the backend's log.`,
        );
      }
      await auditorEvent.success({ meta: { restartedAt } });
      res.status(202).json({ ...target, restartedAt });
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      throw error;
    }
  });

  // The configured clusters, for a template's cluster picker: names, Vault auth mounts and
  // whether each is onboarded to Vault; no credentials, URLs or CAs. Same permission as the
  // status. Every cluster's health has its own Vault deadline and cache (ClusterAuthHealthService).
  router.get('/clusters', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(
      permissions,
      externalSecretsStatusReadPermission,
      credentials,
    );
    const health = options.clusterHealth;
    const items = health
      ? await Promise.all(
          health.clusterNames().map(async name => {
            const answer = await health.health(name).catch(() => undefined);
            return answer
              ? configuredClusterOf(answer)
              : {
                  name,
                  vaultAuthMount: health.vaultAuthMountOf(name) ?? '',
                  vaultAuth: 'Unknown' as const,
                };
          }),
        )
      : [];
    res.json({ items } satisfies ConfiguredClusters);
  });

  // A cluster entity (Resource of type kubernetes-cluster): its Vault Kubernetes auth health.
  // Same permission as the status, and the caller must see the entity in the catalog.
  router.get(
    '/entities/:namespace/:kind/:name/cluster-health',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      await authorizeOrThrow(
        permissions,
        externalSecretsStatusReadPermission,
        credentials,
      );
      const entity = await entityForCaller(catalog, req.params, credentials);
      if (!isKubernetesClusterEntity(entity)) {
        throw new InputError(
          `${stringifyEntityRef(
            entity,
          )} is not a cluster: cluster health is for Resource entities of type kubernetes-cluster`,
        );
      }
      const name = clusterNameOfEntity(entity);
      const health = await options.clusterHealth?.health(name);
      if (!health) {
        throw new NotFoundError(
          `Cluster "${name}" of ${stringifyEntityRef(
            entity,
          )} is not in externalSecrets.clusters; configured: ${
            options.clusterHealth?.clusterNames().join(', ') || 'none'
          }`,
        );
      }
      res.json(health);
    },
  );

  router.post('/entities/:namespace/:kind/:name/refresh', async (req, res) => {
    // Only the parsed target is audited: the raw body is whatever the caller chose to send.
    const parsed = refreshBody.safeParse(req.body);
    const auditorEvent = await auditor.createEvent({
      eventId: 'external-secret-refresh',
      severityLevel: 'medium',
      request: req,
      meta: {
        entityRef: `${req.params.kind}:${req.params.namespace}/${req.params.name}`,
        target: parsed.success ? parsed.data : null,
      },
    });
    try {
      const credentials = await httpAuth.credentials(req, {
        allow: refreshPrincipals,
      });
      if (!parsed.success) {
        throw new InputError(
          `Body must be {"cluster", "namespace", "name"} of one of the entity's ExternalSecrets: ${parsed.error.issues
            .map(i => `${i.path.join('.') || 'body'} ${i.message}`)
            .join('; ')}`,
        );
      }
      await authorizeOrThrow(
        permissions,
        externalSecretsSyncTriggerPermission,
        credentials,
      );
      const entity = await entityForCaller(catalog, req.params, credentials);
      const target = parsed.data;
      const cluster = statusService.findOwned(entity, target);
      if (!cluster) {
        throw new NotFoundError(
          `ExternalSecret ${target.namespace}/${target.name} in cluster ${
            target.cluster
          } does not belong to ${stringifyEntityRef(entity)}`,
        );
      }
      // ESO ignores force-sync for CreatedOnce and refreshInterval 0 once synced: say so and
      // change nothing instead of setting an annotation that does nothing.
      const object = cluster.getExternalSecret(target.namespace, target.name);
      const effect = object
        ? forceSyncEffect(asExternalSecretLike(object))
        : { effective: true };
      if (!effect.effective) {
        throw new ConflictError(
          `Sync now does nothing for ExternalSecret ${target.namespace}/${target.name}: ${effect.reason}`,
        );
      }
      const requestedAt = new Date().toISOString();
      try {
        await cluster.forceSync(target.namespace, target.name, requestedAt);
      } catch (error) {
        if (
          error instanceof KubernetesRequestError &&
          error.statusCode === 404
        ) {
          throw new NotFoundError(
            `ExternalSecret ${target.namespace}/${target.name} no longer exists in cluster ${target.cluster}`,
          );
        }
        throw new ServiceUnavailableError(
          `${
            error instanceof KubernetesRequestError
              ? error.message
              : `Cluster ${target.cluster} could not be asked to sync`
          }. The details are in the backend's log.`,
        );
      }
      await auditorEvent.success({ meta: { requestedAt } });
      res.status(202).json({ ...target, requestedAt });
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      throw error;
    }
  });

  if (options.fleetRouter) {
    router.use('/fleet', options.fleetRouter);
  }

  // The caller gets no internal address, API-server body or backend identity from an error it
  // was not meant to read: those stay in the log.
  router.use(
    (
      error: unknown,
      _req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      if (isError(error) && CALLER_ERRORS.has(error.name)) {
        next(error);
        return;
      }
      logger.error(`External Secrets request failed: ${error}`);
      next(
        new Error(
          "The external-secrets backend failed to answer; the details are in the backend's log",
        ),
      );
    },
  );

  return router;
}
