import { X509Certificate } from 'node:crypto';
import { parseGoDuration } from '@gitops-secrets/plugin-external-secrets-common';
import { MountRequest } from './KvMount';
import {
  badRequest,
  envelope,
  errorResponse,
  failWith,
  multiError,
  notFound,
  written,
} from './responses';
import { EmulatedToken } from './TokenStore';
import { TokenReviewer, VaultHttpResponse } from './types';

/**
 * A Kubernetes auth mount's config as stored (the reviewer JWT included).
 *
 * @public
 */
export interface KubernetesAuthMountConfig {
  kubernetes_host: string;
  kubernetes_ca_cert: string;
  token_reviewer_jwt: string;
  issuer: string;
  disable_iss_validation: boolean;
  disable_local_ca_jwt: boolean;
  pem_keys: string[];
}

/**
 * A Kubernetes auth role as stored.
 *
 * @public
 */
export interface KubernetesAuthRole {
  bound_service_account_names: string[];
  bound_service_account_namespaces: string[];
  bound_service_account_namespace_selector: string;
  audience: string;
  alias_name_source: string;
  token_policies: string[];
  token_ttl: number;
  token_max_ttl: number;
}

const ISSUER_INVALID = 'claim "iss" is invalid';

/** Vault's route pattern for role names. */
const ROLE_NAME = /^\w(([\w.-]+)?\w)?$/;

const forbidden = (message: string) =>
  errorResponse(403, [multiError(message)]);

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : String(value).split(',');
  return items.map(item => String(item).trim()).filter(item => item !== '');
}

/** Policies as Vault stores them: trimmed, lower-cased, de-duplicated, sorted. */
export function normalizePolicies(value: unknown): string[] {
  return [...new Set(stringList(value).map(p => p.toLowerCase()))].sort();
}

function seconds(value: unknown, field: string): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0)
    return value;
  const text = String(value);
  if (/^\d+$/.test(text)) return Number(text);
  const ms = parseGoDuration(text);
  if (ms === undefined) {
    return failWith(
      badRequest(
        `error parsing ${field}: invalid duration ${JSON.stringify(text)}`,
      ),
    );
  }
  return Math.round(ms / 1000);
}

/** What the emulator needs from its host to finish a login. */
export interface LoginIssuer {
  issueToken(options: {
    policies: string[];
    ttl: number;
    meta: Record<string, string>;
    path: string;
  }): EmulatedToken;
}

/**
 * A Kubernetes auth method mount: config, roles with Vault's validation, and login through a
 * pluggable TokenReview.
 */
export class KubernetesAuthMount {
  private config?: KubernetesAuthMountConfig;
  private readonly roles = new Map<string, KubernetesAuthRole>();

  constructor(
    readonly path: string,
    private readonly reviewer: () => TokenReviewer,
    private readonly issuer: LoginIssuer,
  ) {}

  /** Config and roles as JSON-safe data. */
  exportState(): {
    config?: KubernetesAuthMountConfig;
    roles: Record<string, KubernetesAuthRole>;
  } {
    return structuredClone({
      ...(this.config ? { config: this.config } : {}),
      roles: Object.fromEntries(this.roles),
    });
  }

  importState(state: {
    config?: KubernetesAuthMountConfig;
    roles: Record<string, KubernetesAuthRole>;
  }): void {
    this.config = state.config ? structuredClone(state.config) : undefined;
    this.roles.clear();
    for (const [name, role] of Object.entries(state.roles ?? {})) {
      this.roles.set(name, structuredClone(role));
    }
  }

  exists(subPath: string): boolean {
    const match = /^role\/(.+)$/.exec(subPath);
    return Boolean(match && this.roles.has(match[1].toLowerCase()));
  }

