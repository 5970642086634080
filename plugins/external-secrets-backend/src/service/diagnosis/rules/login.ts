import type { Finding } from '@gitops-secrets/plugin-external-secrets-common';
import type { DiagnosisContext, Rule } from '../types';
import {
  authConfigPath,
  bareLoginDenied,
  loginFactsApply,
  rolePath,
} from './helpers';

export function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
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

/** The certificates of a PEM bundle, whitespace-insensitive and sorted. */
export function pemBodies(pem: string): string[] {
  return [
    ...pem.matchAll(
      /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g,
    ),
  ]
    .map(m => m[1].replace(/\s+/g, ''))
    .sort();
}

function clusterCaPem(ctx: DiagnosisContext): string | undefined {
  const { caPem, caData } = ctx.input.cluster;
  if (caPem && pemBodies(caPem).length) {
    return caPem;
  }
  if (caData) {
    const trimmed = caData.trim();
    const pem = trimmed.includes('-----BEGIN')
      ? trimmed
      : Buffer.from(trimmed, 'base64').toString('utf8');
    return pemBodies(pem).length ? pem : undefined;
  }
  return undefined;
}

/**
 * Vault's auth config against the cluster the backend reaches: `undefined` for a side that
 * could not be compared (no config read, no cluster URL or CA known).
 */
export function compareAuthConfig(ctx: DiagnosisContext): {
  read: boolean;
  hostMatches?: boolean;
  caMatches?: boolean;
} {
  const config = ctx.facts?.authConfig;
  if (!config) {
    return { read: false };
  }
  const url = ctx.input.cluster.url;
  const hostMatches =
    url && config.kubernetesHost
      ? normalizeUrl(config.kubernetesHost) === normalizeUrl(url)
      : undefined;
  const clusterCa = clusterCaPem(ctx);
  let caMatches: boolean | undefined;
  if (clusterCa) {
    const vaultSide = pemBodies(config.kubernetesCaCert ?? '');
    const clusterSide = pemBodies(clusterCa);
    // Vault may trust a bundle: it matches when it holds every certificate of the cluster's CA.
    caMatches =
      vaultSide.length > 0 && clusterSide.every(c => vaultSide.includes(c));
  }
  return { read: true, hostMatches, caMatches };
}

/** Vault's plugin rejects the token's issuer (`iss`). */
export const issuerInvalid: Rule = {
  code: 'ISSUER_INVALID',
  kind: 'cause',
  evaluate: ctx => {
    if (!ctx.failing || !ctx.error.login.issuer) {
      return undefined;
    }
    return {
      code: 'ISSUER_INVALID',
      severity: 'error',
      summary: "Vault rejects the service account token's issuer (iss claim).",
      fix: `Set "issuer" in Vault's ${authConfigPath(
        ctx,
      )} to the cluster's service account issuer (kubectl get --raw /.well-known/openid-configuration), or set disable_iss_validation=true (the default since Vault 1.9). When each cluster has its own auth mount, check that auth.kubernetes.mountPath of ${
        ctx.storeRef
      } is this cluster's.`,
      evidence: { store: ctx.storeRef, authMount: ctx.authMount },
    };
  },
};

/** The token's audience is not the one the role expects. */
export const audienceMismatch: Rule = {
  code: 'AUDIENCE_MISMATCH',
  kind: 'cause',
  evaluate: ctx => {
    const roleAudience = ctx.facts?.role?.audience;
    const tokenAudiences = ctx.serviceAccount?.audiences;
    const fromMessage = ctx.failing && ctx.error.login.audience;
    const fromFacts =
      loginFactsApply(ctx) &&
      !!roleAudience &&
      !!tokenAudiences?.length &&
      !tokenAudiences.includes(roleAudience);
    if (!fromMessage && !fromFacts) {
      return undefined;
    }
    return {
      code: 'AUDIENCE_MISMATCH',
      severity: 'error',
      summary: `The token ESO presents has an audience that Vault role ${
        ctx.roleName ?? ''
      } does not accept.`,
      fix: `Make the role's "audience" equal one of ${
        ctx.storeRef
      }'s serviceAccountRef.audiences${
        roleAudience ? ` (the role expects "${roleAudience}")` : ''
      }, or set audiences on the store to the role's audience.`,
      evidence: {
        store: ctx.storeRef,
        role: ctx.roleName ?? '',
        roleAudience: roleAudience ?? '',
      },
    };
  },
};

