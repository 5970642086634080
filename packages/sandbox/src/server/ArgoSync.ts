import { parseAllDocuments } from 'yaml';
import type { GitHubEmulator, PullRequestMergedEvent } from '../github';
import {
  ClusterClient,
  KubeObject,
  KubernetesApiError,
  RESOURCE_TYPES,
} from '../kubernetes';

/** One object Argo CD applied, or why it could not. */
export interface AppliedObject {
  file: string;
  kind: string;
  namespace?: string;
  name: string;
  action: 'created' | 'updated' | 'failed';
  error?: string;
}

const MANIFEST_FILE = /\.ya?ml$/i;
const KUSTOMIZATION_FILE = /(^|\/)kustomization\.ya?ml$/i;

/**
 * The kinds in the order Argo CD applies them within a sync wave (gitops-engine's
 * `kindOrder`, taken from Helm's install order); every other kind — ESO's — comes after them.
 */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

function kindRank(kind: string | undefined): number {
  const index = KIND_ORDER.indexOf(kind ?? '');
  return index < 0 ? 0 : index - KIND_ORDER.length;
}

function syncWave(object: KubeObject): number {
  const wave = Number(
    object.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0,
  );
  return Number.isFinite(wave) ? wave : 0;
}

function isNotFound(error: unknown): boolean {
  return error instanceof KubernetesApiError && error.code === 404;
}

/**
 * The sandbox's stand-in for Argo CD: applies the manifests of the GitOps repository's default
 * branch to the cluster emulator, with create-or-update semantics (like `kubectl apply` of a
 * full object) and namespaces created on demand (`CreateNamespace=true`). Each merged pull
 * request syncs the YAML files it changed; in a directory with a `kustomization.yaml` only
 * the files its `resources` list are applied (no other Kustomize feature), and deleted files
 * are not pruned. It
 * applies as Argo CD's application controller (`client`), so the cluster's RBAC and admission
 * judge every object, ServiceAccounts and RBAC objects included, in Argo CD's order: by
 * `argocd.argoproj.io/sync-wave`, then kind (a service's ServiceAccount before the store that
 * presents it), then name.
 */
export class ArgoSync {
  private readonly history: AppliedObject[][] = [];

  constructor(
    private readonly client: ClusterClient,
    private readonly github: GitHubEmulator,
    private readonly owner: string,
    private readonly repo: string,
    private readonly branch = 'main',
  ) {}

  /** Syncs every merge of a pull request in the GitOps repository from now on. */
  watchMerges(): void {
    this.github.onPullRequestMerged(async event => {
      if (
        event.owner.toLowerCase() === this.owner.toLowerCase() &&
        event.repo.toLowerCase() === this.repo.toLowerCase() &&
        event.baseBranch === this.branch
      ) {
        await this.syncMerge(event);
      }
    });
  }

  /** What the most recent syncs applied, newest last. */
  get syncs(): readonly AppliedObject[][] {
    return this.history;
  }

  /** Applies every manifest of the branch (the first sync of a new Argo application). */
  async syncAll(): Promise<AppliedObject[]> {
    const files = await this.github.listFiles(
      this.owner,
      this.repo,
      this.branch,
    );
    return this.applyFiles(files, file =>
      this.github.readFile(this.owner, this.repo, this.branch, file),
    );
  }

  private async syncMerge(
    event: PullRequestMergedEvent,
  ): Promise<AppliedObject[]> {
    return this.applyFiles(event.changedFiles, file => event.readFile(file));
  }

  private async applyFiles(
    files: string[],
    read: (file: string) => Promise<string | undefined>,
  ): Promise<AppliedObject[]> {
    const objects: Array<{ file: string; object: KubeObject }> = [];
    const kustomizations = new Map<string, Promise<Set<string> | undefined>>();
    const listedBy = (dir: string) => {
      if (!kustomizations.has(dir)) {
        kustomizations.set(dir, this.kustomizationResources(dir, read));
      }
      return kustomizations.get(dir)!;
    };
    for (const file of files.filter(f => MANIFEST_FILE.test(f)).sort()) {
      const slash = file.lastIndexOf('/');
      const listed = await listedBy(slash < 0 ? '' : file.slice(0, slash));
      // Argo CD builds a directory with a kustomization.yaml through Kustomize: only the
      // files it lists become objects (a catalog-info.yaml beside them does not)
      if (
        listed &&
        !KUSTOMIZATION_FILE.test(file) &&
        !listed.has(file.slice(slash + 1))
      ) {
        continue;
      }
      const text = await read(file);
      if (text === undefined) {
        continue;
      }
      for (const document of parseAllDocuments(text)) {
        const object = document.toJS() as KubeObject | null;
        // Kustomize files tell Argo CD what to build; they are not cluster objects
        const isKustomize = String(object?.apiVersion ?? '').startsWith(
          'kustomize.config.k8s.io/',
        );
        if (
          object &&
          typeof object === 'object' &&
          object.kind &&
          !isKustomize
        ) {
          objects.push({ file, object });
        }
      }
    }
    objects.sort(
      (a, b) =>
        syncWave(a.object) - syncWave(b.object) ||
        kindRank(a.object.kind) - kindRank(b.object.kind) ||
        String(a.object.metadata?.name ?? '').localeCompare(
          String(b.object.metadata?.name ?? ''),
        ),
    );
    const results: AppliedObject[] = [];
    for (const { file, object } of objects) {
      results.push(await this.apply(file, object));
    }
    this.history.push(results);
    if (this.history.length > 50) {
      this.history.shift();
    }
    return results;
  }

  /** The plain file names a directory's kustomization.yaml lists; undefined without one. */
  private async kustomizationResources(
    dir: string,
    read: (file: string) => Promise<string | undefined>,
  ): Promise<Set<string> | undefined> {
    const text = await read(
      dir ? `${dir}/kustomization.yaml` : 'kustomization.yaml',
    );
    if (text === undefined) {
      return undefined;
    }
    try {
      const resources = (parseAllDocuments(text)[0]?.toJS() ?? {}).resources;
      return new Set(
        Array.isArray(resources)
          ? resources.map(r => String(r).replace(/^\.\//, ''))
          : [],
      );
    } catch {
      return new Set();
    }
  }

  private async apply(
    file: string,
    object: KubeObject,
  ): Promise<AppliedObject> {
    const name = object.metadata?.name ?? '';
    const namespace = object.metadata?.namespace;
    const base = { file, kind: object.kind ?? '', namespace, name };
    const type = RESOURCE_TYPES.find(
      t =>
        !t.virtual &&
        t.kind === object.kind &&
        (t.group ? `${t.group}/${t.version}` : t.version) === object.apiVersion,
    );
    if (!type) {
      return {
        ...base,
        action: 'failed',
        error: `unknown kind ${object.apiVersion}/${object.kind}`,
      };
    }
    try {
      if (namespace && type.namespaced) {
        await this.ensureNamespace(namespace);
      }
      const { action } = await this.client.apply(object);
      return { ...base, action };
    } catch (error) {
      return { ...base, action: 'failed', error: (error as Error).message };
    }
  }

  private async ensureNamespace(name: string): Promise<void> {
    const type = RESOURCE_TYPES.find(t => t.plural === 'namespaces')!;
    try {
      await this.client.get(type, undefined, name);
    } catch (error) {
      if (!isNotFound(error)) {
        throw error;
      }
      await this.client.create(type, undefined, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    }
  }
}
