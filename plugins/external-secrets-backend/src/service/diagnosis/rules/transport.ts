import type { Rule } from '../types';
import { towardsVault, vaultServer } from './helpers';

/** ESO does not trust the certificate Vault presents (or cannot load the store's CA). */
export const vaultCaUntrusted: Rule = {
  code: 'VAULT_CA_UNTRUSTED',
  kind: 'cause',
  evaluate: ctx => {
    const e = ctx.error;
    const untrusted = e.tls === 'unknown-authority' && towardsVault(ctx);
    const cannotLoad = ctx.failing && e.eso.caCertificate;
    if (!untrusted && !cannotLoad) {
      return undefined;
    }
    return {
      code: 'VAULT_CA_UNTRUSTED',
      severity: 'error',
      summary: cannotLoad
        ? `ESO cannot load the CA certificate for Vault from ${ctx.storeRef}'s caProvider or caBundle.`
        : `ESO does not trust the TLS certificate Vault presents at ${vaultServer(
            ctx,
          )}: it is signed by a CA the store does not name.`,
      fix: `Put the PEM of the CA that signed Vault's certificate into ${ctx.storeRef}'s caProvider ConfigMap/Secret (check name, key and namespace) or caBundle (base64).`,
      evidence: { store: ctx.storeRef, server: ctx.vaultSpec?.server ?? '' },
    };
  },
};

/** Vault's certificate does not name the host the store uses. */
export const vaultTlsHostnameMismatch: Rule = {
  code: 'VAULT_TLS_HOSTNAME_MISMATCH',
  kind: 'cause',
  evaluate: ctx => {
    const e = ctx.error;
    if (e.tls !== 'hostname' || !towardsVault(ctx)) {
      return undefined;
    }
    const names = e.tlsNames;
    return {
      code: 'VAULT_TLS_HOSTNAME_MISMATCH',
      severity: 'error',
      summary: `Vault's TLS certificate is not valid for the host ${
        names?.requested ?? "in the store's server URL"
      }${names ? ` (it is valid for ${names.validFor})` : ''}.`,
      fix: `Point spec.provider.vault.server of ${ctx.storeRef} at a name the certificate covers, or reissue Vault's certificate with that name in its subject alternative names.`,
      evidence: {
        store: ctx.storeRef,
        server: ctx.vaultSpec?.server ?? '',
        requested: names?.requested ?? '',
      },
    };
  },
};

/** Vault's certificate (or one in its chain) is expired or not yet valid. */
export const vaultCertExpired: Rule = {
  code: 'VAULT_CERT_EXPIRED',
  kind: 'cause',
  evaluate: ctx => {
    if (ctx.error.tls !== 'expired' || !towardsVault(ctx)) {
      return undefined;
    }
    return {
      code: 'VAULT_CERT_EXPIRED',
      severity: 'error',
      summary: `The TLS certificate Vault presents at ${vaultServer(
        ctx,
      )} has expired or is not valid yet.`,
      fix: "Renew Vault's listener certificate (and reload Vault); if it is new, check the clocks of Vault and the cluster nodes.",
      evidence: { store: ctx.storeRef, server: ctx.vaultSpec?.server ?? '' },
    };
  },
};

function isVaultApiUrl(url: string): boolean {
  try {
    return new URL(url).pathname.startsWith('/v1/');
  } catch {
    return false;
  }
}

const TRANSPORT_WORDS = {
  dns: 'the host name does not resolve',
  refused: 'the connection is refused',
  timeout: 'the connection times out',
  unreachable: 'there is no route to it',
  reset: 'the connection is reset',
} as const;

/** ESO cannot reach Vault at all (DNS, refused, timeout). */
export const vaultConnectionFailed: Rule = {
  code: 'VAULT_CONNECTION_FAILED',
  kind: 'cause',
  evaluate: ctx => {
    const e = ctx.error;
    if (!e.transport || e.tls || !towardsVault(ctx) || e.responses.length) {
      return undefined;
    }
    // A transport error on a non-Vault URL (a Kubernetes call of ESO's) is not this.
    if (e.transportUrl && !isVaultApiUrl(e.transportUrl)) {
      return undefined;
    }
    const vaultish =
      !!e.transportUrl ||
      e.operation !== undefined ||
      /invalid vault credentials|vault/.test(e.lower);
    if (!vaultish) {
      return undefined;
    }
    return {
      code: 'VAULT_CONNECTION_FAILED',
      severity: 'error',
      summary: `ESO cannot reach Vault at ${vaultServer(ctx)}: ${
        TRANSPORT_WORDS[e.transport]
      }.`,
      fix: `Check that Vault is up (vault status, or GET ${
        ctx.vaultSpec?.server ?? '<server>'
      }/v1/sys/health) and reachable from ESO's pod: the server URL in ${
        ctx.storeRef
      }, DNS, network policies and any HTTP(S)_PROXY/NO_PROXY settings of ESO.`,
      evidence: {
        store: ctx.storeRef,
        server: ctx.vaultSpec?.server ?? '',
        problem: e.transport,
      },
    };
  },
};

