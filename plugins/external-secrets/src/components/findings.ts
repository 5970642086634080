import type {
  ExternalSecretStatus,
  Finding,
} from '@gitops-secrets/plugin-external-secrets-common';

const SEVERITY_RANK: Record<Finding['severity'], number> = {
  error: 0,
  warning: 1,
  info: 2,
};

const bySeverity = (a: Finding, b: Finding) =>
  SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];

/**
 * The findings of one ExternalSecret, most severe first (the backend's order within a
 * severity). Card and tab both lead with the first one, so they name the same cause.
 */
export function orderedFindings(es: ExternalSecretStatus): Finding[] {
  return [...es.findings].sort(bySeverity);
}

/** The finding an ExternalSecret's row leads with, if any. */
export function primaryFinding(es: ExternalSecretStatus): Finding | undefined {
  return orderedFindings(es)[0];
}

/** The most severe lead finding over all ExternalSecrets, with the object it concerns. */
export function firstFinding(
  externalSecrets: ExternalSecretStatus[],
): { finding: Finding; externalSecret: ExternalSecretStatus } | undefined {
  return externalSecrets
    .flatMap(externalSecret => {
      const finding = primaryFinding(externalSecret);
      return finding ? [{ finding, externalSecret }] : [];
    })
    .sort((a, b) => bySeverity(a.finding, b.finding))[0];
}
