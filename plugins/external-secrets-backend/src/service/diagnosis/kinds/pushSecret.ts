import type {
  Classification,
  EventLike,
  Finding,
  FindingCode,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  PushSecretObject,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { describeCommand } from '../context';
import { diagnose } from '../diagnose';
import {
  boundText,
  MAX_MESSAGE_CHARS,
  parseErrorText,
  type ErrorSignals,
  type VaultResponse,
} from '../errorText';
import type { ClusterFacts } from '../types';

/**
 * Diagnosis of a PushSecret (ESO's pkg/controllers/pushsecret and the Vault provider's
 * client_push.go, v2.9.0). ESO writes its real error into the Ready condition and a Warning
 * Event `Errored`; the texts are wrapped as
 * `set secret failed: could not write remote ref <key> to target secretstore <store>: <cause>`.
 */
export interface PushSecretDiagnosisInput {
  pushSecret: PushSecretObject;
  classification: Classification;
  /** the newest Warning Event on the PushSecret, if any */
  warning?: EventLike;
  /** the stores the PushSecret names by name (labelSelector refs are resolved by ESO only) */
  stores: Array<{
    kind: 'ClusterSecretStore' | 'SecretStore';
    name: string;
    store?: SecretStoreObject;
    warning?: EventLike;
  }>;
  cluster: ClusterFacts;
}

interface PushContext {
  input: PushSecretDiagnosisInput;
  namespace: string;
  name: string;
  ref: string;
  describe: string;
  failing: boolean;
  reason?: string;
  /** ESO's error (event or condition), bounded */
  text: string;
  signals: ErrorSignals;
  /** the store ESO names in the error, if any */
  failingStore?: string;
  /** the source key ESO names (`could not write remote ref <key>`) */
  failingKey?: string;
  /** the provider's cause inside ESO's wrapper */
  cause?: string;
  /** the failure is in the Delete policy's clean-up */
  deleting: boolean;
}

interface PushRule {
  code: FindingCode;
  kind: 'cause' | 'context';
  evaluate(ctx: PushContext): Finding | undefined;
}

const WRITE_REF =
  /could not write remote ref (\S*) to target secretstore ([^\s:]+): ([\s\S]*)/;
const CLIENT = /could not get secrets client for store ([^\s:]+): ([\s\S]*)/;
const EXISTS_CHECK = /could not verify if secret exists in store: ([\s\S]*)/;
const DELETE =
  /(?:Failed to Delete Secrets from Provider|failed to cleanup provider secrets): ([\s\S]*)/;

function buildPushContext(input: PushSecretDiagnosisInput): PushContext {
  const ps = input.pushSecret ?? {};
  const namespace = String(ps.metadata?.namespace ?? '');
  const name = String(ps.metadata?.name ?? '');
  const ready = (ps.status?.conditions ?? []).find(c => c?.type === 'Ready');
  const failing = input.classification.state === 'Error';
  const warning =
    failing && input.warning?.message ? input.warning.message : undefined;
  const text = boundText(
    warning ?? (failing ? ready?.message : undefined) ?? '',
  ).text;
  const write = WRITE_REF.exec(text);
  const client = CLIENT.exec(text);
  const exists = EXISTS_CHECK.exec(text);
  const deletion = DELETE.exec(text);
  return {
    input,
    namespace,
    name,
    ref: `${namespace}/${name}`,
    describe: describeCommand('pushsecret', name, namespace),
    failing,
    reason: ready?.reason,
    text,
    signals: parseErrorText([text]),
    failingStore: write?.[2] ?? client?.[1],
    failingKey: write?.[1],
    cause: write?.[3] ?? client?.[2] ?? exists?.[1] ?? deletion?.[1],
    deleting: !!deletion,
  };
}

const sourceName = (ctx: PushContext) =>
  ctx.input.pushSecret.spec?.selector?.secret?.name ?? '<source>';

/** The capability a denied Vault call needed, from the failing response. */
function neededCapability(response: VaultResponse | undefined): {
  capability: string;
  path?: string;
} {
  if (!response?.path) {
    return { capability: '"read", "create" and "update"' };
  }
  const method = (response.method ?? '').toUpperCase();
  if (method === 'DELETE') {
    return { capability: '"delete"', path: response.path };
  }
  if (method === 'GET' || method === 'LIST') {
    return {
      capability: response.list ? '"list"' : '"read"',
      path: response.path,
    };
  }
  return { capability: '"create" and "update"', path: response.path };
}

const pushSourceMissing: PushRule = {
  code: 'PUSH_SOURCE_SECRET_MISSING',
  kind: 'cause',
  evaluate: ctx =>
    ctx.failing && /^could not get source secret\b/.test(ctx.text)
      ? {
          code: 'PUSH_SOURCE_SECRET_MISSING',
          severity: 'error',
          summary: `ESO cannot read the source Secret "${sourceName(
            ctx,
          )}" of PushSecret ${ctx.ref}: it does not exist in namespace ${
            ctx.namespace
          } (or ESO may not read it), so nothing is pushed.`,
          fix: `Create the Secret "${sourceName(ctx)}" in namespace ${
            ctx.namespace
          }, or point spec.selector.secret.name at the Secret to push ("kubectl -n ${
            ctx.namespace
          } get secret ${sourceName(ctx)}").`,
          evidence: { pushSecret: ctx.ref, sourceSecret: sourceName(ctx) },
        }
      : undefined,
};

const pushKeyMissing: PushRule = {
  code: 'PUSH_SECRET_KEY_MISSING',
  kind: 'cause',
  evaluate: ctx => {
    const key = /\bsecret key (\S+) does not exist\b/.exec(ctx.text)?.[1];
    if (!ctx.failing || !key) return undefined;
    return {
      code: 'PUSH_SECRET_KEY_MISSING',
      severity: 'error',
      summary: `PushSecret ${
        ctx.ref
      } pushes the key "${key}", but the source Secret "${sourceName(
        ctx,
      )}" has no such key.`,
      fix: `Fix spec.data[].match.secretKey to one of the Secret's keys ("kubectl -n ${
        ctx.namespace
      } describe secret ${sourceName(
        ctx,
      )}" lists them), or leave secretKey empty to push the whole Secret.`,
      evidence: { pushSecret: ctx.ref, secretKey: key },
    };
  },
};

const pushNotManaged: PushRule = {
  code: 'PUSH_NOT_MANAGED_BY_ESO',
  kind: 'cause',
  evaluate: ctx => {
    if (
      !ctx.failing ||
      !/secret not managed by external-secrets/.test(ctx.text)
    ) {
      return undefined;
    }
    const remote = remoteKeyOf(ctx);
    return {
      code: 'PUSH_NOT_MANAGED_BY_ESO',
      severity: 'error',
      summary: `Vault already holds a secret${
        remote ? ` at "${remote}"` : ''
      } that ESO did not write (its custom_metadata has no managed-by: external-secrets), and ESO refuses to overwrite it.`,
      fix: `Push to a key nobody else writes; or, if ESO should own the existing secret, add the marker ("vault kv metadata put -custom-metadata=managed-by=external-secrets <mount>/${
        remote ?? '<key>'
      }"); or set spec.updatePolicy: IfNotExists to leave it alone.`,
      evidence: { pushSecret: ctx.ref, remoteKey: remote ?? '' },
    };
  },
};

/** The remote key of the failing entry, from the spec (ESO names the source key). */
function remoteKeyOf(ctx: PushContext): string | undefined {
  const entries = ctx.input.pushSecret.spec?.data ?? [];
  const entry =
    entries.find(d => (d?.match?.secretKey ?? '') === (ctx.failingKey ?? '')) ??
    (entries.length === 1 ? entries[0] : undefined);
  return entry?.match?.remoteRef?.remoteKey;
}

const pushPolicyDenies: PushRule = {
  code: 'PUSH_POLICY_DENIES',
  kind: 'cause',
  evaluate: ctx => {
    const s = ctx.signals;
    const pushing =
      WRITE_REF.test(ctx.text) ||
      EXISTS_CHECK.test(ctx.text) ||
      ctx.deleting ||
      /could not delete secret/.test(ctx.text);
    if (
      !ctx.failing ||
      !pushing ||
      !s.permissionDenied ||
      s.notVault ||
      s.operation === 'login' ||
      s.operation === 'token-lookup' ||
      (s.code !== undefined && s.code !== 403)
    ) {
      return undefined;
    }
    const response = s.responses.find(r => r.code === 403);
    const { capability, path } = neededCapability(response);
    const store = ctx.failingStore ?? ctx.input.stores[0]?.name ?? '<store>';
    let why =
      'ESO reads the secret and its metadata, then writes the metadata (managed-by) and the data';
    if (ctx.deleting) {
      why =
        'deletionPolicy: Delete needs it to remove what the PushSecret pushed';
    } else if (EXISTS_CHECK.test(ctx.text)) {
      why =
        'updatePolicy: IfNotExists reads first to see whether the secret exists';
    }
    return {
      code: 'PUSH_POLICY_DENIES',
      severity: 'error',
      summary: `Vault denied the push of PushSecret ${
        ctx.ref
      } through store ${store}: the store role's policies lack ${capability}${
        path ? ` on ${path}` : ''
      } (${why}).`,
      fix: `Grant the store's Vault role ${capability} on ${
        path ?? '<mount>/data/<key> and <mount>/metadata/<key>'
      }${
        path && /\/data\//.test(path)
          ? ` and on ${path.replace('/data/', '/metadata/')}`
          : ''
      } in its policy, or push with a store whose role may write there.`,
      evidence: {
        pushSecret: ctx.ref,
        store,
        path: path ?? '',
      },
    };
  },
};

const pushCasRequired: PushRule = {
  code: 'PUSH_CAS_REQUIRED',
  kind: 'cause',
  evaluate: ctx =>
    ctx.failing &&
    /check-and-set parameter required for this call/.test(ctx.signals.lower)
      ? {
          code: 'PUSH_CAS_REQUIRED',
          severity: 'error',
          summary: `The Vault KV mount (or the key) requires check-and-set, and store ${
            ctx.failingStore ?? ctx.input.stores[0]?.name ?? '<store>'
          } pushes without it, so Vault refuses every write of PushSecret ${
            ctx.ref
          }.`,
          fix: 'Set spec.provider.vault.checkAndSet.required: true on the store (ESO then sends the current version), or drop cas_required on the mount or key metadata.',
          evidence: { pushSecret: ctx.ref },
        }
      : undefined,
};

const pushStoreMissing: PushRule = {
  code: 'STORE_MISSING',
  kind: 'cause',
  evaluate: ctx => {
    const named = ctx.signals.eso.storeNotFound;
    if (!ctx.failing || !named) return undefined;
    const ref = ctx.input.stores.find(s => s.name === named);
    const kind = ref?.kind ?? 'SecretStore';
    return {
      code: 'STORE_MISSING',
      severity: 'error',
      summary: `PushSecret ${
        ctx.ref
      } pushes to ${kind} "${named}", which does not exist${
        kind === 'SecretStore' ? ` in namespace ${ctx.namespace}` : ''
      }.`,
      fix: `Create the ${kind} or fix spec.secretStoreRefs ("kubectl get ${kind.toLowerCase()}${
        kind === 'SecretStore' ? ` -n ${ctx.namespace}` : ''
      }").`,
      evidence: { pushSecret: ctx.ref, store: `${kind}/${named}` },
    };
  },
};

const pushSourceDeleted: PushRule = {
  code: 'PUSH_SOURCE_DELETED',
  kind: 'cause',
  evaluate: ctx =>
    ctx.reason === 'SourceDeleted'
      ? {
          code: 'PUSH_SOURCE_DELETED',
          severity: 'warning',
          summary: `The source Secret "${sourceName(ctx)}" of PushSecret ${
            ctx.ref
          } is gone, and with deletionPolicy: Delete ESO removed what it had pushed to Vault.`,
          fix: `Re-create the Secret "${sourceName(
            ctx,
          )}" to push again, or delete the PushSecret if the value is no longer needed.`,
          evidence: { pushSecret: ctx.ref, sourceSecret: sourceName(ctx) },
        }
      : undefined,
};

const pushDeleteFailed: PushRule = {
  code: 'PUSH_DELETE_FAILED',
  kind: 'context',
  evaluate: ctx =>
    ctx.failing && ctx.deleting
      ? {
          code: 'PUSH_DELETE_FAILED',
          severity: 'warning',
          summary: `PushSecret ${ctx.ref} has deletionPolicy: Delete and ESO could not remove keys it pushed earlier (an entry, a store or the source left the spec); until it can, the old values stay in Vault and the PushSecret keeps failing.`,
          fix: 'Fix the cause below (the store must be able to delete what it pushed), or set deletionPolicy: None to leave pushed values in Vault.',
          evidence: { pushSecret: ctx.ref },
        }
      : undefined,
};

const pushIfNotExistsKept: PushRule = {
  code: 'PUSH_IF_NOT_EXISTS_KEPT',
  kind: 'context',
  evaluate: ctx => {
    const ready = (ctx.input.pushSecret.status?.conditions ?? []).find(
      c => c?.type === 'Ready',
    );
    if (
      ctx.failing ||
      ready?.status !== 'True' ||
      !/Existing secrets in providers unchanged/.test(ready.message ?? '')
    ) {
      return undefined;
    }
    return {
      code: 'PUSH_IF_NOT_EXISTS_KEPT',
      severity: 'info',
      summary: `PushSecret ${ctx.ref} has updatePolicy: IfNotExists: keys that already existed in Vault were left as they were, so a changed source Secret does not reach Vault although the PushSecret shows synced.`,
      fix: 'Nothing to do if Vault is meant to keep the first value. To push changes, set spec.updatePolicy: Replace.',
      evidence: { pushSecret: ctx.ref },
    };
  },
};

/** Every PushSecret rule, in the order their findings are listed. */
export const PUSH_RULES: readonly PushRule[] = [
  pushSourceDeleted,
  pushSourceMissing,
  pushKeyMissing,
  pushStoreMissing,
  pushNotManaged,
  pushCasRequired,
  pushPolicyDenies,
  pushDeleteFailed,
  pushIfNotExistsKept,
];

/**
 * Store-side causes the ExternalSecret rules name from the provider's error alone (login, TLS,
 * transport, Vault's health, store conditions): they mean the same for a push.
 */
const STORE_SIDE: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'VAULT_LOGIN_DENIED',
  'VAULT_AUTH_HOST_MISMATCH',
  'VAULT_AUTH_CA_MISMATCH',
  'REVIEWER_JWT_REJECTED',
  'ROLE_BINDING_MISMATCH',
  'ROLE_MISSING',
  'AUDIENCE_MISMATCH',
  'ISSUER_INVALID',
  'VAULT_CA_UNTRUSTED',
  'VAULT_TLS_HOSTNAME_MISMATCH',
  'VAULT_CERT_EXPIRED',
  'VAULT_CONNECTION_FAILED',
  'VAULT_UNREACHABLE',
  'VAULT_SEALED',
  'VAULT_RATE_LIMITED',
  'VAULT_NOT_ANSWERING_AS_VAULT',
  'VAULT_MOUNT_NOT_FOUND',
  'VAULT_TOKEN_REJECTED',
  'STORE_NAMESPACE_NOT_ALLOWED',
  'SERVICE_ACCOUNT_NOT_FOUND',
  'SERVICE_ACCOUNT_REF_FOREIGN_NAMESPACE',
]);

