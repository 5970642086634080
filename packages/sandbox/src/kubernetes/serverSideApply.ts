import { isDeepStrictEqual } from 'node:util';
import { KubernetesApiError, badRequest } from './kubernetesStatus';
import { KubeObject } from './kubeObject';
import { ResourceType, apiVersionOf } from './resourceTypes';

/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`, what `kubectl apply
 * --server-side` sends), with field ownership recorded in `metadata.managedFields` as
 * `FieldsV1`. Maps merge key by key; lists and scalars are owned whole (the emulator's schemas
 * carry no list types, so every list is atomic). A field another manager owns with a different
 * value is a `409` conflict unless `force=true`, which takes it over; a field this manager
 * applied before and leaves out now is removed when no other manager owns it.
 *
 * Only apply records ownership: fields written by create, update and patch are unowned here,
 * so applying over them never conflicts (the API server would name their manager).
 */

type Path = string[];

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** Fields no manager owns: identity and server-set metadata. */
const UNOWNED = new Set([
  'apiVersion',
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.resourceVersion',
  'metadata.generation',
  'metadata.creationTimestamp',
  'metadata.managedFields',
  'metadata.selfLink',
]);

const isMap = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The leaf paths of an applied configuration: map keys descend, anything else is a leaf. */
export function fieldPaths(value: unknown, prefix: Path = []): Path[] {
  if (!isMap(value) || (prefix.length > 0 && Object.keys(value).length === 0)) {
    return prefix.length ? [prefix] : [];
  }
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, key];
    return UNOWNED.has(path.join('.')) ? [] : fieldPaths(child, path);
  });
}

export function toFieldsV1(paths: Path[]): Record<string, unknown> {
  const root: Record<string, any> = {};
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      node[`f:${key}`] ??= {};
      node = node[`f:${key}`];
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown, prefix: Path = []): Path[] {
  if (!isMap(fields)) {
    return [];
  }
  const children = Object.entries(fields).filter(([key]) =>
    key.startsWith('f:'),
  );
  if (children.length === 0) {
    return prefix.length ? [prefix] : [];
  }
  return children.flatMap(([key, child]) =>
    fromFieldsV1(child, [...prefix, key.slice(2)]),
  );
}

function valueAt(object: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (node, key) => (isMap(node) ? node[key] : undefined),
    object,
  );
}

function removeAt(object: Record<string, unknown>, path: Path) {
  const parent = valueAt(object, path.slice(0, -1));
  if (isMap(parent)) {
    delete parent[path[path.length - 1]];
  }
}

function merge(live: unknown, applied: unknown): unknown {
  if (!isMap(live) || !isMap(applied)) {
    return structuredClone(applied);
  }
  const result: Record<string, unknown> = { ...live };
  for (const [key, value] of Object.entries(applied)) {
    result[key] = merge(live[key], value);
  }
  return result;
}

const key = (path: Path) => path.join('\u0000');
const fieldName = (path: Path) => `.${path.join('.')}`;

export interface ApplyOptions {
  manager: string | null;
  force: boolean;
  now: Date;
}

function timestamp(now: Date) {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Checks the request and the applied configuration's identity; answers the manager. */
export function checkApply(
  type: ResourceType,
  name: string,
  applied: unknown,
  manager: string | null,
): asserts applied is KubeObject {
  if (!manager) {
    throw new KubernetesApiError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  }
  if (!isMap(applied)) {
    throw badRequest('error decoding YAML: the apply patch is not an object');
  }
  const object = applied as KubeObject;
  if (object.apiVersion !== apiVersionOf(type) || object.kind !== type.kind) {
    throw badRequest(
      `apiVersion and kind must be ${apiVersionOf(type)} and ${
        type.kind
      } in an apply patch (got ${object.apiVersion} ${object.kind})`,
    );
  }
  if (object.metadata?.name !== undefined && object.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
}

/** The object a first apply creates: the configuration, owned by its manager. */
export function appliedForCreate(
  type: ResourceType,
  name: string,
  applied: KubeObject,
  options: ApplyOptions,
): KubeObject {
  const object = structuredClone(applied);
  object.metadata = { ...object.metadata, name };
  object.metadata.managedFields = [entry(type, options, fieldPaths(applied))];
  return object;
}

function entry(
  type: ResourceType,
  options: ApplyOptions,
  paths: Path[],
): ManagedFieldsEntry {
  return {
    manager: options.manager!,
    operation: 'Apply',
    apiVersion: apiVersionOf(type),
    time: timestamp(options.now),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(paths),
  };
}

/** The object after applying `applied` over `live`, or a conflict. */
export function applyOver(
  type: ResourceType,
  live: KubeObject,
  applied: KubeObject,
  options: ApplyOptions,
): KubeObject {
  const manager = options.manager!;
  const entries = (
    (live.metadata.managedFields ?? []) as ManagedFieldsEntry[]
  ).map(e => ({ ...e, paths: fromFieldsV1(e.fieldsV1) }));
  const mine = entries.find(
    e => e.manager === manager && e.operation === 'Apply',
  );
  const others = entries.filter(e => e !== mine);
  const appliedPaths = fieldPaths(applied);

  const conflicts: Array<{ manager: string; apiVersion: string; path: Path }> =
    [];
  for (const path of appliedPaths) {
    for (const other of others) {
      // a field is owned with everything below it; a parent path owns its children
      const owns = other.paths.some(
        p => key(p) === key(path) || key(path).startsWith(`${key(p)}\u0000`),
      );
      if (
        !owns ||
        isDeepStrictEqual(valueAt(live, path), valueAt(applied, path))
      ) {
        continue;
      }
      if (options.force) {
        other.paths = other.paths.filter(p => key(p) !== key(path));
      } else {
        conflicts.push({
          manager: other.manager,
          apiVersion: other.apiVersion,
          path,
        });
      }
    }
  }
  if (conflicts.length) {
    throw conflictError(conflicts);
  }

  const result = merge(live, applied) as KubeObject;
  const ownedByOthers = new Set(others.flatMap(o => o.paths.map(key)));
  const keep = new Set(appliedPaths.map(key));
  for (const path of mine?.paths ?? []) {
    if (!keep.has(key(path)) && !ownedByOthers.has(key(path))) {
      removeAt(result, path);
    }
  }
  const previous = mine ? mine.paths.map(key).sort() : [];
  const changedSet = !isDeepStrictEqual(previous, [...keep].sort());
  const nextEntries: ManagedFieldsEntry[] = [
    ...others
      .filter(o => o.paths.length > 0)
      .map(({ paths, ...rest }) => ({ ...rest, fieldsV1: toFieldsV1(paths) })),
    mine && !changedSet
      ? (({ paths: _paths, ...rest }) => rest)(mine)
      : entry(type, options, appliedPaths),
  ];
  result.metadata = { ...result.metadata, managedFields: nextEntries };
  return result;
}

function conflictError(
  conflicts: Array<{ manager: string; apiVersion: string; path: Path }>,
): KubernetesApiError {
  const byManager = new Map<string, typeof conflicts>();
  for (const conflict of conflicts) {
    const label = `"${conflict.manager}" using ${conflict.apiVersion}`;
    byManager.set(label, [...(byManager.get(label) ?? []), conflict]);
  }
  const parts = [...byManager.entries()].map(([label, list]) =>
    list.length === 1
      ? `conflict with ${label}: ${fieldName(list[0].path)}`
      : `conflicts with ${label}:\n${list
          .map(c => `- ${fieldName(c.path)}`)
          .join('\n')}`,
  );
  const count = conflicts.length;
  return new KubernetesApiError(
    409,
    'Conflict',
    `Apply failed with ${count} conflict${count === 1 ? '' : 's'}: ${parts.join(
      '\n',
    )}`,
    {
      causes: conflicts.map(c => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}" using ${c.apiVersion}`,
        field: fieldName(c.path),
      })),
    },
  );
}
