import {
  explainCapabilities,
  kvApiPath,
  vaultPolicyProblem,
  type Finding,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { DiagnosisContext, RefTarget, Rule } from '../types';
import {
  capitalize,
  listDenied,
  noSpecificMessage,
  policyPhrase,
  readDenied,
} from './helpers';

/** The role's policies as diagnosis can evaluate them, or undefined without Vault facts. */
export function policyView(ctx: DiagnosisContext):
  | {
      names: string[];
      texts: string[];
      unparseable: Array<{ name: string; problem: string }>;
    }
  | undefined {
  const role = ctx.facts?.role;
  const policies = ctx.facts?.policies;
  if (!role || !policies || !ctx.mount) {
    return undefined;
  }
  const texts: string[] = [];
  const unparseable: Array<{ name: string; problem: string }> = [];
  for (const [name, text] of Object.entries(policies)) {
    if (typeof text !== 'string') {
      continue;
    }
    const problem = vaultPolicyProblem(text);
    if (problem) {
      unparseable.push({ name, problem });
    } else {
      texts.push(text);
    }
  }
  return { names: role.tokenPolicies, texts, unparseable };
}

function grants(texts: string[], path: string, capability: 'read' | 'list') {
  return explainCapabilities(texts, path).capabilities.includes(capability);
}

/**
 * The refs the policy facts can be checked for: when ESO says the read (or LIST) was denied,
 * or says nothing specific. A message naming another cause (property missing, login failed)
 * proves the policy is not what fails now.
 */
function refsToCheck(
  ctx: DiagnosisContext,
  kind: 'read' | 'list',
): RefTarget[] {
  const denied =
    kind === 'read'
      ? readDenied(ctx)
      : listDenied(ctx) || ctx.error.eso.findEmpty;
  if (!denied && !noSpecificMessage(ctx)) {
    return [];
  }
  const refs = denied ? ctx.failingRefs : ctx.refs;
  return refs.filter(r =>
    kind === 'list' ? r.source === 'find' : r.source !== 'find',
  );
}

/** The KV v2 policy forgot `data/`: it grants read on `<mount>/<key>`, ESO reads `<mount>/data/<key>`. */
export const policyMissingKv2DataPath: Rule = {
  code: 'POLICY_MISSING_KV2_DATA_PATH',
  kind: 'cause',
  evaluate: ctx => {
    const view = policyView(ctx);
    if (!view || view.unparseable.length || ctx.storeKvVersion !== 2) {
      return undefined;
    }
    const findings: Finding[] = [];
    for (const ref of refsToCheck(ctx, 'read')) {
      const withoutData = kvApiPath(ctx.mount, ref.key, 1);
      if (
        grants(view.texts, ref.path, 'read') ||
        !grants(view.texts, withoutData, 'read')
      ) {
        continue;
      }
      const phrase = policyPhrase(view.names);
      findings.push({
        code: 'POLICY_MISSING_KV2_DATA_PATH',
        severity: 'error',
        summary: `${capitalize(phrase.subject)} ${
          phrase.grants
        } read on ${withoutData}, but KV v2 reads ${
          ref.path
        }: the "data/" segment is missing.`,
        fix: `Change the policy path to "${ctx.mount}/data/${
          ref.key.split('/')[0]
        }/*" (KV v2 needs data/ in policies, not in ExternalSecret keys).`,
        evidence: {
          policies: view.names.join(','),
          path: ref.path,
          role: ctx.roleName ?? '',
        },
      });
    }
    return findings;
  },
};

/** No policy of the role grants read on the path ESO reads. */
export const policyDeniesPath: Rule = {
  code: 'POLICY_DENIES_PATH',
  kind: 'cause',
  evaluate: ctx => {
    const view = policyView(ctx);
    if (view && !view.unparseable.length) {
      const findings: Finding[] = [];
      let explainedByData = false;
      for (const ref of refsToCheck(ctx, 'read')) {
        if (grants(view.texts, ref.path, 'read')) {
          continue;
        }
        if (
          ctx.storeKvVersion === 2 &&
          grants(view.texts, kvApiPath(ctx.mount, ref.key, 1), 'read')
        ) {
          explainedByData = true; // POLICY_MISSING_KV2_DATA_PATH says it better
          continue;
        }
        const phrase = policyPhrase(view.names);
        findings.push({
          code: 'POLICY_DENIES_PATH',
          severity: 'error',
          summary: `No rule in ${phrase.subject} of role ${
            ctx.roleName ?? ''
          } grants read on ${ref.path}.`,
          fix: `Add path "${
            ref.path
          }" { capabilities = ["read"] } (or a covering "${ref.path.replace(
            /[^/]+$/,
            '*',
          )}") to a policy of the role.`,
          evidence: {
            policies: view.names.join(','),
            path: ref.path,
            role: ctx.roleName ?? '',
          },
        });
      }
      // When the policies seem to allow a read Vault denied, the message's word still stands.
      if (findings.length || explainedByData || !readDenied(ctx)) {
        return findings;
      }
    }
    if (!readDenied(ctx)) {
      return undefined;
    }
    const ref = ctx.failingRefs.find(r => r.source !== 'find');
    const path =
      ctx.error.responses.find(r => r.code === 403)?.path ??
      ref?.path ??
      kvApiPath(
        ctx.mount || '<mount>',
        ctx.failingKey ?? '<key>',
        ctx.storeKvVersion,
      );
    return {
      code: 'POLICY_DENIES_PATH',
      severity: 'error',
      summary: `Vault denies ESO's read of ${path}: the policies of role ${
        ctx.roleName ?? "(the store's)"
      } do not grant read on it.`,
      fix: `Grant read on "${path}" in a policy of role ${ctx.roleName ?? ''}${
        ctx.storeKvVersion === 2
          ? ' (KV v2 policies need the data/ segment)'
          : ''
      }.`,
      evidence: { path, role: ctx.roleName ?? '' },
    };
  },
};

/** `dataFrom.find` needs LIST (and read) on `<mount>/metadata/…`, which the policies lack. */
export const policyDeniesList: Rule = {
  code: 'POLICY_DENIES_LIST',
  kind: 'cause',
  evaluate: ctx => {
    const view = policyView(ctx);
    const finding = (path: string): Finding => ({
      code: 'POLICY_DENIES_LIST',
      severity: 'error',
      summary: `ESO cannot LIST ${path} for dataFrom.find: the policies of role ${
        ctx.roleName ?? "(the store's)"
      } do not grant list on it.`,
      fix: `Add path "${path.replace(
        /\/+$/,
        '',
      )}/*" { capabilities = ["list", "read"] } (and "${path.replace(
        /\/+$/,
        '',
      )}" with list) to a policy of the role; find reads each secret's metadata as well.`,
      evidence: { path, role: ctx.roleName ?? '' },
    });
    if (view && !view.unparseable.length) {
      const findings = refsToCheck(ctx, 'list')
        .filter(ref => !grants(view.texts, `${ref.path}/`, 'list'))
        .map(ref => finding(ref.path));
      if (findings.length || !listDenied(ctx)) {
        return findings;
      }
    }
    if (!listDenied(ctx)) {
      return undefined;
    }
    const path =
      ctx.error.responses.find(r => r.list)?.path ??
      ctx.refs.find(r => r.source === 'find')?.path ??
      '<mount>/metadata';
    return finding(path);
  },
};

/** A policy text diagnosis cannot evaluate: say so on the row instead of failing it. */
export const policyUnparseable: Rule = {
  code: 'POLICY_UNPARSEABLE',
  kind: 'context',
  evaluate: ctx => {
    if (!ctx.failing) {
      return undefined;
    }
    return policyView(ctx)?.unparseable.map(({ name, problem }) => ({
      code: 'POLICY_UNPARSEABLE',
      severity: 'warning',
      summary: `Policy "${name}" of role ${
        ctx.roleName ?? ''
      } could not be evaluated (${problem}), so whether it grants ESO's paths is not checked.`,
      fix: `Read it with "vault policy read ${name}" and compare its paths with the Vault paths of this ExternalSecret by hand.`,
      evidence: { policy: name, role: ctx.roleName ?? '' },
    }));
  },
};

/** The Vault secret exists but lacks the property ESO extracts. */
export const propertyMissing: Rule = {
  code: 'PROPERTY_MISSING',
  kind: 'cause',
  evaluate: ctx => {
    const property = ctx.error.eso.propertyMissing;
    if (!ctx.failing || property === undefined) {
      return undefined;
    }
    const ref = ctx.failingKey ? ctx.failingRefs[0] : undefined;
    const key = ctx.failingKey;
    return {
      code: 'PROPERTY_MISSING',
      severity: 'error',
      summary: key
        ? `The Vault secret ${key} has no property "${property}".`
        : `A Vault secret this ExternalSecret reads has no property "${property}".`,
      fix: `Add "${property}" to the secret in Vault (vault kv patch ${
        ctx.mount || '<mount>'
      }/${key ?? '<key>'} ${property}=...), or correct remoteRef.property.`,
      evidence: { key: key ?? '', property, path: ref?.path ?? '' },
    };
  },
};

/** The KV secret is not there (ESO: `Secret does not exist`; Vault metadata: none). */
export const secretPathMissing: Rule = {
  code: 'SECRET_PATH_MISSING',
  kind: 'cause',
  evaluate: ctx => {
    if (!ctx.failing) {
      return undefined;
    }
    const facts = ctx.facts;
    if (facts?.kvVersion && facts.kvVersion !== ctx.storeKvVersion) {
      return undefined; // KV_VERSION_MISMATCH explains the missing secret
    }
    const saysMissing = ctx.error.eso.secretMissing;
    const keys = new Set<string>();
    if (saysMissing) {
      const refs = ctx.failingRefs.filter(r => r.source !== 'find');
      refs.forEach(r => {
        // Vault's metadata saying the secret exists contradicts a missing path.
        if (facts?.kvExists?.[r.key] !== true) keys.add(r.key);
      });
    }
    if (saysMissing || noSpecificMessage(ctx)) {
      for (const [key, exists] of Object.entries(facts?.kvExists ?? {})) {
        if (!exists) keys.add(key);
      }
    }
    return [...keys].map(key => ({
      code: 'SECRET_PATH_MISSING',
      severity: 'error',
      summary: `There is no secret at ${kvApiPath(
        ctx.mount || '<mount>',
        key,
        ctx.storeKvVersion,
      )} in Vault.`,
      fix: `Write it (vault kv put ${
        ctx.mount || '<mount>'
      }/${key} ...; the vault:kv:seed action does it), or correct the key in the ExternalSecret.`,
      evidence: {
        key,
        path: kvApiPath(ctx.mount, key, ctx.storeKvVersion, 'metadata'),
      },
    }));
  },
};

/** The store's `version` is not the KV version of the mount: ESO reads the wrong paths. */
export const kvVersionMismatch: Rule = {
  code: 'KV_VERSION_MISMATCH',
  kind: 'cause',
  evaluate: ctx => {
    const mountVersion = ctx.facts?.kvVersion;
    if (
      !ctx.failing ||
      !ctx.vaultSpec ||
      !mountVersion ||
      mountVersion === ctx.storeKvVersion
    ) {
      return undefined;
    }
    const e = ctx.error;
    const consistent =
      e.eso.secretMissing ||
      readDenied(ctx) ||
      noSpecificMessage(ctx) ||
      /failed to find data field|failed to unmarshall json/.test(e.lower);
    if (!consistent) {
      return undefined;
    }
    return {
      code: 'KV_VERSION_MISMATCH',
      severity: 'error',
      summary: `${ctx.storeRef} says KV v${ctx.storeKvVersion}, but Vault's mount "${ctx.mount}" is KV v${mountVersion}, so ESO reads paths that do not exist.`,
      fix: `Set spec.provider.vault.version: v${mountVersion} on ${ctx.storeRef}.`,
      evidence: {
        store: ctx.storeRef,
        mount: ctx.mount,
        storeVersion: `v${ctx.storeKvVersion}`,
        mountVersion: `v${mountVersion}`,
      },
    };
  },
};

export const KV_RULES: Rule[] = [
  policyMissingKv2DataPath,
  policyDeniesPath,
  policyDeniesList,
  policyUnparseable,
  propertyMissing,
  secretPathMissing,
  kvVersionMismatch,
];
