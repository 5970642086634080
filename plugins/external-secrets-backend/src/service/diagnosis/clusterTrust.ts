import { readFileSync } from 'node:fs';
import {
  ClusterConfig,
  createKubeConfig,
} from '@gitops-secrets/plugin-external-secrets-node';
import type { ClusterFacts } from './types';

export interface ClusterTrustResolverOptions {
  readFile?: (path: string) => string;
  now?: () => number;
  /** how long a resolved CA is reused before the file is read again */
  ttlMs?: number;
}

/**
 * The API server URL and CA the backend itself uses for a cluster, however they are configured
 * (`url` + `caData`, `caFile`, or a kubeconfig context), so diagnosis can compare them with
 * Vault's `auth/<mount>/config`. Files are read at most once per TTL per cluster; a CA that
 * cannot be read leaves only the URL (the CA comparison is then skipped, never guessed).
 */
export class ClusterTrustResolver {
  private readonly readFile: (path: string) => string;
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly cache = new Map<
    string,
    { at: number; config: ClusterConfig; facts: Omit<ClusterFacts, 'name'> }
  >();

  constructor(options: ClusterTrustResolverOptions = {}) {
    this.readFile = options.readFile ?? (path => readFileSync(path, 'utf8'));
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  resolve(config: ClusterConfig): ClusterFacts {
    const hit = this.cache.get(config.name);
    if (hit && hit.config === config && this.now() - hit.at < this.ttlMs) {
      return { name: config.name, ...hit.facts };
    }
    const facts = this.read(config);
    this.cache.set(config.name, { at: this.now(), config, facts });
    return { name: config.name, ...facts };
  }

  private read(config: ClusterConfig): Omit<ClusterFacts, 'name'> {
    let server = config.url;
    let caData = config.caData;
    let caFile = config.caFile;
    if (config.authProvider === 'kubeconfig') {
      try {
        const current = createKubeConfig(config).getCurrentCluster();
        server = current?.server ?? server;
        caData = current?.caData ?? caData;
        caFile = current?.caFile ?? caFile;
      } catch {
        // An unreadable kubeconfig fails the cluster cache too; diagnosis just compares less.
      }
    }
    let caPem: string | undefined;
    try {
      if (caData) {
        const text = caData.trim();
        caPem = text.includes('-----BEGIN')
          ? text
          : Buffer.from(text, 'base64').toString('utf8');
      } else if (caFile) {
        caPem = this.readFile(caFile);
      }
    } catch {
      caPem = undefined;
    }
    return {
      url: server?.replace(/\/+$/, ''),
      caPem:
        caPem && caPem.includes('-----BEGIN CERTIFICATE-----')
          ? caPem
          : undefined,
    };
  }
}
