import {
  badRequest,
  envelope,
  errorResponse,
  failWith,
  multiError,
  notFound,
  written,
} from './responses';
import { VaultHttpResponse, VaultOperation } from './types';

/**
 * One KV version as the emulator keeps it (also its saved form).
 *
 * @public
 */
export interface KvVersionRecord {
  data: Record<string, unknown>;
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

/**
 * One KV secret with its versions and metadata (also its saved form).
 *
 * @public
 */
export interface KvSecret {
  versions: KvVersionRecord[];
  createdTime: string;
  updatedTime: string;
  customMetadata: Record<string, string> | null;
}

/** The parts of a request a mount needs. */
export interface MountRequest {
  operation: VaultOperation;
  /** Path below the mount, without a leading "/". */
  subPath: string;
  body: Record<string, unknown>;
}

const unsupportedOperation = () =>
  errorResponse(405, [multiError('unsupported operation')]);

/**
 * One KV secrets engine mount, version 1 or 2, with Vault's paths, envelopes, versions,
 * metadata and check-and-set.
 */
export class KvMount {
  private readonly secrets = new Map<string, KvSecret>();

  constructor(
    readonly path: string,
    readonly version: 1 | 2,
    private readonly now: () => number,
  ) {}

  /** Every secret with its versions and metadata, as JSON-safe data. */
  exportState(): Record<string, KvSecret> {
    return structuredClone(Object.fromEntries(this.secrets));
  }

  /** Replaces every secret with saved ones. */
  importState(secrets: Record<string, KvSecret>): void {
    this.secrets.clear();
    for (const [key, secret] of Object.entries(secrets)) {
      if (!Array.isArray(secret?.versions)) {
        throw new Error(`KV secret ${this.path}/${key} has no versions`);
      }
      this.secrets.set(key, structuredClone(secret));
    }
  }

  /** Where a request below the mount is aimed at, on KV v2. */
  private splitV2(subPath: string): { area: string; key: string } {
    const slash = subPath.indexOf('/');
    if (slash < 0) {
      return { area: subPath, key: '' };
    }
    return { area: subPath.slice(0, slash), key: subPath.slice(slash + 1) };
  }

  /** Whether a write would update an existing object (Vault's existence check). */
  exists(subPath: string): boolean {
    if (this.version === 1) {
      return this.secrets.has(subPath);
    }
    const { area, key } = this.splitV2(subPath);
    if (area === 'metadata') {
      return this.secrets.has(key);
    }
    return area === 'data' && this.currentVersion(key) !== undefined;
  }

