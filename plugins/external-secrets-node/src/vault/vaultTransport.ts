import axios from 'axios';
import { Agent } from 'node:https';

/** What node-vault hands its request function (the former `request` library's options). */
interface NodeVaultRequest {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
  timeout?: number;
}

/** What node-vault expects back. */
interface NodeVaultResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

export interface VaultTransportOptions {
  /** PEM bundle trusted for Vault's certificate, besides the system's */
  ca?: string;
  timeoutMs: number;
}

const REDIRECT = /^3\d\d$/;

/**
 * The HTTP transport node-vault uses (its `request-promise` hook), so that three things hold
 * that node-vault's own axios setup does not guarantee: no redirect is followed (a redirect would
 * send `X-Vault-Token` and the body — a login JWT, a secret id, seeded values — to wherever
 * Vault's answer points, also from https to http); every request has a timeout; TLS is always
 * verified (node-vault turns verification off when `VAULT_SKIP_VERIFY` is set). A redirect is
 * answered as an error naming the status only.
 */
export function createVaultTransport(options: VaultTransportOptions) {
  const httpsAgent = new Agent({
    keepAlive: true,
    rejectUnauthorized: true,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const instance = axios.create({
    maxRedirects: 0,
    validateStatus: () => true,
    timeout: options.timeoutMs,
    httpsAgent,
    // node-vault's bodies are JSON; never let axios pick a proxy from the environment
    proxy: false,
  });
  const send = async (
    request: NodeVaultRequest,
  ): Promise<NodeVaultResponse> => {
    const response = await instance.request({
      method: request.method,
      url: request.uri,
      headers: { ...request.headers },
      data:
        request.json && typeof request.json === 'object'
          ? request.json
          : undefined,
      timeout: request.timeout ?? options.timeoutMs,
    });
    let body = response.data;
    if (REDIRECT.test(String(response.status))) {
      body = {
        errors: [
          `Vault answered with a redirect (HTTP ${response.status}); redirects are not followed, so the token never leaves for another address. Point baseUrl at the active Vault node or its load balancer`,
        ],
      };
    }
    return {
      statusCode: response.status,
      body,
      request: { path: new URL(request.uri).pathname },
    };
  };
  // node-vault calls `.defaults(rpDefaults)` and then the result per request.
  return { defaults: () => send };
}
