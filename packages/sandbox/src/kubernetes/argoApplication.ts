import type { Schema } from './openapiSchemas';

/**
 * Argo CD's `Application` (`argoproj.io/v1alpha1`), as its CRD declares it — restated here
 * because no installed package ships Argo CD's types. The schema follows the field names of
 * Argo CD's `ApplicationSpec` (pkg/apis/application/v1alpha1/types.go) for what an application
 * of a Helm chart or a directory uses; the source tools' own settings (`kustomize`,
 * `directory`, `plugin`) and `status` are kept open. The sandbox stores Applications so that
 * the GitOps repository's manifests apply; no controller acts on them.
 */

const string = (description: string): Schema => ({
  type: 'string',
  description,
});
const stringList = (description: string): Schema => ({
  type: 'array',
  description,
  items: { type: 'string' },
});
const open = (description: string): Schema => ({
  type: 'object',
  description,
  'x-kubernetes-preserve-unknown-fields': true,
});

const helm: Schema = {
  type: 'object',
  description: 'Helm holds helm specific options',
  properties: {
    apiVersions: stringList(
      'APIVersions specifies the Kubernetes resource API versions to pass to Helm when templating manifests',
    ),
    fileParameters: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: string('Name is the name of the Helm parameter'),
          path: string(
            'Path is the path to the file containing the values for the Helm parameter',
          ),
        },
      },
    },
    ignoreMissingValueFiles: { type: 'boolean' },
    kubeVersion: string(
      'KubeVersion specifies the Kubernetes API version to pass to Helm when templating manifests',
    ),
    namespace: string('Namespace is an optional namespace to template with'),
    parameters: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          forceString: { type: 'boolean' },
          name: string('Name is the name of the Helm parameter'),
          value: string('Value is the value for the Helm parameter'),
        },
      },
    },
    passCredentials: { type: 'boolean' },
    releaseName: string(
      'ReleaseName is the Helm release name to use. If omitted it will use the application name',
    ),
    skipCrds: { type: 'boolean' },
    skipSchemaValidation: { type: 'boolean' },
    skipTests: { type: 'boolean' },
    valueFiles: stringList(
      'ValuesFiles is a list of Helm value files to use when generating a template',
    ),
    values: string(
      'Values specifies Helm values to be passed to helm template, typically defined as a block. ValuesObject takes precedence over Values, so use one or the other.',
    ),
    valuesObject: open(
      'ValuesObject specifies Helm values to be passed to helm template, defined as a map. This takes precedence over Values.',
    ),
    version: string('Version is the Helm version to use for templating ("3")'),
  },
};

const source: Schema = {
  type: 'object',
  description:
    "Source is a reference to the location of the application's manifests or chart",
  required: ['repoURL'],
  properties: {
    chart: string(
      'Chart is a Helm chart name, and must be specified for applications sourced from a Helm repo.',
    ),
    directory: open('Directory holds path/directory specific options'),
    helm,
    kustomize: open('Kustomize holds kustomize specific options'),
    name: string(
      'Name is used to refer to a source and is displayed in the UI. It is used in multi-source Applications.',
    ),
    path: string(
      'Path is a directory path within the Git repository, and is only valid for applications sourced from Git.',
    ),
    plugin: open('Plugin holds config management plugin specific options'),
    ref: string('Ref is reference to another source within sources field.'),
    repoURL: string(
      'RepoURL is the URL to the repository (Git or Helm) that contains the application manifests',
    ),
    targetRevision: string(
      "TargetRevision defines the revision of the source to sync the application to. In case of Git, this can be commit, tag, or branch. If omitted, will equal to HEAD. In case of Helm, this is a semver tag for the Chart's version.",
    ),
  },
};

/** The `io.argoproj.v1alpha1.Application` schema, in the shape the API server publishes CRDs. */
export const ARGO_APPLICATION_SCHEMA: Schema = {
  type: 'object',
  description: 'Application is a definition of Application resource.',
  required: ['metadata', 'spec'],
  properties: {
    apiVersion: string(
      'APIVersion defines the versioned schema of this representation of an object.',
    ),
    kind: string(
      'Kind is a string value representing the REST resource this object represents.',
    ),
    metadata: {
      $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    },
    operation: open(
      'Operation contains information about a requested or running operation',
    ),
    spec: {
      type: 'object',
      description:
        'ApplicationSpec represents desired application state. Contains link to repository with application definition and additional parameters link definition revision.',
      required: ['destination', 'project'],
      properties: {
        destination: {
          type: 'object',
          description:
            'Destination is a reference to the target Kubernetes server and namespace',
          properties: {
            name: string(
              'Name is an alternate way of specifying the target cluster by its symbolic name. This must be set if Server is not set.',
            ),
            namespace: string(
              "Namespace specifies the target namespace for the application's resources. The namespace will only be set for namespace-scoped resources that have not set a value for .metadata.namespace",
            ),
            server: string(
              "Server specifies the URL of the target cluster's Kubernetes control plane API. This must be set if Name is not set.",
            ),
          },
        },
        ignoreDifferences: {
          type: 'array',
          items: open(
            'ResourceIgnoreDifferences contains resource filter and list of json paths which should be ignored during comparison with live state.',
          ),
        },
        info: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, value: { type: 'string' } },
          },
        },
        project: string(
          "Project is a reference to the project this application belongs to. The empty string means that application belongs to the 'default' project.",
        ),
        revisionHistoryLimit: { type: 'integer', format: 'int64' },
        source,
        sources: { type: 'array', items: source },
        sourceHydrator: open(
          'SourceHydrator provides a way to push hydrated manifests back to git before syncing them to the cluster.',
        ),
        syncPolicy: {
          type: 'object',
          description:
            'SyncPolicy controls when and how a sync will be performed',
          properties: {
            automated: {
              type: 'object',
              description:
                'Automated will keep an application synced to the target revision',
              properties: {
                allowEmpty: { type: 'boolean' },
                enabled: { type: 'boolean' },
                prune: { type: 'boolean' },
                selfHeal: { type: 'boolean' },
              },
            },
            managedNamespaceMetadata: {
              type: 'object',
              properties: {
                annotations: {
                  type: 'object',
                  additionalProperties: { type: 'string' },
                },
                labels: {
                  type: 'object',
                  additionalProperties: { type: 'string' },
                },
              },
            },
            retry: open('Retry controls failed sync retry behavior'),
            syncOptions: stringList(
              'Options allow you to specify whole app sync-options',
            ),
          },
        },
      },
    },
    status: open(
      'ApplicationStatus contains status information for the application',
    ),
  },
};

/** The printer columns of Argo CD's Application CRD. */
export const ARGO_APPLICATION_PRINTER_COLUMNS = [
  {
    name: 'Sync Status',
    type: 'string' as const,
    jsonPath: '.status.sync.status',
  },
  {
    name: 'Health Status',
    type: 'string' as const,
    jsonPath: '.status.health.status',
  },
  {
    name: 'Revision',
    type: 'string' as const,
    jsonPath: '.status.sync.revision',
    priority: 10,
  },
  {
    name: 'Project',
    type: 'string' as const,
    jsonPath: '.spec.project',
    priority: 10,
  },
];
