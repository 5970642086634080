import type {
  ExternalSecretStatus,
  SyncState,
} from '@gitops-secrets/plugin-external-secrets-common';

/** What the user narrowed the table to; empty values mean "any". */
export interface ExternalSecretsFilter {
  text: string;
  cluster: string;
  state: SyncState | '';
}

export const NO_FILTER: ExternalSecretsFilter = {
  text: '',
  cluster: '',
  state: '',
};

function searchableText(es: ExternalSecretStatus): string {
  return [
    es.cluster,
    es.namespace,
    es.name,
    es.state,
    es.reason,
    es.message,
    es.store.kind,
    es.store.name,
    es.target.name,
    ...es.target.keys,
    ...es.remoteRefs.flatMap(ref => [ref.key, ref.property, ref.secretKey]),
    ...es.findings.map(finding => finding.summary),
  ]
    .filter(Boolean)
    .join('\n')
    .toLocaleLowerCase();
}

/**
 * The ExternalSecrets matching a filter. Free text matches any shown field (names, reason,
 * message, store, keys, Vault keys, finding summaries); every word must match.
 */
export function filterExternalSecrets(
  externalSecrets: ExternalSecretStatus[],
  filter: ExternalSecretsFilter,
): ExternalSecretStatus[] {
  const words = filter.text.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  return externalSecrets.filter(es => {
    if (filter.cluster && es.cluster !== filter.cluster) {
      return false;
    }
    if (filter.state && es.state !== filter.state) {
      return false;
    }
    if (words.length === 0) {
      return true;
    }
    const text = searchableText(es);
    return words.every(word => text.includes(word));
  });
}
