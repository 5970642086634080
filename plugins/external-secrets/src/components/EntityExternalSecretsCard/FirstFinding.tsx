import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type {
  ExternalSecretStatus,
  Finding,
} from '@gitops-secrets/plugin-external-secrets-common';

const SEVERITY_RANK: Record<Finding['severity'], number> = {
  error: 0,
  warning: 1,
  info: 2,
};

/** The most severe finding over all ExternalSecrets, with the object it concerns. */
export function firstFinding(
  externalSecrets: ExternalSecretStatus[],
): { finding: Finding; externalSecret: ExternalSecretStatus } | undefined {
  const all = externalSecrets.flatMap(externalSecret =>
    externalSecret.findings.map(finding => ({ finding, externalSecret })),
  );
  return all.sort(
    (a, b) =>
      SEVERITY_RANK[a.finding.severity] - SEVERITY_RANK[b.finding.severity],
  )[0];
}

/** What is wrong first, and how to fix it — the reason the card exists. */
export function FirstFinding(props: {
  externalSecrets: ExternalSecretStatus[];
}) {
  const first = firstFinding(props.externalSecrets);
  if (!first) {
    return null;
  }
  const { finding, externalSecret } = first;
  return (
    <Alert severity={finding.severity} aria-label="First finding">
      <AlertTitle>
        {externalSecret.name}: {finding.summary}
      </AlertTitle>
      <strong>Fix:</strong> {finding.fix}
    </Alert>
  );
}
