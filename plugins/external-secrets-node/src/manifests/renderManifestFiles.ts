import { stringify } from 'yaml';
import { renderManifestObjects } from './renderManifestObjects';
import type {
  ExternalSecretsManifestSpec,
  KubernetesObject,
  RenderedManifestFile,
} from './types';
import { validateEsoObject } from './validateEsoObject';

/** Name of the kustomization file that lists the rendered objects. */
export const KUSTOMIZATION_FILE_NAME = 'kustomization.yaml';

function fileNameOf(object: KubernetesObject): string {
  const name = `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
  // The store presents this account to Vault: tools that apply a directory in file-name order
  // (`kubectl apply -f <dir>`, the sandbox's Argo sync) must create it before the store, or
  // the store's first validation fails on a missing account.
  return object.kind === 'ServiceAccount' ? `00-${name}` : name;
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
    if (object.kind === 'ServiceAccount' && object.apiVersion === 'v1') {
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
      (a, b) =>
        Number(b.object.kind === 'ServiceAccount') -
        Number(a.object.kind === 'ServiceAccount'),
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
