import { InputError } from '@backstage/errors';
import { authDelegatorBinding } from '@gitops-secrets/plugin-external-secrets-node';
import { stringify } from 'yaml';
import type { ClusterManifestsSettings } from './clusterManifestsConfig';

/** How Vault reviews the tokens of logins from this cluster. */
export type ReviewerMode = 'client-jwt' | 'reviewer-jwt';

/** A Kubernetes object as plain data. */
export interface ClusterObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** One rendered file, relative to the cluster's target directory. */
export interface ClusterManifestFile {
  fileName: string;
  /** Undefined for `kustomization.yaml`, which is not a cluster object. */
  object?: ClusterObject;
  content: string;
}

/** Argo CD's sync-wave annotation: lower waves are applied (and healthy) first. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** ESO (its CRDs) and the reviewer account come first. */
export const PLATFORM_WAVE = '-10';
/** The CA ConfigMap lives in ESO's namespace, which ESO's Application creates. */
export const VAULT_CA_WAVE = '-5';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

// The models package is ESM-only: loaded on first use, like the ESO models.
type ModelClass = new (data: unknown) => { validate(): void };
let models: Promise<Record<string, ModelClass>> | undefined;
function loadModels(): Promise<Record<string, ModelClass>> {
  if (!models) {
    models = Promise.all([
      import('kubernetes-models/v1/Namespace'),
      import('kubernetes-models/v1/ServiceAccount'),
      import('kubernetes-models/v1/Secret'),
      import('kubernetes-models/v1/ConfigMap'),
      import(
        'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'
      ),
    ]).then(([ns, sa, secret, cm, crb]) => ({
      'v1/Namespace': ns.Namespace as unknown as ModelClass,
      'v1/ServiceAccount': sa.ServiceAccount as unknown as ModelClass,
      'v1/Secret': secret.Secret as unknown as ModelClass,
      'v1/ConfigMap': cm.ConfigMap as unknown as ModelClass,
      [`${RBAC_GROUP}/v1/ClusterRoleBinding`]:
        crb.ClusterRoleBinding as unknown as ModelClass,
    }));
  }
  return models;
}

function wave(value: string) {
  return { [SYNC_WAVE]: value };
}

/**
 * The ESO Application: the chart pinned by config, its values from config, server-side apply
 * (ESO's CRDs are larger than the client-side `last-applied-configuration` annotation allows)
 * and the namespace created by Argo CD.
 */
function esoApplication(
  settings: ClusterManifestsSettings,
  cluster: string,
): ClusterObject {
  const { argocd, eso } = settings;
  const destination = argocd.destinationName
    ? {
        name: argocd.destinationName.replaceAll('{cluster}', cluster),
        namespace: eso.namespace,
      }
    : { server: argocd.destinationServer!, namespace: eso.namespace };
  const source: Record<string, unknown> = {
    repoURL: eso.chartRepository,
    chart: eso.chart,
    targetRevision: eso.chartVersion,
  };
  if (Object.keys(eso.values).length > 0) {
    source.helm = { releaseName: eso.chart, valuesObject: eso.values };
  } else {
    source.helm = { releaseName: eso.chart };
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: eso.chart,
      namespace: argocd.namespace,
      annotations: wave(PLATFORM_WAVE),
    },
    spec: {
      project: argocd.project,
      source,
      destination,
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
      },
    },
  };
}

/** The token Secret of the reviewer account: Kubernetes ≥ 1.24 no longer creates one itself. */
export function reviewerTokenSecretName(
  settings: Pick<ClusterManifestsSettings, 'reviewer'>,
) {
  return `${settings.reviewer.serviceAccount}-token`;
}

/**
 * The cluster's platform objects in the order a reader (and `kubectl apply -f <dir>`) wants
 * them: the reviewer account before its token Secret and binding, ESO before its CA.
 */
