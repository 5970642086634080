import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';

/**
 * The access checks every transport (the REST routes, the fleet routes, the MCP action) runs
 * before it answers, in one place so that they cannot drift apart.
 */

/** Throws a `NotAllowedError` unless the permission policy allows the caller the permission. */
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
