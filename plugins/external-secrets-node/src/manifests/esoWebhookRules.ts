import type { KubernetesObject } from './types';

type Json = Record<string, any>;

function externalSecretProblems(spec: Json): string[] {
  const problems: string[] = [];
  const target: Json = spec.target ?? {};
  const creationPolicy = target.creationPolicy ?? 'Owner';
  const deletionPolicy = target.deletionPolicy ?? 'Retain';
  if (deletionPolicy === 'Delete' && creationPolicy !== 'Owner') {
    problems.push(
      `deletionPolicy Delete needs creationPolicy Owner (got ${creationPolicy}): ESO only deletes Secrets it owns`,
    );
  }
  if (deletionPolicy === 'Merge' && creationPolicy === 'None') {
    problems.push(
      'deletionPolicy Merge cannot be used with creationPolicy None',
    );
  }
  const data: Json[] = Array.isArray(spec.data) ? spec.data : [];
  const dataFrom: Json[] = Array.isArray(spec.dataFrom) ? spec.dataFrom : [];
  if (data.length === 0 && dataFrom.length === 0) {
    problems.push('either data or dataFrom must be given');
  }
  const seen = new Set<string>();
  for (const entry of data) {
    if (seen.has(entry.secretKey)) {
      problems.push(`duplicate secretKey ${JSON.stringify(entry.secretKey)}`);
    }
    seen.add(entry.secretKey);
  }
  dataFrom.forEach((entry, index) => {
    if (!entry.extract && !entry.find && !entry.sourceRef) {
      problems.push(
        `dataFrom[${index}] needs one of extract, find or sourceRef`,
      );
    }
  });
  return problems;
}

function storeProblems(kind: string, spec: Json): string[] {
  const problems: string[] = [];
  const providers = Object.keys(spec.provider ?? {});
  if (providers.length !== 1) {
    problems.push(
      `exactly one provider must be configured (got ${providers.length})`,
    );
    return problems;
  }
  const vault: Json | undefined = spec.provider.vault;
  if (!vault) {
    return problems;
  }
  if (/(^|\/)data\/?$/.test(vault.path ?? '')) {
    problems.push(
      `provider.vault.path "${vault.path}" must be the mount only, without "data"`,
    );
  }
  const auth: Json = vault.auth ?? {};
  if (Object.keys(auth).length !== 1) {
    problems.push('provider.vault.auth needs exactly one auth method');
  }
  const caNamespace = vault.caProvider?.namespace;
  if (kind === 'ClusterSecretStore' && vault.caProvider && !caNamespace) {
    problems.push(
      'provider.vault.caProvider.namespace is required for a ClusterSecretStore',
    );
  }
  if (kind === 'SecretStore' && caNamespace) {
    problems.push(
      'provider.vault.caProvider.namespace is not allowed in a namespaced SecretStore',
    );
  }
  return problems;
}

/**
 * What ESO's admission webhook would reject in an object, as sentences; empty when it would be
 * admitted. Covers the rules the CRD schema cannot express.
 *
 * @public
 */
export function esoWebhookProblems(object: KubernetesObject): string[] {
  const spec = (object.spec ?? {}) as Json;
  if (object.kind === 'ExternalSecret') {
    return externalSecretProblems(spec);
  }
  if (object.kind === 'ClusterSecretStore' || object.kind === 'SecretStore') {
    return storeProblems(object.kind, spec);
  }
  return [];
}
