import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';
import { firstFinding } from '../findings';

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
