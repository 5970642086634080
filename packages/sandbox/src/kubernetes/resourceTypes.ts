/**
 * A kind of object the emulated API server serves, with what discovery reports about it.
 *
 * @public
 */
export interface ResourceType {
  /** API group; empty for the core group (`/api/v1`). */
  group: string;
  version: string;
  /** The path segment (`externalsecrets`). */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Objects whose status only changes through the `/status` subresource (CRDs with it on). */
  hasStatusSubresource: boolean;
  /** Objects whose `metadata.generation` is tracked and bumped when `spec` changes. */
  tracksGeneration: boolean;
  /** Field selectors the real API server accepts for this kind, beyond name and namespace. */
  extraSelectableFields: string[];
  /**
   * Create-only review APIs (TokenReview): nothing is stored, each POST is answered from the
   * request, any other verb is `405`.
   */
  virtual?: boolean;
  /** The verbs discovery lists; every storage verb when absent. */
  verbs?: string[];
  /** `path-segment` names (RBAC objects: `system:auth-delegator`); DNS subdomains otherwise. */
  nameFormat?: 'dns-subdomain' | 'path-segment';
  /** Subresources discovery lists besides `status` (such as `serviceaccounts/token`). */
  subresources?: Array<{
    name: string;
    verbs: string[];
    kind: string;
    group?: string;
    version?: string;
  }>;
}

const VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

function core(
  plural: string,
  kind: string,
  options: Partial<ResourceType> = {},
): ResourceType {
  return {
    group: '',
    version: 'v1',
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames: [],
    hasStatusSubresource: false,
    tracksGeneration: false,
    extraSelectableFields: [],
    ...options,
  };
}

function rbac(plural: string, kind: string, namespaced: boolean): ResourceType {
  return {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: [],
    hasStatusSubresource: false,
    tracksGeneration: false,
    extraSelectableFields: [],
    nameFormat: 'path-segment',
  };
}

function eso(
  plural: string,
  kind: string,
  options: Partial<ResourceType>,
): ResourceType {
  return {
    group: 'external-secrets.io',
    version: 'v1',
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames: [],
    hasStatusSubresource: true,
    tracksGeneration: true,
    extraSelectableFields: [],
    ...options,
  };
}

/** A built-in workload kind of `apps/v1`, with the status subresource and generation tracking. */
function apps(
  plural: string,
  kind: string,
  shortNames: string[],
): ResourceType {
  return {
    group: 'apps',
    version: 'v1',
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames,
    hasStatusSubresource: true,
    tracksGeneration: true,
    extraSelectableFields: [],
  };
}

/** A create-only review of `authorization.k8s.io/v1` about the requesting user. */
function review(plural: string, kind: string): ResourceType {
  return {
    group: 'authorization.k8s.io',
    version: 'v1',
    plural,
    singular: plural.replace(/s$/, ''),
    kind,
    namespaced: false,
    shortNames: [],
    hasStatusSubresource: false,
    tracksGeneration: false,
    extraSelectableFields: [],
    virtual: true,
    verbs: ['create'],
  };
}

