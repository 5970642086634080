import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { applyPatch } from 'fast-json-patch';
import { admitEsoObject } from './esoAdmission';
import {
  KubernetesApiError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
} from './kubernetesStatus';
import { KubeObject } from './kubeObject';
import { applyMergePatch } from './mergePatch';
import { ObjectStore } from './objectStore';
import { validateRbacObject } from './rbacValidation';
import { applyWorkloadDefaults, validateWorkload } from './workloads';
import {
  RESOURCE_TYPES,
  ResourceType,
  STORED_RESOURCE_TYPES,
  apiVersionOf,
  isCustomResource,
} from './resourceTypes';

const NAMESPACES = RESOURCE_TYPES.find(t => t.plural === 'namespaces')!;

/** The label the API server puts on every namespace (what namespace selectors match by name). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** @public */
export type PatchType = 'json' | 'merge' | 'strategic';

/** @public */
export interface WriteOptions {
  dryRun?: boolean;
  /** `status` writes only `.status` (CRDs with the status subresource). */
  subresource?: string;
  /**
   * A check of the requesting user's own, run last before the write is stored (the RBAC
   * privilege-escalation check of authorized writes); it throws to refuse.
   */
  admission?: (object: KubeObject, previous?: KubeObject) => void;
}

/** The API server's `generateName` alphabet (apimachinery's `rand.String`: no vowels, no 0/1/3). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  const bytes = randomBytes(length);
  return [...bytes].map(b => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
}

function isBase64(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    /^[A-Za-z0-9+/]*={0,2}$/.test(value) &&
    value.length % 4 === 0
  );
}

/**
 * The API server's object semantics over the store: names, namespaces, uid, generation,
 * optimistic concurrency, the status subresource, patches, admission of ESO objects and
 * garbage collection of owned objects.
 */
