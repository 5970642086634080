import express from 'express';
import Router from 'express-promise-router';
import type {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  externalSecretsStatusReadPermission,
  externalSecretsSyncTriggerPermission,
} from '@gitops-secrets/plugin-external-secrets-common';
import { z } from 'zod';
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
}

const refreshBody = z
  .object({
    cluster: z.string().min(1),
    namespace: z.string().min(1),
    name: z.string().min(1),
  })
  .strict();

export async function authorizeOrThrow(
  permissions: PermissionsService,
  permission: BasicPermission,
  credentials: BackstageCredentials,
): Promise<void> {
  const [decision] = await permissions.authorize([{ permission }], {
    credentials,
  });
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(`Permission ${permission.name} is required`);
  }
}

/** The entity, fetched with the caller's credentials: invisible and missing look the same. */
export async function entityForCaller(
  catalog: CatalogService,
  ref: { kind: string; namespace: string; name: string },
  credentials: BackstageCredentials,
): Promise<Entity> {
  const entity = await catalog.getEntityByRef(ref, { credentials });
  if (!entity) {
    throw new NotFoundError(
      `Entity ${ref.kind}:${ref.namespace}/${ref.name} was not found or is not visible to you`,
    );
  }
  return entity;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    permissions,
    catalog,
    auditor,
    statusService,
    signalPublisher,
  } = options;
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
    res.json(await statusService.getStatus(entity));
  });

  router.post('/entities/:namespace/:kind/:name/refresh', async (req, res) => {
    const auditorEvent = await auditor.createEvent({
      eventId: 'external-secret-refresh',
      severityLevel: 'medium',
      request: req,
      meta: {
        entityRef: `${req.params.kind}:${req.params.namespace}/${req.params.name}`,
        target: req.body ?? null,
      },
    });
    try {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const parsed = refreshBody.safeParse(req.body);
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
      const requestedAt = new Date().toISOString();
      await cluster.forceSync(target.namespace, target.name, requestedAt);
      await auditorEvent.success({ meta: { requestedAt } });
      res.status(202).json({ ...target, requestedAt });
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      throw error;
    }
  });

  return router;
}
