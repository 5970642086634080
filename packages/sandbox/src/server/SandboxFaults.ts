import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { KubeObject, KubernetesEmulator } from '../kubernetes';
import type { VaultEmulator } from '../vault';
import { createCertificateAuthority } from './certificates';
import {
  KubernetesAuthConfig,
  REVIEWER_BINDING,
  REVIEWER_NAMESPACE,
  REVIEWER_SERVICE_ACCOUNT,
} from './seedSandbox';
import type { VaultRootClient } from './VaultRootClient';

/** The faults the admin API can inject, one per failure the status view must name. */
export const FAULT_NAMES = [
  'auth-host',
  'ca-rotation',
  'reviewer-jwt-expiry',
  'reviewer-rbac',
  'role-rebinding',
  'policy-edit',
  'property-delete',
  'vault-down',
  'cluster-down',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

/** Faults that break one service; the others break every service. */
const SERVICE_FAULTS: readonly FaultName[] = [
  'role-rebinding',
  'policy-edit',
  'property-delete',
];

/** An active fault, as the admin API lists it. */
export interface ActiveFault {
  name: FaultName;
  service?: string;
  since: string;
}

/** Where Vault's auth config points while `auth-host` is injected: an API server long gone. */
export const STALE_KUBERNETES_HOST = 'https://127.0.0.1:16443';

const SERVICE_LABEL = 'backstage.io/kubernetes-id';

interface ServiceFaultState {
  service: string;
  restore: () => Promise<void>;
}

export function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

/**
 * Injects and clears the sandbox faults by changing the emulators the way the real mistake
 * would: Vault's Kubernetes auth config, its roles, policies and KV data, or a service being
 * unreachable. After each change the affected ExternalSecrets get ESO's `force-sync`
 * annotation (what "Sync now" does), so the result shows without waiting for the next refresh.
 */
export class SandboxFaults {
  private readonly active = new Map<FaultName, ActiveFault>();
  private readonly serviceFaults = new Map<FaultName, ServiceFaultState>();
  private staleCaPem: string | undefined;
  /** the reviewer's ClusterRoleBinding while `reviewer-rbac` has removed it */
  private removedReviewerBinding: KubeObject | undefined;

  constructor(
    private readonly deps: {
      vault: VaultEmulator;
      vaultRoot: VaultRootClient;
      cluster: KubernetesEmulator;
      /** The correct auth config; the reviewer token is reissued on clear. */
      authConfig: KubernetesAuthConfig;
    },
  ) {}

  list(): ActiveFault[] {
    return [...this.active.values()];
  }

  async inject(name: string, service?: string): Promise<ActiveFault> {
    const fault = this.checkName(name);
    if (this.active.has(fault)) {
      throw new ConflictError(
        `fault ${fault} is already injected; clear it first`,
      );
    }
    const target = SERVICE_FAULTS.includes(fault)
      ? this.checkService(service)
      : undefined;
    switch (fault) {
      case 'vault-down':
        this.deps.vault.faults.setDown(true);
        break;
      case 'cluster-down':
        this.deps.cluster.faults.setClusterDown(true);
        break;
      case 'auth-host':
      case 'ca-rotation':
        break;
      case 'reviewer-jwt-expiry':
        this.deps.authConfig.token_reviewer_jwt =
          await this.deps.cluster.issueServiceAccountToken({
            namespace: REVIEWER_NAMESPACE,
            name: REVIEWER_SERVICE_ACCOUNT,
            expirationSeconds: -3600,
          });
        break;
      case 'reviewer-rbac': {
        // someone removed the reviewer's binding: its JWT is valid, its TokenReviews are refused
        const type = this.deps.cluster.type('clusterrolebindings');
        this.removedReviewerBinding = this.deps.cluster.objects.get(
          type,
          undefined,
          REVIEWER_BINDING,
        );
        await this.deps.cluster.objects.delete(
          type,
          undefined,
          REVIEWER_BINDING,
        );
        break;
      }
      default:
        this.serviceFaults.set(fault, {
          service: target!,
          restore: await this.breakService(fault, target!),
        });
    }
    const entry: ActiveFault = {
      name: fault,
      ...(target ? { service: target } : {}),
      since: new Date().toISOString(),
    };
    this.active.set(fault, entry);
    await this.writeAuthConfig();
    this.forceSync(target);
    return entry;
  }

  async clear(name: string): Promise<void> {
    const fault = this.checkName(name);
    const entry = this.active.get(fault);
    if (!entry) {
      throw new NotFoundError(`fault ${fault} is not injected`);
    }
    switch (fault) {
      case 'vault-down':
        this.deps.vault.faults.setDown(false);
        break;
      case 'cluster-down':
        this.deps.cluster.faults.setClusterDown(false);
        break;
      case 'reviewer-jwt-expiry':
        this.deps.authConfig.token_reviewer_jwt =
          await this.deps.cluster.issueServiceAccountToken({
            namespace: REVIEWER_NAMESPACE,
            name: REVIEWER_SERVICE_ACCOUNT,
            expirationSeconds: 365 * 86_400,
          });
        break;
      case 'auth-host':
      case 'ca-rotation':
        break;
      case 'reviewer-rbac': {
        const { metadata, roleRef, subjects } = this.removedReviewerBinding!;
        await this.deps.cluster.objects.create(
          this.deps.cluster.type('clusterrolebindings'),
          undefined,
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: metadata.name, labels: metadata.labels },
            roleRef,
            subjects,
          },
        );
        this.removedReviewerBinding = undefined;
        break;
      }
      default:
        await this.serviceFaults.get(fault)!.restore();
        this.serviceFaults.delete(fault);
    }
    this.active.delete(fault);
    await this.writeAuthConfig();
    this.forceSync(entry.service);
  }

  /** Clears every active fault (Vault and cluster first, so the others can be restored). */
  async clearAll(): Promise<void> {
    for (const fault of ['vault-down', 'cluster-down'] as const) {
      if (this.active.has(fault)) {
        await this.clear(fault);
      }
    }
    for (const fault of [...this.active.keys()]) {
      await this.clear(fault);
    }
  }

  /** Sets ESO's `force-sync` annotation on the ExternalSecrets of one service, or of all. */
  forceSync(service?: string): string[] {
    if (this.deps.cluster.faults.isClusterDown()) {
      return [];
    }
    const type = this.deps.cluster.type('externalsecrets');
    const touched: string[] = [];
    const stamp = String(Math.floor(Date.now() / 1000) + Math.random());
    for (const object of this.deps.cluster.objects.list(type)) {
      if (service && !this.belongsTo(object, service)) {
        continue;
      }
      const { namespace, name } = object.metadata;
      touched.push(`${namespace}/${name}`);
      this.deps.cluster.objects
        .patch(type, namespace, name!, 'merge', {
          metadata: { annotations: { 'force-sync': stamp } },
        })
        .catch(() => undefined);
    }
    return touched;
  }

  private belongsTo(object: KubeObject, service: string): boolean {
    return (
      object.metadata.labels?.[SERVICE_LABEL] === service ||
      object.metadata.namespace === service
    );
  }

  private checkName(name: string): FaultName {
    if (!isFaultName(name)) {
      throw new InputError(
        `unknown fault "${name}"; use one of ${FAULT_NAMES.join(', ')}`,
      );
    }
    return name;
  }

  private checkService(service: string | undefined): string {
    if (!service) {
      throw new InputError(
        'this fault needs a service, e.g. {"service":"example-api"}',
      );
    }
    if (this.externalSecretsOf(service).length === 0) {
      throw new NotFoundError(
        `no ExternalSecret belongs to service ${service}`,
      );
    }
    return service;
  }

  private externalSecretsOf(service: string): KubeObject[] {
    const type = this.deps.cluster.type('externalsecrets');
    return this.deps.cluster.objects
      .list(type)
      .filter(o => this.belongsTo(o, service));
  }

  /** Vault's auth config with the active auth faults applied. */
  private async writeAuthConfig(): Promise<void> {
    if (this.active.has('vault-down')) {
      return;
    }
    const config = { ...this.deps.authConfig };
    if (this.active.has('auth-host')) {
      config.kubernetes_host = STALE_KUBERNETES_HOST;
    }
    if (this.active.has('ca-rotation')) {
      this.staleCaPem ??= createCertificateAuthority(
        'sandbox-cluster-ca-before-rotation',
      ).certPem;
      config.kubernetes_ca_cert = this.staleCaPem;
    }
    await this.deps.vaultRoot.write('auth/kubernetes/config', config);
  }

  /** Breaks one service's Vault side; returns how to put it back. */
  private async breakService(
    fault: FaultName,
    service: string,
  ): Promise<() => Promise<void>> {
    const vault = this.deps.vaultRoot;
    const [externalSecret] = this.externalSecretsOf(service);
    const spec = externalSecret.spec as Record<string, any>;
    if (fault === 'property-delete') {
      const ref = (spec.data ?? []).find(
        (d: any) => d.remoteRef?.property,
      )?.remoteRef;
      if (!ref) {
        throw new InputError(
          `no remoteRef with a property in ${externalSecret.metadata.name}`,
        );
      }
      const mount = await this.storeMount(spec);
      const current = await vault.read(`${mount}/data/${ref.key}`);
      const data = { ...(current?.data?.data ?? {}) };
      const original = { ...data };
      delete data[ref.property];
      await vault.write(`${mount}/data/${ref.key}`, { data });
      return async () => {
        await vault.write(`${mount}/data/${ref.key}`, { data: original });
      };
    }
    const roleName = await this.storeRole(spec);
    const rolePath = `auth/kubernetes/role/${roleName}`;
    const role = (await vault.read(rolePath))?.data ?? {};
    if (fault === 'role-rebinding') {
      await vault.write(rolePath, {
        ...role,
        bound_service_account_names: ['default'],
        bound_service_account_namespaces: [service],
      });
      return async () => {
        await vault.write(rolePath, role);
      };
    }
    const policies: string[] = (role.token_policies ?? []).filter(
      (p: string) => p !== 'default',
    );
    const originals: Array<[string, string]> = [];
    for (const policy of policies) {
      const text: string =
        (await vault.read(`sys/policies/acl/${policy}`))?.data?.policy ?? '';
      originals.push([policy, text]);
      await vault.write(`sys/policies/acl/${policy}`, {
        policy: text.replace(/\/data\//g, '/'),
      });
    }
    return async () => {
      for (const [policy, text] of originals) {
        await vault.write(`sys/policies/acl/${policy}`, { policy: text });
      }
    };
  }

  private store(spec: Record<string, any>): Record<string, any> {
    const ref = spec.secretStoreRef ?? {};
    const kind =
      ref.kind === 'SecretStore' ? 'secretstores' : 'clustersecretstores';
    const type = this.deps.cluster.type(kind);
    const store = this.deps.cluster.objects
      .list(type)
      .find(s => s.metadata.name === ref.name);
    const vault = (store?.spec as any)?.provider?.vault;
    if (!vault) {
      throw new NotFoundError(
        `store ${ref.name} of a Vault provider not found`,
      );
    }
    return vault;
  }

  private async storeMount(spec: Record<string, any>): Promise<string> {
    return this.store(spec).path ?? 'secret';
  }

  private async storeRole(spec: Record<string, any>): Promise<string> {
    const role = this.store(spec).auth?.kubernetes?.role;
    if (!role) {
      throw new InputError('the store does not use Kubernetes auth');
    }
    return role;
  }
}
