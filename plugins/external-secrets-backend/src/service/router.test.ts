import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ClusterCache,
  KubernetesRequestError,
} from '@gitops-secrets/plugin-external-secrets-node';
import express from 'express';
import request from 'supertest';
import { EntityStatusService } from './EntityStatusService';
import { createRouter } from './router';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
};
const REFRESH = '/entities/default/component/example-api/refresh';
const target = {
  cluster: 'sandbox',
  namespace: 'example-api',
  name: 'example-api-env-file',
};

async function app(options: {
  forceSync?: () => Promise<void>;
  allowServiceSync?: boolean;
  getStatus?: () => Promise<never>;
}) {
  const forceSync = jest.fn(options.forceSync ?? (async () => undefined));
  const cluster = {
    name: 'sandbox',
    forceSync,
    getExternalSecret: () => undefined,
  } as unknown as ClusterCache;
  const statusService = {
    findOwned: () => cluster,
    getStatus: options.getStatus ?? (async () => ({})),
  } as unknown as EntityStatusService;
  const auditEvent = { success: jest.fn(), fail: jest.fn() };
  const createEvent = jest.fn(async () => auditEvent);
  const logger = mockServices.logger.mock();
  const router = await createRouter({
    httpAuth: mockServices.httpAuth(),
    permissions: mockServices.permissions.mock({
      authorize: async requests =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    }),
    catalog: catalogServiceMock({ entities: [entity] }),
    auditor: mockServices.auditor.mock({ createEvent: createEvent as any }),
    logger,
    statusService,
    allowServiceSync: options.allowServiceSync,
  });
  const server = express().use(router).use(mockErrorHandler());
  return { server, forceSync, createEvent, auditEvent, logger };
}

describe('refresh route', () => {
  it('audits the parsed target, not what the caller sent', async () => {
    const { server, createEvent } = await app({});
    const sent = { ...target, padding: 'x'.repeat(10_000) };
    const refused = await request(server).post(REFRESH).send(sent);
    expect(refused.status).toBe(400);
    expect(createEvent).toHaveBeenLastCalledWith(
      expect.objectContaining({
        meta: expect.objectContaining({ target: null }),
      }),
    );
    const accepted = await request(server).post(REFRESH).send(target);
    expect(accepted.status).toBe(202);
    expect(createEvent).toHaveBeenLastCalledWith(
      expect.objectContaining({ meta: expect.objectContaining({ target }) }),
    );
  });

  it('accepts users only, and services when config allows them', async () => {
    const usersOnly = await app({});
    const asService = await request(usersOnly.server)
      .post(REFRESH)
      .set('Authorization', mockCredentials.service.header())
      .send(target);
    expect(asService.status).toBe(403);
    expect(usersOnly.forceSync).not.toHaveBeenCalled();

    const withServices = await app({ allowServiceSync: true });
    const allowed = await request(withServices.server)
      .post(REFRESH)
      .set('Authorization', mockCredentials.service.header())
      .send(target);
    expect(allowed.status).toBe(202);
    expect(withServices.forceSync).toHaveBeenCalledTimes(1);
  });

  it('tells the caller what failed without the API server body, address or identity', async () => {
    const { server, logger, auditEvent } = await app({
      forceSync: async () => {
        throw new KubernetesRequestError(
          "Cluster sandbox did not accept the patch of ExternalSecret example-api/example-api-env-file: the backend's token is not allowed to do this (RBAC) (HTTP 403)",
          403,
        );
      },
    });
    const res = await request(server).post(REFRESH).send(target);
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(
      /not allowed to do this \(RBAC\).*details are in the backend's log/,
    );
    expect(JSON.stringify(res.body)).not.toMatch(
      /system:serviceaccount|https?:\/\//,
    );
    expect(auditEvent.fail).toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('answers 404 when the ExternalSecret disappeared in between', async () => {
    const { server } = await app({
      forceSync: async () => {
        throw new KubernetesRequestError('gone', 404);
      },
    });
    const res = await request(server).post(REFRESH).send(target);
    expect(res.status).toBe(404);
  });

  it('replaces an unexpected error by a generic message and logs the detail', async () => {
    const { server, logger } = await app({
      getStatus: async () => {
        throw new Error(
          'connect ECONNREFUSED 10.0.0.9:6443 as system:serviceaccount:backstage:backstage',
        );
      },
    });
    const res = await request(server).get(
      '/entities/default/component/example-api/status',
    );
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(
      /10\.0\.0\.9|system:serviceaccount/,
    );
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('ECONNREFUSED 10.0.0.9:6443'),
    );
  });
});