export function renderClusterObjects(
  settings: ClusterManifestsSettings,
  cluster: string,
  mode: ReviewerMode,
): ClusterObject[] {
  const objects: ClusterObject[] = [];
  const { reviewer, eso } = settings;
  if (mode === 'reviewer-jwt') {
    objects.push(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: reviewer.namespace,
          annotations: wave(PLATFORM_WAVE),
        },
      },
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: reviewer.serviceAccount,
          namespace: reviewer.namespace,
          annotations: wave(PLATFORM_WAVE),
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: reviewerTokenSecretName(settings),
          namespace: reviewer.namespace,
          annotations: {
            'kubernetes.io/service-account.name': reviewer.serviceAccount,
            ...wave(PLATFORM_WAVE),
          },
        },
        type: 'kubernetes.io/service-account-token',
      },
      authDelegatorBinding({
        name: `${reviewer.serviceAccount}-token-reviewer`,
        account: {
          namespace: reviewer.namespace,
          name: reviewer.serviceAccount,
        },
        annotations: wave(PLATFORM_WAVE),
      }),
    );
  } else {
    // Vault reviews each login with the logging-in token itself, so the account ESO logs in
    // with must be allowed to create TokenReviews.
    objects.push(
      authDelegatorBinding({
        name: `${eso.serviceAccount}-token-reviewer`,
        account: { namespace: eso.namespace, name: eso.serviceAccount },
        annotations: wave(PLATFORM_WAVE),
      }),
    );
  }
  objects.push(esoApplication(settings, cluster));
  if (settings.vaultCa) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: settings.vaultCa.name,
        namespace: settings.vaultCa.namespace,
        annotations: wave(VAULT_CA_WAVE),
      },
      data: { [settings.vaultCa.key]: settings.vaultCa.pem },
    });
  }
  return objects;
}

/** What Argo CD's API would refuse in the Application (it has no published JSON schema model). */
export function applicationProblems(object: ClusterObject): string[] {
  const problems: string[] = [];
  const spec = object.spec as Record<string, any> | undefined;
  if (!spec || typeof spec !== 'object') return ['spec is missing'];
  if (typeof spec.project !== 'string' || !spec.project) {
    problems.push('spec.project is required');
  }
  const source = spec.source ?? {};
  if (typeof source.repoURL !== 'string' || !source.repoURL) {
    problems.push('spec.source.repoURL is required');
  }
  if (typeof source.targetRevision !== 'string' || !source.targetRevision) {
    problems.push('spec.source.targetRevision must pin a chart version');
  }
  const destination = spec.destination ?? {};
  if (Boolean(destination.server) === Boolean(destination.name)) {
    problems.push('spec.destination needs exactly one of server and name');
  }
  const options: unknown = spec.syncPolicy?.syncOptions;
  if (
    !Array.isArray(options) ||
    options.some(o => typeof o !== 'string' || !/^[A-Za-z]+=\S+$/.test(o))
  ) {
    problems.push('spec.syncPolicy.syncOptions must be Name=value strings');
  }
  return problems;
}

/** Checks every object against its Kubernetes schema; an `InputError` naming the problems. */
export async function validateClusterObjects(
  objects: ClusterObject[],
): Promise<void> {
  const byKind = await loadModels();
  for (const object of objects) {
    const label = `${object.kind} "${object.metadata.name}"`;
    let problems: string[];
    if (object.apiVersion === 'argoproj.io/v1alpha1') {
      problems = applicationProblems(object);
    } else {
      const Model = byKind[`${object.apiVersion}/${object.kind}`];
      if (!Model) {
        throw new InputError(`${label}: unexpected kind ${object.apiVersion}`);
      }
      problems = [];
      try {
        new Model(object).validate();
      } catch (error) {
        problems.push(`schema: ${(error as Error).message}`);
      }
    }
    if (problems.length > 0) {
      throw new InputError(
        `${label} would be rejected by the cluster: ${problems.join('; ')}`,
      );
    }
  }
}

function toYaml(object: unknown): string {
  return stringify(object, { lineWidth: 0 });
}

/**
 * One numbered file per object (so a directory applies in order with `kubectl apply -f`)
 * plus a `kustomization.yaml` listing them, which is what Argo CD builds: other files in the
 * directory (the cluster's catalog-info.yaml) are not applied.
 */
export function clusterManifestFiles(
  objects: ClusterObject[],
): ClusterManifestFile[] {
  const files: ClusterManifestFile[] = objects.map((object, index) => ({
    fileName: `${String(index).padStart(2, '0')}-${object.kind.toLowerCase()}-${
      object.metadata.name
    }.yaml`,
    object,
    content: toYaml(object),
  }));
  files.push({
    fileName: 'kustomization.yaml',
    content: toYaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: files.map(file => file.fileName),
    }),
  });
  return files;
}