export class ObjectRegistry {
  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => Date,
  ) {}

  get(type: ResourceType, namespace: string | undefined, name: string) {
    this.checkStored(type);
    const found = this.store.get(type, scoped(type, namespace), name);
    if (!found) {
      throw notFound(type.plural, type.group, name);
    }
    return withTypeMeta(type, found);
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    this.checkStored(type);
    return this.store
      .list(type, scoped(type, namespace))
      .map(o => withTypeMeta(type, o));
  }

  async create(
    type: ResourceType,
    namespace: string | undefined,
    input: KubeObject,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    this.checkStored(type);
    const object = structuredClone(input);
    object.metadata = { ...(object.metadata ?? {}) };
    this.checkTypeMeta(type, object);
    const ns = this.resolveNamespace(type, namespace, object);
    if (!object.metadata.name && object.metadata.generateName) {
      object.metadata.name = `${object.metadata.generateName}${randomSuffix()}`;
    }
    this.checkName(type, object);
    if (this.store.get(type, ns, object.metadata.name!)) {
      throw alreadyExists(type.plural, type.group, object.metadata.name!);
    }
    delete object.metadata.resourceVersion;
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = this.timestamp();
    if (type.tracksGeneration) {
      object.metadata.generation = 1;
    }
    if (type.hasStatusSubresource) {
      delete object.status;
    }
    this.applyKindDefaults(type, object);
    await admitEsoObject(type, object, { statusOnly: false });
    validateRbacObject(type, object);
    options.admission?.(object);
    if (options.dryRun) {
      return object;
    }
    return this.store.commit('ADDED', type, object);
  }

  async update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const current = this.get(type, namespace, name);
    const object = structuredClone(input);
    object.metadata = { ...(object.metadata ?? {}) };
    this.checkTypeMeta(type, object);
    if (object.metadata.name !== undefined && object.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const sentVersion = object.metadata.resourceVersion;
    if (sentVersion && sentVersion !== current.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name);
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      if (!type.hasStatusSubresource) {
        throw notFound(type.plural, type.group, `${name}/status`);
      }
      next = { ...current, status: object.status };
    } else {
      next = {
        ...object,
        apiVersion: current.apiVersion,
        kind: current.kind,
        metadata: {
          ...object.metadata,
          name,
          namespace: current.metadata.namespace,
          uid: current.metadata.uid,
          creationTimestamp: current.metadata.creationTimestamp,
          generation: current.metadata.generation,
          resourceVersion: current.metadata.resourceVersion,
        },
      };
      if (type.hasStatusSubresource) {
        if (current.status === undefined) {
          delete next.status;
        } else {
          next.status = current.status;
        }
      }
      // defaults first: a write that only leaves out defaulted fields changes no spec
      this.applyKindDefaults(type, next);
      if (
        type.tracksGeneration &&
        !isDeepStrictEqual(current.spec, next.spec)
      ) {
        next.metadata.generation = (current.metadata.generation ?? 0) + 1;
      }
    }
    if (ObjectStore.sameContent(current, next)) {
      return current;
    }
    await admitEsoObject(type, next, {
      statusOnly: options.subresource === 'status',
    });
    validateRbacObject(type, next, current);
    options.admission?.(next, current);
    if (options.dryRun) {
      return next;
    }
    return withTypeMeta(type, this.store.commit('MODIFIED', type, next));
  }

  async patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const current = this.get(type, namespace, name);
    if (patchType === 'strategic' && isCustomResource(type)) {
      throw new KubernetesApiError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    let patched: KubeObject;
    if (patchType === 'json') {
      if (!Array.isArray(patch)) {
        throw badRequest('json patch must be an array of operations');
      }
      try {
        patched = applyPatch(structuredClone(current), patch, true, false)
          .newDocument as KubeObject;
      } catch (error) {
        throw new KubernetesApiError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: ${
            (error as Error).message.split('\n')[0]
          }`,
        );
      }
    } else {
      // Strategic merge on built-in kinds behaves as a merge patch for the fields we serve.
      patched = applyMergePatch(current, patch) as KubeObject;
    }
    const sentVersion = (patch as KubeObject | undefined)?.metadata
      ?.resourceVersion;
    if (patchType !== 'json' && sentVersion === undefined && patched.metadata) {
      patched.metadata.resourceVersion = current.metadata.resourceVersion;
    }
    return this.update(type, namespace, name, patched, options);
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: WriteOptions = {},
  ): KubeObject {
    const current = this.get(type, namespace, name);
    if (options.dryRun) {
      return current;
    }
    if (type === NAMESPACES) {
      for (const t of STORED_RESOURCE_TYPES.filter(r => r.namespaced)) {
        for (const o of this.store.list(t, name)) {
          this.remove(t, o);
        }
      }
    }
    this.remove(type, current);
    return current;
  }

  /** Removes an object and, like the garbage collector, everything it owns. */
  private remove(type: ResourceType, object: KubeObject) {
    this.store.commit('DELETED', type, object);
    const uid = object.metadata.uid;
    for (const t of STORED_RESOURCE_TYPES) {
      for (const dependent of this.store.list(t)) {
        if (dependent.metadata.ownerReferences?.some(r => r.uid === uid)) {
          this.remove(t, dependent);
        }
      }
    }
  }

  /** Review APIs (TokenReview) store nothing: only their POST is served. */
  private checkStored(type: ResourceType) {
    if (type.virtual) {
      throw new KubernetesApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }
  }

  private timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  private checkTypeMeta(type: ResourceType, object: KubeObject) {
    const apiVersion = apiVersionOf(type);
    if (
      (object.apiVersion && object.apiVersion !== apiVersion) ||
      (object.kind && object.kind !== type.kind)
    ) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersion}) or the kind (${object.kind}) is not ${type.kind}`,
      );
    }
    object.apiVersion = apiVersion;
    object.kind = type.kind;
  }

  private resolveNamespace(
    type: ResourceType,
    namespace: string | undefined,
    object: KubeObject,
  ): string | undefined {
    if (!type.namespaced) {
      delete object.metadata.namespace;
      return undefined;
    }
    const ns = namespace ?? object.metadata.namespace;
    if (!ns) {
      throw badRequest(
        'the server could not find the requested resource: namespace is required',
      );
    }
    if (object.metadata.namespace && object.metadata.namespace !== ns) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const owner = this.store.get(NAMESPACES, undefined, ns);
    if (!owner) {
      throw notFound('namespaces', '', ns);
    }
    if (owner.metadata.deletionTimestamp) {
      throw new KubernetesApiError(
        403,
        'Forbidden',
        `${type.plural} "${object.metadata.name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      );
    }
    object.metadata.namespace = ns;
    return ns;
  }

  private checkName(type: ResourceType, object: KubeObject) {
    const name = object.metadata.name;
    if (!name) {
      throw invalid(type.kind, type.group, '', [
        {
          reason: 'FieldValueRequired',
          message: 'Required value: name or generateName is required',
          field: 'metadata.name',
        },
      ]);
    }
    if (type.nameFormat === 'path-segment') {
      const problem =
        name === '.' || name === '..'
          ? `may not be '${name}'`
          : ['/', '%'].find(c => name.includes(c));
      if (problem) {
        throw invalid(type.kind, type.group, name, [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: ${JSON.stringify(name)}: ${
              problem.startsWith('may')
                ? problem
                : `may not contain '${problem}'`
            }`,
            field: 'metadata.name',
          },
        ]);
      }
      return;
    }
    const label = type === NAMESPACES;
    const ok = label
      ? DNS_LABEL.test(name) && name.length <= 63
      : DNS_SUBDOMAIN.test(name) && name.length <= 253;
    if (!ok) {
      throw invalid(type.kind, type.group, name, [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${name}": a lowercase RFC 1123 ${
            label ? 'label' : 'subdomain'
          } must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
          field: 'metadata.name',
        },
      ]);
    }
  }

  private applyKindDefaults(type: ResourceType, object: KubeObject) {
    applyWorkloadDefaults(type, object);
    validateWorkload(type, object);
    if (type === NAMESPACES) {
      object.status = { phase: 'Active' };
      object.metadata.labels = {
        ...(object.metadata.labels ?? {}),
        [NAMESPACE_NAME_LABEL]: object.metadata.name!,
      };
    }
    if (type.kind === 'Secret' && !type.group) {
      object.type ??= 'Opaque';
      const data = { ...((object.data as Record<string, string>) ?? {}) };
      const stringData = (object.stringData ?? {}) as Record<string, string>;
      for (const [key, value] of Object.entries(stringData)) {
        data[key] = Buffer.from(value, 'utf8').toString('base64');
      }
      delete object.stringData;
      const bad = Object.entries(data).find(([, v]) => !isBase64(v));
      if (bad) {
        throw invalid(type.kind, '', object.metadata.name ?? '', [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: illegal base64 data',
            field: `data[${bad[0]}]`,
          },
        ]);
      }
      if (Object.keys(data).length) {
        object.data = data;
      }
    }
  }
}

function scoped(type: ResourceType, namespace: string | undefined) {
  return type.namespaced ? namespace : undefined;
}

function withTypeMeta(type: ResourceType, object: KubeObject): KubeObject {
  return { apiVersion: apiVersionOf(type), kind: type.kind, ...object };
}