/**
 * Every kind the emulator serves: the core objects ESO and the status backend touch, and ESO's
 * custom resources the simulation runs: ExternalSecret, SecretStore, ClusterSecretStore and
 * ClusterExternalSecret (`external-secrets.io/v1`), PushSecret (`v1alpha1`).
 *
 * @public
 */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  core('namespaces', 'Namespace', {
    namespaced: false,
    shortNames: ['ns'],
    extraSelectableFields: ['status.phase'],
  }),
  core('configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  core('pods', 'Pod', {
    shortNames: ['po'],
    extraSelectableFields: ['spec.nodeName', 'status.phase'],
  }),
  core('secrets', 'Secret', { extraSelectableFields: ['type'] }),
  core('serviceaccounts', 'ServiceAccount', {
    shortNames: ['sa'],
    subresources: [
      {
        name: 'token',
        verbs: ['create'],
        kind: 'TokenRequest',
        group: 'authentication.k8s.io',
        version: 'v1',
      },
    ],
  }),
  core('events', 'Event', {
    shortNames: ['ev'],
    extraSelectableFields: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
  }),
  eso('externalsecrets', 'ExternalSecret', { shortNames: ['es'] }),
  eso('secretstores', 'SecretStore', { shortNames: ['ss'] }),
  eso('clustersecretstores', 'ClusterSecretStore', {
    namespaced: false,
    shortNames: ['css'],
  }),
  eso('clusterexternalsecrets', 'ClusterExternalSecret', {
    namespaced: false,
    shortNames: ['ces'],
  }),
  // PushSecret is still served as v1alpha1 only (ESO 2.9)
  eso('pushsecrets', 'PushSecret', { version: 'v1alpha1' }),
  // Deployments and the ReplicaSets they roll, run by workloadControllers.ts
  apps('deployments', 'Deployment', ['deploy']),
  apps('replicasets', 'ReplicaSet', ['rs']),
  // Argo CD's Application CRD (stored only: the sandbox's ArgoSync stands in for its controller)
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'applications',
    singular: 'application',
    kind: 'Application',
    namespaced: true,
    shortNames: ['app', 'apps'],
    hasStatusSubresource: false,
    tracksGeneration: true,
    extraSelectableFields: [],
  },
  rbac('clusterroles', 'ClusterRole', false),
  rbac('clusterrolebindings', 'ClusterRoleBinding', false),
  rbac('roles', 'Role', true),
  rbac('rolebindings', 'RoleBinding', true),
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    plural: 'tokenreviews',
    singular: 'tokenreview',
    kind: 'TokenReview',
    namespaced: false,
    shortNames: [],
    hasStatusSubresource: false,
    tracksGeneration: false,
    extraSelectableFields: [],
    virtual: true,
    verbs: ['create'],
  },
  review('selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
  review('subjectaccessreviews', 'SubjectAccessReview'),
  review('selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
];

/**
 * Kinds defined by a CustomResourceDefinition (ESO's, Argo CD's Application): no strategic
 * merge patch, schemas inlined in their OpenAPI document.
 */
export function isCustomResource(type: ResourceType): boolean {
  return type.group === 'external-secrets.io' || type.group === 'argoproj.io';
}

/** The kinds whose objects the emulator stores (every one but the create-only reviews). */
export const STORED_RESOURCE_TYPES: readonly ResourceType[] =
  RESOURCE_TYPES.filter(t => !t.virtual);

/** @public */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The resource type serving `apiVersion` + `kind`, if the emulator knows it. */
export function resourceTypeForKind(
  apiVersion: string | undefined,
  kind: string | undefined,
): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    t => apiVersionOf(t) === apiVersion && t.kind === kind,
  );
}

/** The resource type at `/api/v1/<plural>` or `/apis/<group>/<version>/<plural>`. */
export function resourceTypeForPath(
  group: string,
  version: string,
  plural: string,
): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    t => t.group === group && t.version === version && t.plural === plural,
  );
}

/** The `APIResourceList` discovery document of one group version. */
export function apiResourceList(group: string, version: string) {
  const types = RESOURCE_TYPES.filter(
    t => t.group === group && t.version === version,
  );
  const resources = types.flatMap(t => {
    const main = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs ?? VERBS,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
    };
    const subresources = (t.subresources ?? []).map(s => ({
      name: `${t.plural}/${s.name}`,
      singularName: '',
      namespaced: t.namespaced,
      ...(s.group !== undefined ? { group: s.group } : {}),
      ...(s.version !== undefined ? { version: s.version } : {}),
      kind: s.kind,
      verbs: s.verbs,
    }));
    if (t.hasStatusSubresource) {
      subresources.unshift({
        name: `${t.plural}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
    return [main, ...subresources];
  });
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

/** Group versions served under `/apis` (every non-core group). */
export function apiGroups() {
  const groups = new Map<string, string[]>();
  for (const t of RESOURCE_TYPES) {
    if (!t.group) {
      continue;
    }
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) {
      versions.push(t.version);
    }
    groups.set(t.group, versions);
  }
  return [...groups.entries()].map(([name, versions]) => ({
    name,
    versions: versions.map(version => ({
      groupVersion: `${name}/${version}`,
      version,
    })),
    preferredVersion: {
      groupVersion: `${name}/${versions[0]}`,
      version: versions[0],
    },
  }));
}
