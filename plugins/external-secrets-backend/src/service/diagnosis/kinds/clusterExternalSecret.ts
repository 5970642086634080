import type {
  Finding,
  FindingCode,
  SyncState,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ClusterExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import { describeCommand } from '../context';
import { boundText, MAX_MESSAGE_CHARS } from '../errorText';

/**
 * Diagnosis of a ClusterExternalSecret (ESO's pkg/controllers/clusterexternalsecret, v2.9.0):
 * the CES writes no Events; its `status.failedNamespaces[].reason` holds the error per
 * namespace (`external secret already exists in namespace`, or the API server's answer to the
 * create/update of the ExternalSecret), and its Ready condition only says
 * `one or more namespaces failed`.
 */
export interface ClusterExternalSecretDiagnosisInput {
  clusterExternalSecret: ClusterExternalSecretObject;
  /** the ExternalSecrets it provisioned that the cache holds, with their own diagnosis */
  children: Array<{
    namespace: string;
    name: string;
    state: SyncState;
    findings: Finding[];
  }>;
}

const MAX_CHILD_FINDINGS = 5;

interface Failure {
  namespace: string;
  reason: string;
}

const CONFLICT = /external secret already exists in namespace/;
const WEBHOOK = /admission webhook "([^"]+)" denied the request: ([\s\S]+)/;
const TERMINATING =
  /unable to create new content in namespace (\S+) because it is being terminated/;

/** `matchLabels` and `matchExpressions` as kubectl's `-l` syntax (best effort). */
function selectorText(selector: unknown): string | undefined {
  if (!selector || typeof selector !== 'object') return undefined;
  const s = selector as {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{
      key?: string;
      operator?: string;
      values?: string[];
    }>;
  };
  const parts = [
    ...Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(s.matchExpressions ?? []).map(e => {
      const values = (e.values ?? []).join(',');
      switch (e.operator) {
        case 'In':
          return `${e.key} in (${values})`;
        case 'NotIn':
          return `${e.key} notin (${values})`;
        case 'Exists':
          return `${e.key}`;
        case 'DoesNotExist':
          return `!${e.key}`;
        default:
          return `${e.key} ${e.operator} (${values})`;
      }
    }),
  ];
  return parts.length ? parts.join(',') : undefined;
}

function failuresOf(ces: ClusterExternalSecretObject): Failure[] {
  const list = Array.isArray(ces.status?.failedNamespaces)
    ? ces.status!.failedNamespaces!
    : [];
  return list
    .filter(f => f && typeof f === 'object')
    .map(f => ({
      namespace: String(f.namespace ?? ''),
      reason: boundText(f.reason ?? '').text,
    }));
}

const esNameOf = (ces: ClusterExternalSecretObject) =>
  ces.status?.externalSecretName ||
  ces.spec?.externalSecretName ||
  String(ces.metadata?.name ?? '');

const list = (namespaces: string[]) =>
  namespaces.length > 3
    ? `${namespaces.slice(0, 3).join(', ')} and ${namespaces.length - 3} more`
    : namespaces.join(', ');

/** The codes the ClusterExternalSecret rules name as causes. */
export const CES_CAUSE_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'CES_NO_NAMESPACE_SELECTED',
  'CES_EXTERNAL_SECRET_CONFLICT',
  'CES_EXTERNAL_SECRET_REJECTED',
  'CES_NAMESPACE_TERMINATING',
  'CES_EXTERNAL_SECRET_FAILING',
  'UNRECOGNISED_ERROR',
]);

/**
 * Names what is wrong with one ClusterExternalSecret: namespaces it selects none of, namespaces
 * ESO could not provision (and why), provisioned ExternalSecrets that fail. Pure; a failed
 * namespace whose reason no rule knows is shown raw as `UNRECOGNISED_ERROR`.
 */