/** Store-side causes, found by the ExternalSecret rules on the provider error ESO wrapped. */
function storeSideFindings(ctx: PushContext): Finding[] {
  if (!ctx.failing || ctx.text === '') return [];
  const named = ctx.failingStore;
  const ref =
    ctx.input.stores.find(s => s.name === named) ?? ctx.input.stores[0];
  if (!ref?.store) return [];
  const esRef = `ExternalSecret ${ctx.ref}`;
  const findings = diagnose({
    externalSecret: {
      metadata: { namespace: ctx.namespace, name: ctx.name },
      spec: { secretStoreRef: { kind: ref.kind, name: ref.name } },
      status: {
        conditions: [{ type: 'Ready', status: 'False', message: ctx.text }],
      },
    },
    classification: { ...ctx.input.classification, state: 'Error' },
    storeKind: ref.kind,
    storeName: ref.name,
    store: ref.store,
    externalSecretWarning: { type: 'Warning', message: ctx.text },
    storeWarning: ref.warning,
    targetExists: true,
    cluster: ctx.input.cluster,
  });
  return findings
    .filter(f => STORE_SIDE.has(f.code))
    .map(f => ({
      ...f,
      summary: f.summary.split(esRef).join(`PushSecret ${ctx.ref}`),
      fix: f.fix
        .split(describeCommand('externalsecret', ctx.name, ctx.namespace))
        .join(ctx.describe),
    }));
}

