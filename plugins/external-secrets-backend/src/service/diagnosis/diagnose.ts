import type {
  Finding,
  FindingCode,
} from '@gitops-secrets/plugin-external-secrets-common';
import { buildContext, describeCommand } from './context';
import { MAX_MESSAGE_CHARS, parseErrorText } from './errorText';
import { KV_RULES } from './rules/kv';
import { LOGIN_RULES } from './rules/login';
import { STORE_RULES } from './rules/store';
import { SYNC_RULES } from './rules/sync';
import { TRANSPORT_RULES } from './rules/transport';
import type { DiagnosisContext, DiagnosisInput, Rule } from './types';

export type { ClusterFacts, DiagnosisInput, VaultFacts } from './types';

/** Every rule, in the order their findings are listed. */
export const RULES: readonly Rule[] = [
  ...STORE_RULES,
  ...TRANSPORT_RULES,
  ...LOGIN_RULES,
  ...KV_RULES,
  ...SYNC_RULES,
];

/** Codes that name why a sync fails; the others add context. */
export const CAUSE_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  ...RULES.filter(r => r.kind === 'cause').map(r => r.code),
  'UNRECOGNISED_ERROR',
]);

/** Rules that hold for any provider; every other rule needs a Vault store. */
const ANY_PROVIDER: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'STORE_MISSING',
  'STORE_NOT_READY',
  'STORE_NAMESPACE_NOT_ALLOWED',
  'NOT_PROCESSED',
  'STALE_SYNC',
  'FORCE_SYNC_IGNORED',
  'TARGET_SECRET_MISSING',
]);

/** More specific login causes make the generic "login denied" redundant. */
const LOGIN_SPECIFIC: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'VAULT_AUTH_HOST_MISMATCH',
  'VAULT_AUTH_CA_MISMATCH',
  'REVIEWER_JWT_REJECTED',
  'ROLE_MISSING',
  'ROLE_BINDING_MISMATCH',
  'AUDIENCE_MISMATCH',
  'ISSUER_INVALID',
]);

const ROLE_SIDE: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'ROLE_MISSING',
  'ROLE_BINDING_MISMATCH',
  'AUDIENCE_MISMATCH',
]);

export interface DiagnoseOptions {
  /** told about a rule that threw (diagnosis turns it into a finding and goes on) */
  onRuleError?: (code: FindingCode, error: unknown) => void;
}

function asList(result: Finding | Finding[] | undefined): Finding[] {
  if (!result) {
    return [];
  }
  return Array.isArray(result) ? result : [result];
}

function ruleFailed(
  rule: Rule,
  error: unknown,
  ctx?: DiagnosisContext,
): Finding {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    code: 'DIAGNOSIS_FAILED',
    severity: 'warning',
    summary: `Diagnosis could not check ${
      rule.code
    } for this ExternalSecret (${reason.slice(0, 200)}); other findings stand.`,
    fix: `Look at the object by hand: ${
      ctx
        ? describeCommand(
            'externalsecret',
            ctx.externalSecretRef.split('/')[1],
            ctx.externalSecretRef.split('/')[0],
          )
        : 'kubectl describe externalsecret'
    }.`,
    evidence: { rule: rule.code },
  };
}

/** A message that tells nothing beyond "failed" or "the store is not ready". */
function uninformative(text: string): boolean {
  const signals = parseErrorText([text]);
  return (
    signals.eso.generic || (!!signals.eso.storeNotReady && text.length < 200)
  );
}

/** The failure ESO reports matches no rule: show it raw, with where to look. */
function unrecognised(ctx: DiagnosisContext): Finding {
  const informative = ctx.messages.filter(m => !uninformative(m.text));
  const message =
    informative.find(m => m.channel === 'event') ??
    informative[0] ??
    ctx.messages[0];
  const text = message?.text ?? '';
  const excerpt = text.length > 600 ? `${text.slice(0, 600)}…` : text;
  const describe =
    message?.describe ??
    describeCommand(
      'externalsecret',
      ctx.externalSecretRef.split('/')[1],
      ctx.externalSecretRef.split('/')[0],
    );
  return {
    code: 'UNRECOGNISED_ERROR',
    severity: 'error',
    summary: excerpt
      ? `ESO reports an error diagnosis does not recognise${
          message ? ` on ${message.object}` : ''
        }: ${excerpt}`
      : `ESO reports a failure${
          ctx.classification.reason ? ` (${ctx.classification.reason})` : ''
        } without saying why; its Warning events may have expired.`,
    fix: `Run "${describe}" and read its Warning events and conditions; ESO's controller log has the same error with more context.`,
    evidence: {
      object: message?.object ?? `ExternalSecret ${ctx.externalSecretRef}`,
      message: excerpt.slice(0, MAX_MESSAGE_CHARS),
    },
  };
}

/**
 * Names what is wrong with one ExternalSecret, and how to fix it, from the objects in the cache,
 * ESO's Warning Events and what Vault's configuration says. Pure and total: the same input
 * always gives the same findings, and a rule that throws becomes a finding on this row only.
 * When the row fails and no rule names a cause, the raw error is shown as `UNRECOGNISED_ERROR`
 * rather than a cause that does not fit. Evidence holds object names and Vault paths, never
 * values.
 */
export function diagnose(
  input: DiagnosisInput,
  options: DiagnoseOptions = {},
): Finding[] {
  let ctx: DiagnosisContext;
  try {
    ctx = buildContext(input);
  } catch (error) {
    options.onRuleError?.('DIAGNOSIS_FAILED', error);
    return [
      ruleFailed(
        {
          code: 'DIAGNOSIS_FAILED',
          kind: 'context',
          evaluate: () => undefined,
        },
        error,
      ),
    ];
  }
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (finding: Finding) => {
    const key = `${finding.code}|${JSON.stringify(finding.evidence)}`;
    if (!seen.has(key)) {
      seen.add(key);
      findings.push(finding);
    }
  };
  for (const rule of RULES) {
    if (!ctx.vaultSpec && !ANY_PROVIDER.has(rule.code)) {
      continue;
    }
    try {
      asList(rule.evaluate(ctx)).forEach(add);
    } catch (error) {
      options.onRuleError?.(rule.code, error);
      add(ruleFailed(rule, error, ctx));
    }
  }
  let result = findings;
  if (result.some(f => LOGIN_SPECIFIC.has(f.code))) {
    result = result.filter(f => f.code !== 'VAULT_LOGIN_DENIED');
  }
  // A role that is missing or bound elsewhere explains a denied login before the reviewer does.
  if (
    result.some(f => ROLE_SIDE.has(f.code)) &&
    !ctx.error.tokenReviewForbidden
  ) {
    result = result.filter(f => f.code !== 'REVIEWER_JWT_REJECTED');
  }
  const explained = result.some(f => CAUSE_CODES.has(f.code));
  // ESO saying "store X is not ready" is explained by STORE_NOT_READY itself; a store failing
  // for a reason nobody names is not.
  const storeExplainsIt =
    result.some(f => f.code === 'STORE_NOT_READY') &&
    !!ctx.error.eso.storeNotReady;
  if (ctx.failing && !explained && !storeExplainsIt) {
    result.push(unrecognised(ctx));
  }
  // Causes lead (the card shows the first finding); context such as "store not ready" follows.
  const rank = (f: Finding) => (CAUSE_CODES.has(f.code) ? 0 : 1);
  return result
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => rank(a.finding) - rank(b.finding) || a.index - b.index)
    .map(({ finding }) => finding);
}
