import type { KubernetesEmulator } from './KubernetesEmulator';
import { KubernetesApiError, badRequest } from './kubernetesStatus';
import { KubeObject } from './kubeObject';
import { LabelSelector } from './labelSelector';
import { PatchType, WriteOptions } from './objectRegistry';
import { UserInfo } from './rbacRules';
import { requestAttributes } from './requestAttributes';
import { ResourceType, resourceTypeForKind } from './resourceTypes';

/**
 * Who an in-process client is: a bearer token (a service account's mounted token, read anew for
 * every call so a rotated token is picked up), or a fixed identity (what a client certificate
 * would give).
 *
 * @public
 */
export type ClusterCredentials =
  | { token: () => string | Promise<string> }
  | { user: UserInfo };

/** @public */
export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
}

/** The request path a call on `type` has on the real API server (what RequestInfo reads). */
export function resourcePath(
  type: ResourceType,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  const base = type.group
    ? `/apis/${type.group}/${type.version}`
    : `/api/${type.version}`;
  const scope = type.namespaced && namespace ? `/namespaces/${namespace}` : '';
  return `${base}${scope}/${type.plural}${name ? `/${name}` : ''}${
    subresource ? `/${subresource}` : ''
  }`;
}

/**
 * A client of the emulated API server for code running in the same process (the ESO
 * simulation, the Argo CD sync, the sandbox's own setup): every call is authenticated and
 * authorized exactly as the same request over HTTP would be (RBAC, the escalation check on
 * RBAC writes, `403 Forbidden` with the API server's message), then served by the same object
 * registry, without the JSON round trip. Not recorded in the request log, and not cut off by
 * `faults.setClusterDown` (that fault is the network between outside clients and the cluster).
 *
 * @public
 */
export class ClusterClient {
  constructor(
    private readonly cluster: KubernetesEmulator,
    private readonly credentials: ClusterCredentials,
  ) {}

  /** The identity calls are made as. */
  async user(): Promise<UserInfo> {
    if ('user' in this.credentials) {
      return this.credentials.user;
    }
    const user = await this.cluster.authenticateToken(
      await this.credentials.token(),
    );
    if (!user) {
      throw new KubernetesApiError(401, 'Unauthorized', 'Unauthorized');
    }
    return user;
  }

  private async authorize(
    method: string,
    type: ResourceType,
    namespace: string | undefined,
    name?: string,
    subresource?: string,
    query: Record<string, string> = {},
  ): Promise<UserInfo> {
    const user = await this.user();
    this.cluster.assertAllowed(
      requestAttributes(
        user,
        method,
        resourcePath(type, namespace, name, subresource),
        new URLSearchParams(query),
      ),
    );
    return user;
  }

  async get(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject> {
    await this.authorize('GET', type, namespace, name);
    return this.cluster.objects.get(type, namespace, name);
  }

  async list(
    type: ResourceType,
    namespace?: string,
    options: { labelSelector?: string } = {},
  ): Promise<KubeObject[]> {
    await this.authorize(
      'GET',
      type,
      namespace,
      undefined,
      undefined,
      options.labelSelector ? { labelSelector: options.labelSelector } : {},
    );
    const labels = LabelSelector.parse(options.labelSelector);
    return this.cluster.objects
      .list(type, namespace)
      .filter(o => labels.matches(o.metadata.labels));
  }

  async create(
    type: ResourceType,
    namespace: string | undefined,
    object: KubeObject,
    options: Pick<WriteOptions, 'dryRun'> = {},
  ): Promise<KubeObject> {
    const user = await this.authorize('POST', type, namespace);
    return this.cluster.objects.create(type, namespace, object, {
      ...options,
      admission: this.cluster.escalationCheck(user, type),
    });
  }

  async update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    object: KubeObject,
    options: Pick<WriteOptions, 'dryRun' | 'subresource'> = {},
  ): Promise<KubeObject> {
    const user = await this.authorize(
      'PUT',
      type,
      namespace,
      name,
      options.subresource,
    );
    return this.cluster.objects.update(type, namespace, name, object, {
      ...options,
      admission: this.cluster.escalationCheck(user, type),
    });
  }

  async patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: Pick<WriteOptions, 'dryRun' | 'subresource'> = {},
  ): Promise<KubeObject> {
    const user = await this.authorize(
      'PATCH',
      type,
      namespace,
      name,
      options.subresource,
    );
    return this.cluster.objects.patch(type, namespace, name, patchType, patch, {
      ...options,
      admission: this.cluster.escalationCheck(user, type),
    });
  }

  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject> {
    await this.authorize('DELETE', type, namespace, name);
    return this.cluster.objects.delete(type, namespace, name);
  }

  /** `POST .../serviceaccounts/<name>/token`: a TokenRequest, answered with the token. */
  async createToken(
    namespace: string,
    name: string,
    spec: TokenRequestSpec = {},
  ): Promise<KubeObject> {
    await this.authorize(
      'POST',
      this.cluster.type('serviceaccounts'),
      namespace,
      name,
      'token',
    );
    return this.cluster.requestToken(namespace, name, spec);
  }

  /**
   * Creates the object, or replaces it when it exists (what `kubectl apply` of a whole object,
   * or Argo CD's sync, amounts to here). Answers which of the two happened.
   */
  async apply(
    object: KubeObject,
  ): Promise<{ action: 'created' | 'updated'; object: KubeObject }> {
    const type = resourceTypeForKind(object.apiVersion, object.kind);
    if (!type || type.virtual) {
      throw badRequest(
        `no matches for kind ${JSON.stringify(
          object.kind,
        )} in version ${JSON.stringify(object.apiVersion)}`,
      );
    }
    const namespace = type.namespaced ? object.metadata?.namespace : undefined;
    const name = object.metadata?.name ?? '';
    let current: KubeObject | undefined;
    try {
      current = await this.get(type, namespace, name);
    } catch (error) {
      if (!(error instanceof KubernetesApiError && error.code === 404)) {
        throw error;
      }
    }
    if (!current) {
      return {
        action: 'created',
        object: await this.create(type, namespace, object),
      };
    }
    return {
      action: 'updated',
      object: await this.update(type, namespace, name, {
        ...object,
        metadata: {
          ...object.metadata,
          resourceVersion: current.metadata.resourceVersion,
        },
      }),
    };
  }
}