export function diagnoseClusterExternalSecret(
  input: ClusterExternalSecretDiagnosisInput,
): Finding[] {
  const ces = input.clusterExternalSecret ?? {};
  const name = String(ces.metadata?.name ?? '');
  const describe = describeCommand('clusterexternalsecret', name);
  const esName = esNameOf(ces);
  const failures = failuresOf(ces);
  const provisioned = Array.isArray(ces.status?.provisionedNamespaces)
    ? ces.status!.provisionedNamespaces!
    : [];
  const reported =
    Array.isArray(ces.status?.conditions) && ces.status!.conditions!.length > 0;
  const findings: Finding[] = [];

  if (reported && provisioned.length === 0 && failures.length === 0) {
    const names = ces.spec?.namespaces ?? [];
    const selectors = [
      ...(ces.spec?.namespaceSelector ? [ces.spec.namespaceSelector] : []),
      ...(ces.spec?.namespaceSelectors ?? []),
    ]
      .map(selectorText)
      .filter((s): s is string => !!s);
    const what = [
      ...(names.length ? [`spec.namespaces (${names.join(', ')})`] : []),
      ...selectors.map(s => `the namespace selector "${s}"`),
    ];
    findings.push({
      code: 'CES_NO_NAMESPACE_SELECTED',
      severity: 'warning',
      summary: `ClusterExternalSecret ${name} provisions no ExternalSecret: ${
        what.length
          ? what.join(' and ')
          : 'it names no namespace and no selector'
      } match${what.length === 1 ? 'es' : ''} no existing namespace.`,
      fix: selectors.length
        ? `Check which namespaces match ("kubectl get namespaces -l '${selectors[0]}'") and label the intended namespaces, or fix spec.namespaceSelectors.`
        : 'Create the namespaces or fix spec.namespaces / spec.namespaceSelectors.',
      evidence: { clusterExternalSecret: name },
    });
  }

  const conflicts = failures.filter(f => CONFLICT.test(f.reason));
  if (conflicts.length) {
    const namespaces = conflicts.map(f => f.namespace);
    findings.push({
      code: 'CES_EXTERNAL_SECRET_CONFLICT',
      severity: 'error',
      summary: `ClusterExternalSecret ${name} cannot create ExternalSecret "${esName}" in ${list(
        namespaces,
      )}: an ExternalSecret of that name already exists there and is not owned by it, so ESO leaves it alone.`,
      fix: `Delete or rename the existing ExternalSecret ("kubectl -n ${namespaces[0]} get externalsecret ${esName} -o yaml" shows who owns it), or set spec.externalSecretName to a name that is free.`,
      evidence: {
        clusterExternalSecret: name,
        namespaces: namespaces.join(','),
      },
    });
  }
  const rejected = failures.filter(
    f => !CONFLICT.test(f.reason) && WEBHOOK.test(f.reason),
  );
  if (rejected.length) {
    const [, webhook, detail] = WEBHOOK.exec(rejected[0].reason)!;
    findings.push({
      code: 'CES_EXTERNAL_SECRET_REJECTED',
      severity: 'error',
      summary: `The API server refused the ExternalSecret that ClusterExternalSecret ${name} renders for ${list(
        rejected.map(f => f.namespace),
      )}: webhook ${webhook} says "${detail.slice(0, 300)}".`,
      fix: 'Fix spec.externalSecretSpec as the webhook says (it is validated like any ExternalSecret); ESO retries on the next reconcile.',
      evidence: {
        clusterExternalSecret: name,
        namespaces: rejected.map(f => f.namespace).join(','),
        webhook,
      },
    });
  }
  const terminating = failures.filter(
    f => !CONFLICT.test(f.reason) && TERMINATING.test(f.reason),
  );
  if (terminating.length) {
    findings.push({
      code: 'CES_NAMESPACE_TERMINATING',
      severity: 'warning',
      summary: `Namespace ${list(
        terminating.map(f => f.namespace),
      )} is being deleted, so ClusterExternalSecret ${name} cannot create its ExternalSecret there.`,
      fix: 'Nothing to do if the namespace is meant to go; ESO drops it once it is deleted. If it hangs in Terminating, "kubectl get namespace <name> -o yaml" shows the finalizers that hold it.',
      evidence: {
        clusterExternalSecret: name,
        namespaces: terminating.map(f => f.namespace).join(','),
      },
    });
  }
  const unknown = failures.filter(
    f =>
      !CONFLICT.test(f.reason) &&
      !WEBHOOK.test(f.reason) &&
      !TERMINATING.test(f.reason),
  );
  if (unknown.length) {
    const first = unknown[0];
    const excerpt =
      first.reason.length > 600
        ? `${first.reason.slice(0, 600)}…`
        : first.reason;
    findings.push({
      code: 'UNRECOGNISED_ERROR',
      severity: 'error',
      summary: `ClusterExternalSecret ${name} failed in ${list(
        unknown.map(f => f.namespace),
      )} with an error diagnosis does not recognise: ${
        excerpt || '(no reason given)'
      }`,
      fix: `Run "${describe}" and read status.failedNamespaces; ESO's controller log has the same error with more context.`,
      evidence: {
        object: `ClusterExternalSecret ${name}`,
        message: excerpt.slice(0, MAX_MESSAGE_CHARS),
      },
    });
  }

  const failing = input.children.filter(c => c.state === 'Error');
  for (const child of failing.slice(0, MAX_CHILD_FINDINGS)) {
    const first = child.findings[0];
    findings.push({
      code: 'CES_EXTERNAL_SECRET_FAILING',
      severity: 'error',
      summary: `ExternalSecret ${child.namespace}/${
        child.name
      }, provisioned by ClusterExternalSecret ${name}, fails${
        first ? `: ${first.summary}` : '.'
      }`,
      fix: first
        ? `${first.fix} Change it in the ClusterExternalSecret's spec.externalSecretSpec: ESO overwrites edits to the ExternalSecret itself.`
        : `Run "${describeCommand(
            'externalsecret',
            child.name,
            child.namespace,
          )}"; fix it in the ClusterExternalSecret's spec.externalSecretSpec.`,
      evidence: {
        clusterExternalSecret: name,
        externalSecret: `${child.namespace}/${child.name}`,
        ...(first ? { finding: first.code } : {}),
      },
    });
  }
  return findings;
}