/** Vault answers 503 "Vault is sealed". */
export const vaultSealed: Rule = {
  code: 'VAULT_SEALED',
  kind: 'cause',
  evaluate: ctx => {
    if (!ctx.failing || !ctx.error.sealed) {
      return undefined;
    }
    return {
      code: 'VAULT_SEALED',
      severity: 'error',
      summary: `Vault at ${vaultServer(
        ctx,
      )} is sealed: it answers every request with 503.`,
      fix: 'Unseal Vault (vault operator unseal, or check the auto-unseal key provider) and look at why it restarted sealed; ESO recovers on its next retry.',
      evidence: { store: ctx.storeRef, server: ctx.vaultSpec?.server ?? '' },
    };
  },
};

/** Vault answers 429: a rate-limit quota throttles ESO. */
export const vaultRateLimited: Rule = {
  code: 'VAULT_RATE_LIMITED',
  kind: 'cause',
  evaluate: ctx => {
    if (!ctx.failing || !ctx.error.rateLimited) {
      return undefined;
    }
    return {
      code: 'VAULT_RATE_LIMITED',
      severity: 'warning',
      summary: `Vault rejects ESO's requests with 429: a rate-limit quota is exhausted.`,
      fix: 'Raise or scope the quota (vault read sys/quotas/rate-limit/<name>), or lower the load: longer refreshIntervals, fewer ExternalSecrets per store, ESO client caching.',
      evidence: { store: ctx.storeRef, server: ctx.vaultSpec?.server ?? '' },
    };
  },
};

/** Something that is not Vault answered (HTML from a proxy, ingress or load balancer). */
export const vaultNotAnsweringAsVault: Rule = {
  code: 'VAULT_NOT_ANSWERING_AS_VAULT',
  kind: 'cause',
  evaluate: ctx => {
    const e = ctx.error;
    if (!ctx.failing || !e.notVault) {
      return undefined;
    }
    return {
      code: 'VAULT_NOT_ANSWERING_AS_VAULT',
      severity: 'error',
      summary: `The answer from ${vaultServer(ctx)}${
        e.code ? ` (HTTP ${e.code})` : ''
      } is not Vault's: it is not Vault's JSON, so a proxy, ingress or load balancer answered instead.`,
      fix: `Point ${ctx.storeRef} at Vault's own address, or let the proxy pass /v1/ requests (and the X-Vault-Token header) through to Vault.`,
      evidence: {
        store: ctx.storeRef,
        server: ctx.vaultSpec?.server ?? '',
        code: e.code ? String(e.code) : '',
      },
    };
  },
};

/** `no handler for route`: the KV or auth mount does not exist (in this Vault namespace). */
export const vaultMountNotFound: Rule = {
  code: 'VAULT_MOUNT_NOT_FOUND',
  kind: 'cause',
  evaluate: ctx => {
    const route = ctx.error.noHandlerRoute;
    if (!ctx.failing || route === undefined) {
      return undefined;
    }
    const namespace = ctx.vaultSpec?.namespace;
    const isAuth = route.startsWith('auth/') || ctx.error.operation === 'login';
    return {
      code: 'VAULT_MOUNT_NOT_FOUND',
      severity: 'error',
      summary: `Vault has no ${
        isAuth ? 'auth method' : 'secrets engine'
      } mounted for ${route ? `"${route}"` : 'the path ESO uses'}${
        namespace ? ` in Vault namespace ${namespace}` : ''
      }.`,
      fix: isAuth
        ? `Check auth.kubernetes.mountPath of ${
            ctx.storeRef
          } against vault auth list${
            namespace
              ? ` in namespace ${namespace} (or set auth.namespace when the auth method lives in another namespace)`
              : ''
          }.`
        : `Check spec.provider.vault.path of ${
            ctx.storeRef
          } against vault secrets list${
            namespace ? ` in namespace ${namespace}` : ''
          }, and that remoteRef keys do not repeat the mount.`,
      evidence: { store: ctx.storeRef, route, namespace: namespace ?? '' },
    };
  },
};

export const TRANSPORT_RULES: Rule[] = [
  vaultCaUntrusted,
  vaultTlsHostnameMismatch,
  vaultCertExpired,
  vaultConnectionFailed,
  vaultSealed,
  vaultRateLimited,
  vaultNotAnsweringAsVault,
  vaultMountNotFound,
];
