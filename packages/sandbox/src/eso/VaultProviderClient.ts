import NodeVault from 'node-vault';
import {
  SECRET_DOES_NOT_EXIST,
  readError,
  vaultResponseError,
} from './esoMessages';

/** The parts of a store's `spec.provider.vault` the simulation uses. */
export interface VaultProviderSettings {
  server: string;
  /** The KV mount (never with `data/`). */
  path: string;
  version: 'v1' | 'v2';
  namespace?: string;
  /** PEM to trust for the Vault server, from `caBundle` or `caProvider`. */
  caPem?: string;
}

/** A failure with the text ESO would put in its Event. */
export class ProviderError extends Error {}

interface NodeVaultError extends Error {
  code?: string;
  response?: { statusCode: number; body?: { errors?: string[] } };
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** Node's transport errors, worded the way Go's net/http reports them to ESO. */
function transportError(method: string, url: string, error: NodeVaultError) {
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  const host = new URL(url).host;
  if (error.code && TLS_ERROR_CODES.has(error.code)) {
    return `${verb} "${url}": tls: failed to verify certificate: x509: certificate signed by unknown authority`;
  }
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${verb} "${url}": tls: failed to verify certificate: x509: certificate is valid for other names, not ${
      new URL(url).hostname
    }`;
  }
  if (error.code === 'ECONNREFUSED') {
    return `${verb} "${url}": dial tcp ${host}: connect: connection refused`;
  }
  return `${verb} "${url}": ${error.message}`;
}

function describe(method: string, url: string, error: unknown): string {
  const e = error as NodeVaultError;
  if (e.response) {
    return vaultResponseError(
      method,
      url,
      e.response.statusCode,
      e.response.body?.errors ?? [],
    );
  }
  return transportError(method, url, e);
}

/**
 * The Vault side of ESO's Vault provider: Kubernetes-auth login and KV reads over HTTP(S) with
 * node-vault, trusting the store's CA. Errors carry the texts ESO reports.
 */
export class VaultProviderClient {
  private readonly base: string;

  constructor(private readonly settings: VaultProviderSettings) {
    this.base = settings.server.replace(/\/+$/, '');
  }

  private client(token?: string) {
    return NodeVault({
      endpoint: this.base,
      token,
      namespace: this.settings.namespace,
      noCustomHTTPVerbs: true,
      requestOptions: this.settings.caPem ? { ca: this.settings.caPem } : {},
    });
  }

  /** Logs in with a service account JWT; the error text is the part after ESO's login prefix. */
  async loginWithKubernetes(
    mountPath: string,
    role: string,
    jwt: string,
  ): Promise<string> {
    const path = `auth/${mountPath}/login`;
    try {
      const result = await this.client().write(path, { role, jwt });
      return result.auth.client_token as string;
    } catch (error) {
      throw new ProviderError(
        describe('PUT', `${this.base}/v1/${path}`, error),
      );
    }
  }

  /** The secret's key/value map at `key`; ESO's errors for missing, denied or unreachable. */
  async readSecret(
    token: string,
    key: string,
  ): Promise<Record<string, unknown>> {
    const mount = this.settings.path.replace(/^\/+|\/+$/g, '');
    const relative = key.startsWith(`${mount}/`)
      ? key.slice(mount.length + 1)
      : key;
    const path =
      this.settings.version === 'v1'
        ? `${mount}/${relative}`
        : `${mount}/data/${relative}`;
    let response: { data?: Record<string, unknown> } | undefined;
    try {
      response = await this.client(token).read(path);
    } catch (error) {
      const e = error as NodeVaultError;
      const errors = e.response?.body?.errors;
      // Vault answers a missing secret with 404 and no error text; Go's client returns nothing.
      if (e.response?.statusCode === 404 && (!errors || errors.length === 0)) {
        throw new ProviderError(SECRET_DOES_NOT_EXIST);
      }
      throw new ProviderError(
        readError(describe('GET', `${this.base}/v1/${path}`, error)),
      );
    }
    const data =
      this.settings.version === 'v1'
        ? response?.data
        : (response?.data?.data as Record<string, unknown> | null | undefined);
    if (!data) {
      throw new ProviderError(SECRET_DOES_NOT_EXIST);
    }
    return data;
  }
}
