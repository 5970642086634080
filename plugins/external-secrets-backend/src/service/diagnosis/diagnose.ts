import {
  capabilitiesFor,
  Classification,
  EventLike,
  Finding,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ExternalSecretObject,
  KubernetesAuthConfigInfo,
  KubernetesRoleInfo,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';

/**
 * What diagnosis learned from Vault's configuration for one store. `null` means "read, and it
 * does not exist"; `undefined` means "not read".
 */
export interface VaultFacts {
  authConfig?: KubernetesAuthConfigInfo | null;
  role?: KubernetesRoleInfo | null;
  /** policy name → policy text (null when the policy does not exist) */
  policies?: Record<string, string | null>;
  /** remoteRef key → whether the KV secret exists (from its metadata, never its data) */
  kvExists?: Record<string, boolean>;
  kvVersion?: 1 | 2;
  /** why Vault could not be read, when it could not */
  error?: string;
}

/** Everything diagnosis looks at for one ExternalSecret; all of it already in memory. */
export interface DiagnosisInput {
  externalSecret: ExternalSecretObject;
  classification: Classification;
  storeKind: string;
  storeName: string;
  /** undefined when the referenced store does not exist in the cluster */
  store?: SecretStoreObject;
  externalSecretWarning?: EventLike;
  storeWarning?: EventLike;
  targetExists: boolean;
  cluster: { name: string; url?: string; caData?: string };
  vault?: VaultFacts;
}

const has = (text: string, pattern: RegExp) => pattern.test(text);

function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const defaultPorts: Record<string, string> = {
      'https:': '443',
      'http:': '80',
    };
    const port = parsed.port || defaultPorts[parsed.protocol] || '';
    return `${
      parsed.protocol
    }//${parsed.hostname.toLowerCase()}:${port}${parsed.pathname.replace(
      /\/+$/,
      '',
    )}`;
  } catch {
    return url.trim().replace(/\/+$/, '');
  }
}

/** The certificates of a PEM bundle, whitespace-insensitive, so formatting never differs. */
function pemBodies(pem: string): string[] {
  return [
    ...pem.matchAll(
      /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g,
    ),
  ]
    .map(m => m[1].replace(/\s+/g, ''))
    .sort();
}

function decodeCaData(caData: string): string {
  const text = caData.trim();
  return text.includes('-----BEGIN')
    ? text
    : Buffer.from(text, 'base64').toString('utf8');
}

function samePem(a: string, b: string): boolean {
  const left = pemBodies(a);
  const right = pemBodies(b);
  return (
    left.length > 0 &&
    left.length === right.length &&
    left.every((c, i) => c === right[i])
  );
}

function boundTo(list: string[], value: string | undefined): boolean {
  if (list.includes('*')) {
    return true;
  }
  return value !== undefined && list.includes(value);
}

/** The remoteRef key a wrapped ESO error names: `... (key: K), err: ...` or `..., key: K, err:`. */
function failingKey(message: string): string | undefined {
  const match = /\(key: ([^)]+)\)|key: ([^,\s]+), err/.exec(message);
  return (match?.[1] ?? match?.[2])?.trim();
}

function missingProperty(message: string): string | undefined {
  return /cannot find secret data for key:?\s*"?([^"\s]+)"?/i.exec(
    message,
  )?.[1];
}

/**
 * Names what is wrong with one ExternalSecret, and how to fix it, from the objects in the cache,
 * ESO's Warning Events and what Vault's configuration says. Pure: the same input always gives
 * the same findings. Evidence holds object names and Vault paths, never values.
 */