  async handle({
    operation,
    subPath,
    body,
  }: MountRequest): Promise<VaultHttpResponse> {
    if (subPath === 'config') {
      if (operation === 'read') return this.readConfig();
      if (operation === 'write') return this.writeConfig(body);
    }
    if (subPath === 'role' && operation === 'list') {
      return this.roles.size
        ? envelope({ data: { keys: [...this.roles.keys()].sort() } })
        : notFound();
    }
    const role = /^role\/(.+)$/.exec(subPath);
    if (role && ROLE_NAME.test(role[1])) {
      const name = role[1].toLowerCase();
      if (operation === 'read') return this.readRole(name);
      if (operation === 'write') return this.writeRole(name, body);
      if (operation === 'delete') {
        this.roles.delete(name);
        return written();
      }
    }
    if (subPath === 'login' && operation === 'write') {
      return this.login(body);
    }
    return errorResponse(405, [multiError('unsupported path')]);
  }

  private readConfig(): VaultHttpResponse {
    if (!this.config) {
      return notFound();
    }
    const { token_reviewer_jwt: reviewerJwt, ...visible } = this.config;
    return envelope({
      data: { ...visible, token_reviewer_jwt_set: reviewerJwt !== '' },
    });
  }

  private writeConfig(body: Record<string, unknown>): VaultHttpResponse {
    const host =
      typeof body.kubernetes_host === 'string' ? body.kubernetes_host : '';
    if (!host) {
      failWith(badRequest('no host provided'));
    }
    const caCert =
      typeof body.kubernetes_ca_cert === 'string'
        ? body.kubernetes_ca_cert
        : '';
    if (caCert) {
      try {
        // eslint-disable-next-line no-new
        new X509Certificate(caCert);
      } catch {
        failWith(
          badRequest(
            'kubernetes_ca_cert: failed to parse PEM encoded certificate',
          ),
        );
      }
    }
    // Vault replaces the whole config: fields not sent go back to their defaults.
    this.config = {
      kubernetes_host: host,
      kubernetes_ca_cert: caCert,
      token_reviewer_jwt:
        typeof body.token_reviewer_jwt === 'string'
          ? body.token_reviewer_jwt
          : '',
      issuer: typeof body.issuer === 'string' ? body.issuer : '',
      disable_iss_validation: body.disable_iss_validation !== false,
      disable_local_ca_jwt: body.disable_local_ca_jwt === true,
      pem_keys: stringList(body.pem_keys),
    };
    return written();
  }

  private readRole(name: string): VaultHttpResponse {
    const role = this.roles.get(name);
    if (!role) {
      return notFound();
    }
    return envelope({
      data: {
        ...role,
        token_bound_cidrs: [],
        token_explicit_max_ttl: 0,
        token_no_default_policy: false,
        token_num_uses: 0,
        token_period: 0,
        token_type: 'default',
        policies: role.token_policies,
        ttl: role.token_ttl,
        max_ttl: role.token_max_ttl,
      },
    });
  }

