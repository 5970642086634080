import { MountRequest } from './KvMount';
import { LoginIssuer, normalizePolicies } from './KubernetesAuthMount';
import { badRequest, envelope, errorResponse, multiError } from './responses';
import { VaultHttpResponse } from './types';

/**
 * An AppRole credential pair the emulator accepts.
 *
 * @public
 */
export interface EmulatedAppRole {
  roleId: string;
  secretId: string;
  policies: string[];
  ttl?: number;
}

/** Just enough of the AppRole auth method to log in; roles are seeded by the emulator's owner. */
export class AppRoleAuthMount {
  private readonly roles: EmulatedAppRole[] = [];

  constructor(readonly path: string, private readonly issuer: LoginIssuer) {}

  add(role: EmulatedAppRole): void {
    this.roles.push(role);
  }

  exportState(): EmulatedAppRole[] {
    return structuredClone(this.roles);
  }

  importState(roles: EmulatedAppRole[]): void {
    this.roles.splice(0, this.roles.length, ...structuredClone(roles));
  }

  exists(): boolean {
    return false;
  }

  async handle({
    operation,
    subPath,
    body,
  }: MountRequest): Promise<VaultHttpResponse> {
    if (subPath !== 'login' || operation !== 'write') {
      return errorResponse(405, [multiError('unsupported path')]);
    }
    if (typeof body.role_id !== 'string' || body.role_id === '') {
      return badRequest('missing role_id');
    }
    const role = this.roles.find(
      r => r.roleId === body.role_id && r.secretId === body.secret_id,
    );
    if (!role) {
      return badRequest('invalid role or secret ID');
    }
    const policies = normalizePolicies(['default', ...role.policies]);
    const ttl = role.ttl ?? 2764800;
    const token = this.issuer.issueToken({
      policies,
      ttl,
      meta: { role_name: 'emulated' },
      path: `auth/${this.path}/login`,
    });
    return envelope({
      auth: {
        client_token: token.id,
        accessor: token.accessor,
        policies,
        token_policies: policies,
        metadata: { role_name: 'emulated' },
        lease_duration: ttl,
        renewable: true,
      },
    });
  }
}
