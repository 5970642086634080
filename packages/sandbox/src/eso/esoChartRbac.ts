import type { KubeObject } from '../kubernetes';

/** @public */
export interface EsoInstallation {
  /** The release namespace; ESO's own service account lives here. */
  namespace: string;
  /** ESO's service account (the chart's `serviceAccount.name`, default the release's fullname). */
  serviceAccountName: string;
  /**
   * The chart's `rbac.serviceAccountTokenCreate` (default true): the cluster-wide right to
   * request tokens for any service account, which store `serviceAccountRef`s need. Off, every
   * referenced account needs its own Role granting ESO `create` on `serviceaccounts/token`.
   */
  serviceAccountTokenCreate?: boolean;
}

/** Where the sandbox installs ESO, and the account it runs as (release `external-secrets`). */
export const DEFAULT_ESO_INSTALLATION: EsoInstallation = {
  namespace: 'external-secrets',
  serviceAccountName: 'external-secrets',
};

const RBAC = 'rbac.authorization.k8s.io';
const ESO = 'external-secrets.io';
const GENERATORS = 'generators.external-secrets.io';

const GENERATOR_KINDS = [
  'acraccesstokens',
  'cloudsmithaccesstokens',
  'clustergenerators',
  'ecrauthorizationtokens',
  'fakes',
  'gcraccesstokens',
  'githubaccesstokens',
  'gitlabdeploytokens',
  'quayaccesstokens',
  'passwords',
  'sshkeys',
  'stssessiontokens',
  'uuids',
  'vaultdynamicsecrets',
  'webhooks',
  'grafanas',
  'mfas',
  'beyondtrustworkloadcredentialsdynamicsecrets',
];

/**
 * The RBAC objects ESO's Helm chart installs, rendered with the chart's default values for a
 * release named `external-secrets`: external-secrets/external-secrets,
 * deploy/charts/external-secrets/templates/rbac.yaml at helm-chart-2.9.0 (cluster stores,
 * ClusterExternalSecrets and PushSecrets processed, OpenShift finalizers on, metrics auth and
 * generic targets off). The controller may read every Secret and write any, request a token for
 * any service account, and read stores, ConfigMaps, namespaces and service accounts — which is
 * why the tenancy of a store has to come from Vault roles bound to per-service accounts and from
 * `spec.conditions`, not from ESO's own identity.
 */
export function esoChartRbac(
  installation: EsoInstallation = DEFAULT_ESO_INSTALLATION,
): KubeObject[] {
  const { namespace, serviceAccountName } = installation;
  const labels = {
    'app.kubernetes.io/name': 'external-secrets',
    'app.kubernetes.io/instance': 'external-secrets',
    'app.kubernetes.io/managed-by': 'Helm',
  };
  const subject = {
    kind: 'ServiceAccount',
    name: serviceAccountName,
    namespace,
  };
  const controllerRules = [
    {
      apiGroups: [ESO],
      resources: [
        'secretstores',
        'clustersecretstores',
        'externalsecrets',
        'clusterexternalsecrets',
        'pushsecrets',
        'clusterpushsecrets',
      ],
      verbs: ['get', 'list', 'watch'],
    },
    {
      apiGroups: [ESO],
      resources: [
        'externalsecrets',
        'externalsecrets/status',
        'externalsecrets/finalizers',
        'secretstores',
        'secretstores/status',
        'secretstores/finalizers',
        'clustersecretstores',
        'clustersecretstores/status',
        'clustersecretstores/finalizers',
        'clusterexternalsecrets',
        'clusterexternalsecrets/status',
        'clusterexternalsecrets/finalizers',
        'pushsecrets',
        'pushsecrets/status',
        'pushsecrets/finalizers',
        'clusterpushsecrets',
        'clusterpushsecrets/status',
        'clusterpushsecrets/finalizers',
      ],
      verbs: ['get', 'update', 'patch'],
    },
    {
      apiGroups: [GENERATORS],
      resources: ['generatorstates'],
      verbs: [
        'get',
        'list',
        'watch',
        'create',
        'update',
        'patch',
        'delete',
        'deletecollection',
      ],
    },
    {
      apiGroups: [GENERATORS],
      resources: GENERATOR_KINDS,
      verbs: ['get', 'list', 'watch'],
    },
    {
      apiGroups: [''],
      resources: ['serviceaccounts', 'namespaces'],
      verbs: ['get', 'list', 'watch'],
    },
    { apiGroups: [''], resources: ['namespaces'], verbs: ['update', 'patch'] },
    {
      apiGroups: [''],
      resources: ['configmaps'],
      verbs: ['get', 'list', 'watch'],
    },
    {
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'],
    },
    ...(installation.serviceAccountTokenCreate === false
      ? []
      : [
          {
            apiGroups: [''],
            resources: ['serviceaccounts/token'],
            verbs: ['create'],
          },
        ]),
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    {
      apiGroups: [ESO],
      resources: ['externalsecrets'],
      verbs: ['create', 'update', 'delete'],
    },
    {
      apiGroups: [ESO],
      resources: ['pushsecrets'],
      verbs: ['create', 'update', 'delete'],
    },
  ];
  const userFacing = [
    'externalsecrets',
    'secretstores',
    'clustersecretstores',
    'pushsecrets',
    'clusterpushsecrets',
  ];
  return [
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'external-secrets-controller', labels },
      rules: controllerRules,
    },
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: {
        name: 'external-secrets-view',
        labels: {
          ...labels,
          'rbac.authorization.k8s.io/aggregate-to-view': 'true',
          'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
          'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
        },
      },
      rules: [
        {
          apiGroups: [ESO],
          resources: userFacing,
          verbs: ['get', 'watch', 'list'],
        },
        {
          apiGroups: [GENERATORS],
          resources: [
            ...GENERATOR_KINDS.filter(k => k !== 'stssessiontokens'),
            'generatorstates',
          ],
          verbs: ['get', 'watch', 'list'],
        },
      ],
    },
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: {
        name: 'external-secrets-edit',
        labels: {
          ...labels,
          'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
          'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
        },
      },
      rules: [
        {
          apiGroups: [ESO],
          resources: userFacing,
          verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'],
        },
        {
          apiGroups: [GENERATORS],
          resources: [
            ...GENERATOR_KINDS.filter(k => k !== 'stssessiontokens'),
            'generatorstates',
          ],
          verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'],
        },
      ],
    },
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'external-secrets-controller', labels },
      roleRef: {
        apiGroup: RBAC,
        kind: 'ClusterRole',
        name: 'external-secrets-controller',
      },
      subjects: [subject],
    },
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: 'external-secrets-leaderelection', namespace, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: ['external-secrets-controller'],
          verbs: ['get', 'update', 'patch'],
        },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get', 'create', 'update', 'patch'],
        },
      ],
    },
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'external-secrets-leaderelection', namespace, labels },
      roleRef: {
        apiGroup: RBAC,
        kind: 'Role',
        name: 'external-secrets-leaderelection',
      },
      subjects: [subject],
    },
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: {
        name: 'external-secrets-servicebindings',
        labels: { 'servicebinding.io/controller': 'true', ...labels },
      },
      rules: [
        {
          apiGroups: [ESO],
          resources: ['externalsecrets', 'pushsecrets'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    },
  ];
}