  private writeRole(
    name: string,
    body: Record<string, unknown>,
  ): VaultHttpResponse {
    const existing = this.roles.get(name);
    const pick = (field: string, legacy: string) =>
      body[field] !== undefined ? body[field] : body[legacy];

    const names =
      body.bound_service_account_names !== undefined
        ? stringList(body.bound_service_account_names)
        : existing?.bound_service_account_names ?? [];
    const namespaces =
      body.bound_service_account_namespaces !== undefined
        ? stringList(body.bound_service_account_namespaces)
        : existing?.bound_service_account_namespaces ?? [];
    const selector =
      typeof body.bound_service_account_namespace_selector === 'string'
        ? body.bound_service_account_namespace_selector
        : existing?.bound_service_account_namespace_selector ?? '';

    if (names.length === 0) {
      failWith(badRequest('"bound_service_account_names" can not be empty'));
    }
    if (names.length > 1 && names.includes('*')) {
      failWith(badRequest('can not mix "*" with values'));
    }
    if (namespaces.length === 0 && selector === '') {
      failWith(
        badRequest(
          '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set',
        ),
      );
    }
    if (namespaces.length > 1 && namespaces.includes('*')) {
      failWith(badRequest('can not mix "*" with values'));
    }

    const policiesInput = pick('token_policies', 'policies');
    const ttlInput = pick('token_ttl', 'ttl');
    const maxTtlInput = pick('token_max_ttl', 'max_ttl');
    const role: KubernetesAuthRole = {
      bound_service_account_names: names,
      bound_service_account_namespaces: namespaces,
      bound_service_account_namespace_selector: selector,
      audience:
        body.audience !== undefined
          ? String(body.audience)
          : existing?.audience ?? '',
      alias_name_source:
        typeof body.alias_name_source === 'string'
          ? body.alias_name_source
          : existing?.alias_name_source ?? 'serviceaccount_uid',
      token_policies:
        policiesInput !== undefined
          ? normalizePolicies(policiesInput)
          : existing?.token_policies ?? [],
      token_ttl:
        ttlInput !== undefined
          ? seconds(ttlInput, 'token_ttl')
          : existing?.token_ttl ?? 0,
      token_max_ttl:
        maxTtlInput !== undefined
          ? seconds(maxTtlInput, 'token_max_ttl')
          : existing?.token_max_ttl ?? 0,
    };
    if (role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) {
      failWith(
        badRequest('token ttl should not be greater than token max ttl'),
      );
    }
    this.roles.set(name, role);
    const warnings = role.audience
      ? []
      : [
          'This role does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.',
        ];
    return written(warnings);
  }

  private async login(
    body: Record<string, unknown>,
  ): Promise<VaultHttpResponse> {
    const roleName = typeof body.role === 'string' ? body.role : '';
    const jwt = typeof body.jwt === 'string' ? body.jwt : '';
    if (!roleName) return badRequest('missing role');
    if (!jwt) return badRequest('missing jwt');
    const role = this.roles.get(roleName.toLowerCase());
    if (!role) return badRequest(`invalid role name "${roleName}"`);
    if (!this.config) return badRequest('could not load backend configuration');

    const review = await this.reviewer()({
      kubernetesHost: this.config.kubernetes_host,
      kubernetesCaCert: this.config.kubernetes_ca_cert || undefined,
      tokenReviewerJwt: this.config.token_reviewer_jwt || undefined,
      jwt,
      ...(this.config.issuer
        ? {
            issuer: this.config.issuer,
            disableIssValidation: this.config.disable_iss_validation,
          }
        : {}),
    });
    if (typeof review === 'string') {
      // Vault checks `iss` itself, before the TokenReview, and says so; all else is hidden.
      return forbidden(
        review === ISSUER_INVALID ? ISSUER_INVALID : 'permission denied',
      );
    }
    const nameAllowed =
      role.bound_service_account_names.includes('*') ||
      role.bound_service_account_names.includes(review.serviceAccountName);
    if (!nameAllowed) return forbidden('service account name not authorized');
    const namespaceAllowed =
      role.bound_service_account_namespaces.includes('*') ||
      role.bound_service_account_namespaces.includes(review.namespace);
    if (!namespaceAllowed) return forbidden('namespace not authorized');
    if (role.audience && !review.audiences.includes(role.audience)) {
      return forbidden(
        'invalid audience (aud) claim: audience claim does not match any expected audience',
      );
    }

    const policies = normalizePolicies(['default', ...role.token_policies]);
    const ttl = role.token_ttl || 2764800;
    const metadata = {
      role: roleName.toLowerCase(),
      service_account_name: review.serviceAccountName,
      service_account_namespace: review.namespace,
      service_account_secret_name: '',
      service_account_uid: `${review.namespace}/${review.serviceAccountName}`,
    };
    const token = this.issuer.issueToken({
      policies,
      ttl,
      meta: metadata,
      path: `auth/${this.path}/login`,
    });
    return envelope({
      auth: {
        client_token: token.id,
        accessor: token.accessor,
        policies,
        token_policies: policies,
        metadata,
        lease_duration: ttl,
        renewable: true,
        entity_id: '',
        token_type: 'service',
        orphan: true,
      },
    });
  }
}
