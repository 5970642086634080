import { stringify } from 'yaml';
import { renderManifestObjects } from './renderManifestObjects';
import type {
  ExternalSecretsManifestSpec,
  KubernetesObject,
  RenderedManifestFile,
} from './types';
import { validateEsoObject } from './validateEsoObject';

/**
 * Name of the kustomization file that lists the rendered objects.
 *
 * @public
 */
export const KUSTOMIZATION_FILE_NAME = 'kustomization.yaml';

/** Core objects the store's first login needs: the account it presents and its binding. */
function isCoreObject(object: KubernetesObject): boolean {
  return (
    (object.kind === 'ServiceAccount' && object.apiVersion === 'v1') ||
    (object.kind === 'ClusterRoleBinding' &&
      object.apiVersion === 'rbac.authorization.k8s.io/v1')
  );
}

function fileNameOf(object: KubernetesObject): string {
  const name = `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
  // The store presents this account to Vault: tools that apply a directory in file-name order
  // (`kubectl apply -f <dir>`, the sandbox's Argo sync) must create it (and, in client-JWT
  // mode, its binding) before the store, or the store's first validation fails.
  return isCoreObject(object) ? `00-${name}` : name;
}

function toYaml(object: unknown): string {
  return stringify(object, { lineWidth: 0 });
}

/**
 * Renders a service's store and ExternalSecrets, validates each object, and returns one YAML
 * file per object plus a `kustomization.yaml` listing them. Nothing is written anywhere.
 *
 * @public
 */
export async function renderManifestFiles(
  spec: ExternalSecretsManifestSpec,
): Promise<RenderedManifestFile[]> {
  const objects = renderManifestObjects(spec);
  for (const object of objects) {
    if (isCoreObject(object)) {
      // A core object built from already validated names: nothing ESO-specific to check.
      continue;
    }
    await validateEsoObject(object);
  }
  const files = objects
    .map(object => ({
      fileName: fileNameOf(object),
      object,
      content: toYaml(object),
    }))
    .sort(
      (a, b) => Number(isCoreObject(b.object)) - Number(isCoreObject(a.object)),
    );
  const kustomization: KubernetesObject = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    metadata: { name: spec.name },
    resources: files.map(file => file.fileName),
  };
  files.push({
    fileName: KUSTOMIZATION_FILE_NAME,
    object: kustomization,
    content: toYaml(kustomization),
  });
  return files;
}