/** The role the store logs in with does not exist under the auth mount. */
export const roleMissing: Rule = {
  code: 'ROLE_MISSING',
  kind: 'cause',
  evaluate: ctx => {
    const fromFacts = ctx.facts?.role === null && loginFactsApply(ctx);
    // Only the login answers "invalid role name", so the text alone is enough.
    const fromMessage = ctx.failing && ctx.error.login.invalidRole;
    if (!fromFacts && !fromMessage) {
      return undefined;
    }
    return {
      code: 'ROLE_MISSING',
      severity: 'error',
      summary: `Vault has no role "${ctx.roleName ?? ''}" under auth/${
        ctx.authMount
      }, which ${ctx.storeRef} logs in with.`,
      fix: `Create the role (the vault:kubernetes-role:create action does it) or correct auth.kubernetes.role (and mountPath) of ${ctx.storeRef}.`,
      evidence: { store: ctx.storeRef, role: rolePath(ctx) },
    };
  },
};

function bound(list: readonly string[], value: string | undefined): boolean {
  if (list.includes('*')) {
    return true;
  }
  return (
    value !== undefined &&
    list.some(entry =>
      entry.includes('*')
        ? new RegExp(
            `^${entry
              .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '.*')}$`,
          ).test(value)
        : entry === value,
    )
  );
}

/** The role is not bound to the service account (name or namespace) the store uses. */
export const roleBindingMismatch: Rule = {
  code: 'ROLE_BINDING_MISMATCH',
  kind: 'cause',
  evaluate: ctx => {
    const role = ctx.facts?.role;
    const sa = ctx.serviceAccount;
    const fromMessage =
      ctx.failing &&
      (ctx.error.login.serviceAccountName || ctx.error.login.namespace);
    // Without a namespace ESO requests the token in the ExternalSecret's namespace.
    const saNamespace = sa?.namespace ?? ctx.externalSecretRef.split('/')[0];
    const fromFacts =
      !!role &&
      !!sa?.name &&
      loginFactsApply(ctx) &&
      (!bound(role.boundServiceAccountNames, sa.name) ||
        (role.boundServiceAccountNamespaces.length > 0 &&
          !bound(role.boundServiceAccountNamespaces, saNamespace)));
    if (!fromMessage && !fromFacts) {
      return undefined;
    }
    let which = 'service account';
    if (ctx.error.login.serviceAccountName) which = 'service account name';
    else if (ctx.error.login.namespace) which = 'namespace';
    const account = `${saNamespace ?? '?'}/${sa?.name ?? '?'}`;
    return {
      code: 'ROLE_BINDING_MISMATCH',
      severity: 'error',
      summary: `Vault role ${
        ctx.roleName ?? ''
      } is not bound to the ${which} of ${account}, which ${
        ctx.storeRef
      } logs in as.`,
      fix: `Add "${sa?.name ?? '<name>'}" to bound_service_account_names and "${
        saNamespace ?? '<namespace>'
      }" to bound_service_account_namespaces of ${rolePath(
        ctx,
      )}, or point serviceAccountRef at an account the role is bound to.`,
      evidence: {
        store: ctx.storeRef,
        role: ctx.roleName ?? '',
        serviceAccount: account,
        boundNames: role?.boundServiceAccountNames.join(',') ?? '',
        boundNamespaces: role?.boundServiceAccountNamespaces.join(',') ?? '',
      },
    };
  },
};

/** Token auth: Vault rejects the token stored in the referenced Secret. */
export const vaultTokenRejected: Rule = {
  code: 'VAULT_TOKEN_REJECTED',
  kind: 'cause',
  evaluate: ctx => {
    const e = ctx.error;
    const tokenRef = ctx.vaultSpec?.auth?.tokenSecretRef;
    if (
      !ctx.failing ||
      !tokenRef ||
      e.operation !== 'token-lookup' ||
      !(e.code === 403 || e.permissionDenied)
    ) {
      return undefined;
    }
    const secret = `${tokenRef.namespace ?? ctx.storeNamespace ?? ''}/${
      tokenRef.name ?? ''
    }`;
    return {
      code: 'VAULT_TOKEN_REJECTED',
      severity: 'error',
      summary: `Vault rejects the token in Secret ${secret} (key ${
        tokenRef.key ?? 'token'
      }) that ${
        ctx.storeRef
      } uses: it is expired, revoked or from another Vault (namespace).`,
      fix: `Write a valid Vault token into Secret ${secret}; prefer Kubernetes auth, whose tokens renew themselves.`,
      evidence: { store: ctx.storeRef, secret },
    };
  },
};