  handle(request: MountRequest): VaultHttpResponse {
    return this.version === 1 ? this.handleV1(request) : this.handleV2(request);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  private currentVersion(key: string): KvVersionRecord | undefined {
    const secret = this.secrets.get(key);
    const latest = secret?.versions[secret.versions.length - 1];
    if (!latest || latest.destroyed || latest.deletionTime) {
      return undefined;
    }
    return latest;
  }

  private listKeys(prefix: string): VaultHttpResponse {
    const folder =
      prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const keys = new Set<string>();
    for (const [key, secret] of this.secrets) {
      if (secret.versions.length === 0 || !key.startsWith(folder)) continue;
      const rest = key.slice(folder.length);
      const slash = rest.indexOf('/');
      keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    if (keys.size === 0) {
      return notFound();
    }
    return envelope({ data: { keys: [...keys].sort() } });
  }

  private handleV1({
    operation,
    subPath,
    body,
  }: MountRequest): VaultHttpResponse {
    if (operation === 'list') {
      return this.listKeys(subPath);
    }
    if (subPath === '') {
      return unsupportedOperation();
    }
    switch (operation) {
      case 'read': {
        const current = this.currentVersion(subPath);
        return current ? envelope({ data: current.data }) : notFound();
      }
      case 'write': {
        if (Object.keys(body).length === 0) {
          failWith(badRequest('missing data fields'));
        }
        const time = this.timestamp();
        this.secrets.set(subPath, {
          versions: [
            {
              data: body,
              createdTime: time,
              deletionTime: '',
              destroyed: false,
            },
          ],
          createdTime: time,
          updatedTime: time,
          customMetadata: null,
        });
        return written();
      }
      case 'delete':
        this.secrets.delete(subPath);
        return written();
      default:
        return unsupportedOperation();
    }
  }

  private versionMetadata(secret: KvSecret, index: number) {
    const v = secret.versions[index];
    return {
      created_time: v.createdTime,
      custom_metadata: secret.customMetadata,
      deletion_time: v.deletionTime,
      destroyed: v.destroyed,
      version: index + 1,
    };
  }

  private handleV2({
    operation,
    subPath,
    body,
  }: MountRequest): VaultHttpResponse {
    const { area, key } = this.splitV2(subPath);
    if (area === 'metadata') {
      return this.handleMetadata(operation, key, body);
    }
    if (area !== 'data' || key === '') {
      if (operation === 'read' || operation === 'list') {
        // Vault answers reads outside data/ and metadata/ on a v2 mount with an empty 404.
        return notFound();
      }
      return unsupportedOperation();
    }
    const secret = this.secrets.get(key);
    switch (operation) {
      case 'read': {
        const current = this.currentVersion(key);
        if (!secret || !current) {
          return notFound();
        }
        return envelope({
          data: {
            data: current.data,
            metadata: this.versionMetadata(secret, secret.versions.length - 1),
          },
        });
      }
      case 'write': {
        const data = body.data;
        if (
          data === undefined ||
          data === null ||
          typeof data !== 'object' ||
          Array.isArray(data)
        ) {
          failWith(badRequest('no data provided'));
        }
        const options = (body.options ?? {}) as Record<string, unknown>;
        const currentNumber = secret?.versions.length ?? 0;
        if (
          options.cas !== undefined &&
          Number(options.cas) !== currentNumber
        ) {
          failWith(
            badRequest(
              'check-and-set parameter did not match the current version',
            ),
          );
        }
        const time = this.timestamp();
        const target: KvSecret = secret ?? {
          versions: [],
          createdTime: time,
          updatedTime: time,
          customMetadata: null,
        };
        target.versions.push({
          data: data as Record<string, unknown>,
          createdTime: time,
          deletionTime: '',
          destroyed: false,
        });
        target.updatedTime = time;
        this.secrets.set(key, target);
        return envelope({
          data: this.versionMetadata(target, target.versions.length - 1),
        });
      }
      case 'delete': {
        const current = this.currentVersion(key);
        if (current) {
          current.deletionTime = this.timestamp();
        }
        return written();
      }
      default:
        return unsupportedOperation();
    }
  }

  private handleMetadata(
    operation: VaultOperation,
    key: string,
    body: Record<string, unknown>,
  ): VaultHttpResponse {
    if (operation === 'list') {
      return this.listKeys(key);
    }
    const secret = this.secrets.get(key);
    switch (operation) {
      case 'write': {
        if (key === '') {
          return unsupportedOperation();
        }
        const custom = body.custom_metadata;
        // Vault keeps metadata without any version (current_version 0): data reads stay 404.
        const time = this.timestamp();
        const target: KvSecret = secret ?? {
          versions: [],
          createdTime: time,
          updatedTime: time,
          customMetadata: null,
        };
        if (custom && typeof custom === 'object' && !Array.isArray(custom)) {
          target.customMetadata = Object.fromEntries(
            Object.entries(custom).map(([k, v]) => [k, String(v)]),
          );
        }
        target.updatedTime = time;
        this.secrets.set(key, target);
        return written();
      }
      case 'read': {
        if (!secret || key === '') {
          return notFound();
        }
        const versions: Record<string, unknown> = {};
        secret.versions.forEach((v, i) => {
          versions[String(i + 1)] = {
            created_time: v.createdTime,
            deletion_time: v.deletionTime,
            destroyed: v.destroyed,
          };
        });
        return envelope({
          data: {
            cas_required: false,
            created_time: secret.createdTime,
            current_version: secret.versions.length,
            custom_metadata: secret.customMetadata,
            delete_version_after: '0s',
            max_versions: 0,
            oldest_version: 0,
            updated_time: secret.updatedTime,
            versions,
          },
        });
      }
      case 'delete':
        this.secrets.delete(key);
        return written();
      default:
        return unsupportedOperation();
    }
  }
}