function unrecognised(ctx: PushContext): Finding {
  const excerpt =
    ctx.text.length > 600 ? `${ctx.text.slice(0, 600)}…` : ctx.text;
  return {
    code: 'UNRECOGNISED_ERROR',
    severity: 'error',
    summary: excerpt
      ? `ESO reports an error diagnosis does not recognise on PushSecret ${ctx.ref}: ${excerpt}`
      : `ESO reports PushSecret ${ctx.ref} failing${
          ctx.reason ? ` (${ctx.reason})` : ''
        } without saying why; its Warning events may have expired.`,
    fix: `Run "${ctx.describe}" and read its Warning events and conditions; ESO's controller log has the same error with more context.`,
    evidence: {
      object: `PushSecret ${ctx.ref}`,
      message: excerpt.slice(0, MAX_MESSAGE_CHARS),
    },
  };
}

/** The codes of the push rules that name a cause. */
export const PUSH_CAUSE_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  ...PUSH_RULES.filter(r => r.kind === 'cause').map(r => r.code),
  ...STORE_SIDE,
  'UNRECOGNISED_ERROR',
]);

/**
 * Names what is wrong with one PushSecret and how to fix it. Pure; when it fails and no rule
 * names a cause, the raw error is shown as `UNRECOGNISED_ERROR`.
 */
export function diagnosePushSecret(input: PushSecretDiagnosisInput): Finding[] {
  const ctx = buildPushContext(input);
  const findings: Finding[] = [];
  for (const rule of PUSH_RULES) {
    const finding = rule.evaluate(ctx);
    if (finding) findings.push(finding);
  }
  const hasCause = () => findings.some(f => PUSH_CAUSE_CODES.has(f.code));
  if (ctx.failing && !hasCause()) {
    findings.push(...storeSideFindings(ctx));
  }
  if (ctx.failing && !hasCause()) {
    findings.push(unrecognised(ctx));
  }
  const rank = (f: Finding) => (PUSH_CAUSE_CODES.has(f.code) ? 0 : 1);
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => rank(a.finding) - rank(b.finding) || a.index - b.index)
    .map(({ finding }) => finding);
}
