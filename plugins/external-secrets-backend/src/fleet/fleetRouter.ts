import express from 'express';
import Router from 'express-promise-router';
import type {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  externalSecretsFleetReadPermission,
  FLEET_MAX_PAGE_SIZE,
  FLEET_SORT_KEYS,
  SYNC_STATES,
  type FleetExternalSecretsQuery,
  type FleetStoresQuery,
} from '@gitops-secrets/plugin-external-secrets-common';
import { z } from 'zod/v3';
import { authorizeOrThrow } from '../service/accessChecks';
import {
  EntityVisibility,
  VisibilityUnavailableError,
} from './EntityVisibility';
import type { FleetService, Visibility } from './FleetService';

export interface FleetRouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  fleet: FleetService;
  visibility: EntityVisibility;
  logger: LoggerService;
}

/** A query parameter given once, repeated, or as a comma-separated list. */
function list<T extends z.ZodTypeAny>(item: T) {
  return z.preprocess(value => {
    if (value === undefined) return undefined;
    const values = (Array.isArray(value) ? value : [value]).flatMap(v =>
      String(v)
        .split(',')
        .map(s => s.trim())
        .filter(Boolean),
    );
    return values;
  }, z.array(item).max(200).optional());
}

const text = z.string().min(1).max(253);
const integer = (min: number, max: number) =>
  z.preprocess(
    value => (value === undefined ? undefined : Number(value)),
    z.number().int().min(min).max(max).optional(),
  );
const single = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess(
    value => (Array.isArray(value) ? value[value.length - 1] : value),
    item,
  );

const externalSecretsQuery = z
  .object({
    cluster: list(text),
    namespace: list(text),
    state: list(z.enum(SYNC_STATES as [string, ...string[]])),
    finding: list(z.string().regex(/^([A-Z0-9_]{1,64}|none)$/)),
    owner: list(z.string().min(3).max(512)),
    claim: list(z.enum(['claimed', 'hidden', 'unclaimed'])),
    search: single(z.string().max(253).optional()),
    sort: single(z.enum(FLEET_SORT_KEYS).optional()),
    order: single(z.enum(['asc', 'desc']).optional()),
    offset: single(integer(0, 10_000_000)),
    limit: single(integer(1, FLEET_MAX_PAGE_SIZE)),
  })
  .strict();

const storesQuery = z
  .object({
    cluster: list(text),
    ready: single(
      z
        .enum(['true', 'false'])
        .transform(v => v === 'true')
        .optional(),
    ),
    search: single(z.string().max(253).optional()),
    offset: single(integer(0, 10_000_000)),
    limit: single(integer(1, FLEET_MAX_PAGE_SIZE)),
  })
  .strict();

function parse<T>(schema: z.ZodType<T, any, any>, query: unknown): T {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw new InputError(
      `Invalid query: ${parsed.error.issues
        .map(i => {
          if (i.code === 'unrecognized_keys') {
            return `unknown parameter(s) ${i.keys.join(', ')}`;
          }
          return `${i.path.join('.') || 'query'} ${i.message}`;
        })
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * `GET /fleet/external-secrets` and `GET /fleet/stores`: the platform team's view of every
 * ExternalSecret and store, behind `external-secrets.fleet.read`. Answered from memory; the
 * catalog is asked once per caller (cached briefly) which claiming entities the caller may see.
 */
export function createFleetRouter(options: FleetRouterOptions): express.Router {
  const { httpAuth, permissions, fleet, visibility, logger } = options;
  const router = Router();

  router.get('/external-secrets', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(
      permissions,
      externalSecretsFleetReadPermission,
      credentials,
    );
    const query = parse(
      externalSecretsQuery,
      req.query,
    ) as FleetExternalSecretsQuery;
    const { refs, version } = fleet.claimingEntities();
    let visible: Visibility;
    let visibilityError: string | undefined;
    try {
      visible =
        refs.length === 0
          ? new Set()
          : await visibility.visibleTo(credentials, refs, version);
    } catch (error) {
      if (!(error instanceof VisibilityUnavailableError)) throw error;
      logger.warn(`Fleet view: entity names withheld: ${error.message}`);
      visibilityError = `Entity names are withheld: ${error.message}. Try again shortly.`;
    }
    const page = fleet.externalSecrets(query, visible);
    res.json(visibilityError ? { ...page, visibilityError } : page);
  });

  router.get('/stores', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeOrThrow(
      permissions,
      externalSecretsFleetReadPermission,
      credentials,
    );
    res.json(fleet.stores(parse(storesQuery, req.query) as FleetStoresQuery));
  });

  return router;
}