export function diagnose(input: DiagnosisInput): Finding[] {
  const findings: Finding[] = [];
  const add = (finding: Finding) => {
    if (
      !findings.some(
        f =>
          f.code === finding.code &&
          JSON.stringify(f.evidence) === JSON.stringify(finding.evidence),
      )
    ) {
      findings.push(finding);
    }
  };
  const es = input.externalSecret;
  const esName = `${es.metadata?.namespace}/${es.metadata?.name}`;
  const { classification: c } = input;
  const vaultSpec = input.store?.spec?.provider?.vault;
  const k8sAuth = vaultSpec?.auth?.kubernetes;
  const serviceAccount = k8sAuth?.serviceAccountRef;
  const mount = (vaultSpec?.path ?? '').replace(/\/+$/, '');
  const kvVersion =
    input.vault?.kvVersion ?? (vaultSpec?.version === 'v1' ? 1 : 2);
  const storeRef = `${input.storeKind}/${input.storeName}`;
  const storeReady = input.store?.status?.conditions?.find(
    x => x.type === 'Ready',
  );
  const esReady = es.status?.conditions?.find(x => x.type === 'Ready');
  const text = [
    input.externalSecretWarning?.message,
    input.storeWarning?.message,
    esReady?.status === 'False' ? esReady.message : undefined,
    storeReady?.status === 'False' ? storeReady.message : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  const lower = text.toLowerCase();
  const failing = c.state === 'Error' || storeReady?.status === 'False';
  const loginFailed =
    failing &&
    has(
      lower,
      /unable to log in|error from vault request|auth\/[^/\s]*\/?login|kubernetes auth/,
    );
  const saRejected = has(
    lower,
    /service account name not authorized|namespace not authorized/,
  );
  const audienceRejected = has(lower, /invalid audience/);
  const issuerRejected = has(
    lower,
    /claim "iss" is invalid|iss claim|invalid issuer/,
  );
  const loginDenied =
    loginFailed &&
    has(lower, /permission denied/) &&
    !saRejected &&
    !audienceRejected &&
    !issuerRejected;
  const readDenied =
    failing &&
    !loginFailed &&
    has(lower, /permission denied/) &&
    has(lower, /cannot read secret data|code: 403|read/);
  const keyInError = failingKey(text);
  const remoteKeys = (es.spec?.data ?? [])
    .map(d => d.remoteRef?.key)
    .filter((k): k is string => !!k)
    .filter(k => !keyInError || k === keyInError);

  if (c.state === 'Pending') {
    add({
      code: 'NOT_PROCESSED',
      severity: 'info',
      summary: `The External Secrets Operator has not processed ExternalSecret ${esName} yet.`,
      fix: 'Check that ESO runs in the cluster and that its controller logs show no errors for this namespace; it reports within seconds when healthy.',
      evidence: { externalSecret: esName },
    });
  }

  if (!input.store) {
    add({
      code: 'STORE_MISSING',
      severity: 'error',
      summary: `The ${storeRef} that ExternalSecret ${esName} references does not exist.`,
      fix: `Create ${storeRef} (it is rendered with the service's manifests), or correct spec.secretStoreRef.`,
      evidence: { externalSecret: esName, store: storeRef },
    });
  } else {
    if (storeReady?.status === 'False' || has(lower, /is not ready/)) {
      add({
        code: 'STORE_NOT_READY',
        severity: 'error',
        summary: `${storeRef} is not ready${
          storeReady?.reason ? ` (${storeReady.reason})` : ''
        }, so nothing syncs through it.`,
        fix: `Run "kubectl describe ${input.storeKind.toLowerCase()} ${
          input.storeName
        }" and fix the error in its Warning events; the other findings here name the usual causes.`,
        evidence: { store: storeRef },
      });
    }
    if (vaultSpec && /(^|\/)data(\/|$)/.test(mount) && kvVersion === 2) {
      add({
        code: 'STORE_PATH_INCLUDES_DATA',
        severity: 'error',
        summary: `${storeRef} has path "${mount}", which includes "data"; ESO adds the KV v2 "data/" segment itself.`,
        fix: `Set spec.provider.vault.path to the mount only (e.g. "${
          mount.replace(/(^|\/)data(\/.*)?$/, '') || 'secret'
        }").`,
        evidence: { store: storeRef, path: mount },
      });
    }
  }

  if (
    failing &&
    has(
      lower,
      /x509:|cannot set vault ca certificate|failed to verify certificate|certificate signed by unknown authority/,
    )
  ) {
    add({
      code: 'VAULT_CA_UNTRUSTED',
      severity: 'error',
      summary: `ESO does not trust Vault's TLS certificate at ${
        vaultSpec?.server ?? 'the store server'
      }.`,
      fix: `Put the CA that signed Vault's certificate into ${storeRef}'s caProvider ConfigMap/Secret (or caBundle), and check that the server name matches the certificate.`,
      evidence: { store: storeRef, server: vaultSpec?.server ?? '' },
    });
  }
  if (failing && issuerRejected) {
    add({
      code: 'ISSUER_INVALID',
      severity: 'error',
      summary: "Vault rejects the service account token's issuer (iss claim).",
      fix: `Set "issuer" in Vault's auth/${
        k8sAuth?.mountPath ?? 'kubernetes'
      }/config to the cluster's service account issuer, or set disable_iss_validation=true.`,
      evidence: { store: storeRef, authMount: k8sAuth?.mountPath ?? '' },
    });
  }
  const roleAudience = input.vault?.role?.audience;
  const tokenAudiences = serviceAccount?.audiences;
  if (
    (failing && audienceRejected) ||
    (roleAudience &&
      tokenAudiences &&
      tokenAudiences.length > 0 &&
      !tokenAudiences.includes(roleAudience))
  ) {
    add({
      code: 'AUDIENCE_MISMATCH',
      severity: 'error',
      summary: `The token ESO presents has an audience the Vault role ${
        k8sAuth?.role ?? ''
      } does not accept.`,
      fix: `Make the role's "audience" equal one of ${storeRef}'s serviceAccountRef.audiences${
        roleAudience ? ` (role expects "${roleAudience}")` : ''
      }.`,
      evidence: {
        store: storeRef,
        role: k8sAuth?.role ?? '',
        roleAudience: roleAudience ?? '',
      },
    });
  }
  const role = input.vault?.role;
  if (input.vault && role === null) {
    add({
      code: 'ROLE_MISSING',
      severity: 'error',
      summary: `Vault has no role "${k8sAuth?.role}" under auth/${
        k8sAuth?.mountPath ?? 'kubernetes'
      }.`,
      fix: `Create the role (the vault:kubernetes-role:create action does it) or correct ${storeRef}'s auth.kubernetes.role.`,
      evidence: {
        store: storeRef,
        role: `auth/${k8sAuth?.mountPath ?? 'kubernetes'}/role/${
          k8sAuth?.role
        }`,
      },
    });
  } else if (failing && has(lower, /invalid role name/)) {
    add({
      code: 'ROLE_MISSING',
      severity: 'error',
      summary: `Vault does not know the role "${k8sAuth?.role}" that ${storeRef} logs in with.`,
      fix: `Create the role or correct ${storeRef}'s auth.kubernetes.role.`,
      evidence: { store: storeRef, role: k8sAuth?.role ?? '' },
    });
  }
  const bindingWrong =
    role &&
    serviceAccount &&
    (!boundTo(role.boundServiceAccountNames, serviceAccount.name) ||
      !boundTo(role.boundServiceAccountNamespaces, serviceAccount.namespace));
  if ((failing && saRejected) || bindingWrong) {
    add({
      code: 'ROLE_BINDING_MISMATCH',
      severity: 'error',
      summary: `Vault role ${
        k8sAuth?.role ?? ''
      } is not bound to the service account ${
        serviceAccount?.namespace ?? '?'
      }/${serviceAccount?.name ?? '?'} that ${storeRef} uses.`,
      fix: `Add "${serviceAccount?.name}" to bound_service_account_names and "${serviceAccount?.namespace}" to bound_service_account_namespaces of the role, or point serviceAccountRef at a bound account.`,
      evidence: {
        store: storeRef,
        role: k8sAuth?.role ?? '',
        serviceAccount: `${serviceAccount?.namespace ?? ''}/${
          serviceAccount?.name ?? ''
        }`,
        boundNames: role?.boundServiceAccountNames.join(',') ?? '',
        boundNamespaces: role?.boundServiceAccountNamespaces.join(',') ?? '',
      },
    });
  }
  if (loginDenied) {
    const config = input.vault?.authConfig;
    const hostMismatch =
      !!config &&
      !!input.cluster.url &&
      normalizeUrl(config.kubernetesHost) !== normalizeUrl(input.cluster.url);
    const caMismatch =
      !!config &&
      !!input.cluster.caData &&
      !samePem(config.kubernetesCaCert, decodeCaData(input.cluster.caData));
    const authPath = `auth/${k8sAuth?.mountPath ?? 'kubernetes'}/config`;
    if (hostMismatch) {
      add({
        code: 'VAULT_AUTH_HOST_MISMATCH',
        severity: 'error',
        summary: `Vault's ${authPath} points at ${
          config!.kubernetesHost
        }, not at cluster ${input.cluster.name} (${
          input.cluster.url
        }), so every TokenReview fails.`,
        fix: `Write ${authPath} with kubernetes_host=${input.cluster.url} (and this cluster's CA).`,
        evidence: {
          authConfig: authPath,
          kubernetesHost: config!.kubernetesHost,
          clusterUrl: input.cluster.url!,
        },
      });
    }
    if (caMismatch) {
      add({
        code: 'VAULT_AUTH_CA_MISMATCH',
        severity: 'error',
        summary: `Vault's ${authPath} holds a kubernetes_ca_cert that is not cluster ${input.cluster.name}'s CA, so Vault cannot reach the TokenReview API.`,
        fix: `Write ${authPath} with kubernetes_ca_cert set to the cluster's CA (kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d).`,
        evidence: { authConfig: authPath, cluster: input.cluster.name },
      });
    }
    if (!hostMismatch && !caMismatch) {
      add({
        code: 'REVIEWER_JWT_REJECTED',
        severity: 'error',
        summary: config
          ? `Login to Vault fails with "permission denied" although ${authPath} matches the cluster: the token reviewer JWT is expired, from another cluster, or lacks system:auth-delegator.`
          : 'Login to Vault fails with "permission denied" (TokenReview failed): the token reviewer JWT, the Kubernetes host or the CA in Vault\'s auth config is wrong.',
        fix: `Create a fresh long-lived token for Vault's reviewer service account (bound to ClusterRole system:auth-delegator) and write it as token_reviewer_jwt to ${authPath}.`,
        evidence: {
          authConfig: authPath,
          role: k8sAuth?.role ?? '',
          configChecked: config ? 'yes' : 'no',
        },
      });
    }
  }

  const policyTexts = Object.values(input.vault?.policies ?? {}).filter(
    (p): p is string => !!p,
  );
  if (c.state === 'Error' && role && input.vault?.policies && mount) {
    for (const key of remoteKeys) {
      const dataPath =
        kvVersion === 2 ? `${mount}/data/${key}` : `${mount}/${key}`;
      if (capabilitiesFor(policyTexts, dataPath).includes('read')) {
        continue;
      }
      const policies = role.tokenPolicies.join(',');
      if (
        kvVersion === 2 &&
        capabilitiesFor(policyTexts, `${mount}/${key}`).includes('read')
      ) {
        add({
          code: 'POLICY_MISSING_KV2_DATA_PATH',
          severity: 'error',
          summary: `Policies ${policies} grant read on ${mount}/${key} but KV v2 reads ${dataPath}: the "data/" segment is missing.`,
          fix: `Change the policy path to "${mount}/data/${
            key.split('/')[0]
          }/*" (KV v2 needs data/ in policies, not in ExternalSecret keys).`,
          evidence: { policies, path: dataPath, role: k8sAuth?.role ?? '' },
        });
      } else {
        add({
          code: 'POLICY_DENIES_PATH',
          severity: 'error',
          summary: `No rule in policies ${policies || '(none)'} of role ${
            k8sAuth?.role ?? ''
          } grants read on ${dataPath}.`,
          fix: `Add path "${dataPath}" { capabilities = ["read"] } (or a covering "${dataPath.replace(
            /[^/]+$/,
            '*',
          )}") to a policy of the role.`,
          evidence: { policies, path: dataPath, role: k8sAuth?.role ?? '' },
        });
      }
    }
  } else if (readDenied) {
    add({
      code: 'POLICY_DENIES_PATH',
      severity: 'error',
      summary: `Vault denies ESO's read of ${
        keyInError ?? 'a remoteRef key'
      }: the role's policies do not cover it.`,
      fix: `Grant read on "${mount || '<mount>'}/${
        kvVersion === 2 ? 'data/' : ''
      }${keyInError ?? '<key>'}" in a policy of role ${k8sAuth?.role ?? ''}.`,
      evidence: {
        path: `${mount}/${kvVersion === 2 ? 'data/' : ''}${keyInError ?? ''}`,
        role: k8sAuth?.role ?? '',
      },
    });
  }

  const property = missingProperty(text);
  if (c.state === 'Error' && property) {
    add({
      code: 'PROPERTY_MISSING',
      severity: 'error',
      summary: `The Vault secret ${
        keyInError ?? ''
      } has no property "${property}".`.replace('  ', ' '),
      fix: `Add "${property}" to the secret in Vault (vault kv patch ${
        mount || '<mount>'
      }/${
        keyInError ?? '<key>'
      } ${property}=...), or correct remoteRef.property.`,
      evidence: {
        key: keyInError ?? '',
        property,
        path: keyInError
          ? `${mount}/${kvVersion === 2 ? 'data/' : ''}${keyInError}`
          : '',
      },
    });
  }
  const missingKeys = new Set<string>();
  if (
    c.state === 'Error' &&
    has(lower, /secret does not exist|secret not found/)
  ) {
    (keyInError ? [keyInError] : remoteKeys).forEach(k => missingKeys.add(k));
  }
  for (const [key, exists] of Object.entries(input.vault?.kvExists ?? {})) {
    if (!exists && c.state === 'Error') missingKeys.add(key);
  }
  for (const key of missingKeys) {
    add({
      code: 'SECRET_PATH_MISSING',
      severity: 'error',
      summary: `There is no secret at ${mount || '<mount>'}/${key} in Vault.`,
      fix: `Write it (vault kv put ${
        mount || '<mount>'
      }/${key} ...; the vault:kv:seed action does it), or correct remoteRef.key.`,
      evidence: {
        key,
        path: `${mount}/${kvVersion === 2 ? 'metadata/' : ''}${key}`,
      },
    });
  }

  if (c.stale || c.behindSpec) {
    add({
      code: 'STALE_SYNC',
      severity: 'warning',
      summary: c.behindSpec
        ? `ESO has not processed the current spec of ${esName} yet.`
        : `The last successful sync of ${esName} was at ${c.lastSyncTime}, more than twice its refresh interval ago.`,
      fix: 'Check that ESO is running and not rate-limited; press "Sync now" (force-sync) and watch the ExternalSecret\'s events.',
      evidence: { externalSecret: esName, lastSyncTime: c.lastSyncTime ?? '' },
    });
  }
  if ((c.state === 'Synced' || c.state === 'Stale') && !input.targetExists) {
    const target = es.spec?.target?.name ?? es.metadata?.name ?? '';
    add({
      code: 'TARGET_SECRET_MISSING',
      severity: 'error',
      summary: `ESO reports a sync, but the target Secret ${es.metadata?.namespace}/${target} does not exist.`,
      fix: 'Press "Sync now" to recreate it; if it disappears again, look for another controller or a person deleting it.',
      evidence: { secret: `${es.metadata?.namespace}/${target}` },
    });
  }
  if (input.vault?.error) {
    add({
      code: 'VAULT_UNREACHABLE',
      severity: 'warning',
      summary: `Diagnosis could not read Vault's configuration: ${input.vault.error}`,
      fix: "Findings that need Vault's side are missing until it answers; check externalSecrets.vault in app-config and Vault's health.",
      evidence: { server: vaultSpec?.server ?? '' },
    });
  }
  return findings;
}