function tokenReviewHost(ctx: DiagnosisContext): string | undefined {
  return /(https?:\/\/[^/"\s]+)\/apis\/authentication\.k8s\.io/.exec(
    ctx.error.text,
  )?.[1];
}

/**
 * Vault's `kubernetes_host` is not this cluster's API server: by comparison with the cluster,
 * or because Vault's TokenReview call to it fails to connect or hits another name.
 */
export const vaultAuthHostMismatch: Rule = {
  code: 'VAULT_AUTH_HOST_MISMATCH',
  kind: 'cause',
  evaluate: (ctx): Finding | undefined => {
    const e = ctx.error;
    const path = authConfigPath(ctx);
    const cluster = ctx.input.cluster;
    const fromMessage =
      ctx.failing && e.tokenReview && (!!e.transport || e.tls === 'hostname');
    if (fromMessage) {
      const host =
        tokenReviewHost(ctx) ?? ctx.facts?.authConfig?.kubernetesHost ?? '';
      const transportWords: Record<string, string> = {
        dns: 'the host name does not resolve from Vault',
        refused: 'the connection is refused',
      };
      const problem =
        e.tls === 'hostname'
          ? `the API server's certificate is not valid for that name${
              e.tlsNames ? ` (it is valid for ${e.tlsNames.validFor})` : ''
            }`
          : transportWords[e.transport ?? ''] ??
            'the connection fails or times out';
      return {
        code: 'VAULT_AUTH_HOST_MISMATCH',
        severity: 'error',
        summary: `Vault's TokenReview call to the Kubernetes API at ${
          host || 'its kubernetes_host'
        } fails: ${problem}. Vault's ${path} does not point at an API server it can reach.`,
        fix: `Write ${path} with kubernetes_host set to an address of cluster ${
          cluster.name
        }'s API server that Vault can reach and that its certificate covers${
          cluster.url ? ` (the backend uses ${cluster.url})` : ''
        }.`,
        evidence: {
          authConfig: path,
          kubernetesHost: host,
          cluster: cluster.name,
        },
      };
    }
    const compared = compareAuthConfig(ctx);
    if (!loginFactsApply(ctx) || compared.hostMatches !== false) {
      return undefined;
    }
    const config = ctx.facts!.authConfig!;
    return {
      code: 'VAULT_AUTH_HOST_MISMATCH',
      severity: 'error',
      summary: `Vault's ${path} points at ${config.kubernetesHost}, not at cluster ${cluster.name} (${cluster.url}), so every TokenReview fails.`,
      fix: `Write ${path} with kubernetes_host=${cluster.url} (and this cluster's CA).`,
      evidence: {
        authConfig: path,
        kubernetesHost: config.kubernetesHost,
        clusterUrl: cluster.url ?? '',
      },
    };
  },
};

/** Vault's `kubernetes_ca_cert` is not this cluster's CA. */
export const vaultAuthCaMismatch: Rule = {
  code: 'VAULT_AUTH_CA_MISMATCH',
  kind: 'cause',
  evaluate: ctx => {
    const e = ctx.error;
    const path = authConfigPath(ctx);
    const cluster = ctx.input.cluster;
    const fromMessage =
      ctx.failing && e.tokenReview && e.tls === 'unknown-authority';
    const compared = compareAuthConfig(ctx);
    const fromFacts =
      loginFactsApply(ctx) &&
      compared.caMatches === false &&
      compared.hostMatches !== false;
    if (!fromMessage && !fromFacts) {
      return undefined;
    }
    return {
      code: 'VAULT_AUTH_CA_MISMATCH',
      severity: 'error',
      summary: fromMessage
        ? `Vault does not trust the Kubernetes API server's certificate on its TokenReview call: the kubernetes_ca_cert in Vault's ${path} is not the CA of cluster ${cluster.name}.`
        : `Vault's ${path} holds a kubernetes_ca_cert that is not cluster ${cluster.name}'s CA, so Vault cannot verify the API server on its TokenReview call.`,
      fix: `Write ${path} with kubernetes_ca_cert set to the cluster's CA (kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d).`,
      evidence: { authConfig: path, cluster: cluster.name },
    };
  },
};

/**
 * A bare login 403 while Vault's auth config matches the cluster (host and CA compared): the
 * token reviewer JWT is what TokenReview refuses.
 */
export const reviewerJwtRejected: Rule = {
  code: 'REVIEWER_JWT_REJECTED',
  kind: 'cause',
  evaluate: ctx => {
    const path = authConfigPath(ctx);
    if (ctx.failing && ctx.error.tokenReviewForbidden) {
      return {
        code: 'REVIEWER_JWT_REJECTED',
        severity: 'error',
        summary:
          "The Kubernetes API refuses Vault's TokenReview: the account Vault reviews logins with may not create tokenreviews (it lacks ClusterRole system:auth-delegator).",
        fix: `Bind ClusterRole system:auth-delegator to the reviewer service account (the one whose token is token_reviewer_jwt in ${path}, or each logging-in account when Vault uses the client's own JWT).`,
        evidence: { authConfig: path, role: ctx.roleName ?? '' },
      };
    }
    if (!bareLoginDenied(ctx)) {
      return undefined;
    }
    const compared = compareAuthConfig(ctx);
    if (
      !compared.read ||
      compared.hostMatches !== true ||
      compared.caMatches !== true
    ) {
      return undefined;
    }
    const clientJwt = ctx.facts?.authConfig?.tokenReviewerJwtSet === false;
    return {
      code: 'REVIEWER_JWT_REJECTED',
      severity: 'error',
      summary: clientJwt
        ? `Login to Vault fails with "permission denied" although ${path} matches the cluster: Vault reviews each login with the client's own token, and that account lacks system:auth-delegator.`
        : `Login to Vault fails with "permission denied" although ${path} matches the cluster: the token reviewer JWT is expired, from another cluster, or lacks system:auth-delegator.`,
      fix: clientJwt
        ? `Bind ClusterRole system:auth-delegator to the service account ${ctx.storeRef} logs in as, or configure a token_reviewer_jwt in ${path}.`
        : `Create a fresh long-lived token for Vault's reviewer service account (bound to ClusterRole system:auth-delegator) and write it as token_reviewer_jwt to ${path}.`,
      evidence: { authConfig: path, role: ctx.roleName ?? '' },
    };
  },
};

/**
 * A bare login 403 that Vault's configuration could not pin down (not readable, or the cluster's
 * URL or CA unknown to the backend): the TokenReview failed, for one of three reasons.
 */
export const vaultLoginDenied: Rule = {
  code: 'VAULT_LOGIN_DENIED',
  kind: 'cause',
  evaluate: ctx => {
    if (!bareLoginDenied(ctx)) {
      return undefined;
    }
    const compared = compareAuthConfig(ctx);
    if (
      compared.hostMatches === false ||
      compared.caMatches === false ||
      (compared.hostMatches === true && compared.caMatches === true) ||
      ctx.facts?.role === null
    ) {
      return undefined;
    }
    const path = authConfigPath(ctx);
    let unknown = "the cluster's CA is not known to the backend";
    if (!compared.read) unknown = `Vault's ${path} could not be read`;
    else if (compared.hostMatches === undefined)
      unknown = "the cluster's API server URL is not known to the backend";
    return {
      code: 'VAULT_LOGIN_DENIED',
      severity: 'error',
      summary: `Vault denies ESO's login to auth/${ctx.authMount} ("permission denied"): its TokenReview of the token failed because the kubernetes_host, the kubernetes_ca_cert or the token reviewer JWT in ${path} is wrong (${unknown}, so which one cannot be told).`,
      fix: `Compare ${path} with the cluster: kubernetes_host must be its API server URL, kubernetes_ca_cert its CA, and token_reviewer_jwt a valid token of a service account bound to system:auth-delegator. Vault's log ("login unauthorized") names the cause.`,
      evidence: {
        authConfig: path,
        role: ctx.roleName ?? '',
        compared: unknown,
      },
    };
  },
};

export const LOGIN_RULES: Rule[] = [
  issuerInvalid,
  audienceMismatch,
  roleMissing,
  roleBindingMismatch,
  vaultTokenRejected,
  vaultAuthHostMismatch,
  vaultAuthCaMismatch,
  reviewerJwtRejected,
  vaultLoginDenied,
];
