import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import {
  BackendFeature,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { ConflictError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  GitHubEmulator,
  VaultEmulator,
  createVaultRequestListener,
} from 'sandbox';
import { parse } from 'yaml';

export const GITHUB_TOKEN = 'e2e-github-token';

/**
 * The cluster of `externalSecrets.clusters` the harness configures when a test names none: on
 * the single-cluster mount `kubernetes`, as the new-service template's `cluster` picks it.
 */
export const HARNESS_CLUSTER = 'main';
export const TEMPLATE_FILE = path.resolve(
  __dirname,
  '../../../../../templates/new-service-with-secrets/template.yaml',
);

/** The catalog entity of a template file, as the templates location would read it. */
export function templateEntityOf(file: string): Entity {
  const template = parse(fs.readFileSync(file, 'utf8'));
  template.metadata.namespace = 'default';
  template.metadata.annotations = {
    'backstage.io/managed-by-location': `file:${file}`,
    'backstage.io/managed-by-origin-location': `file:${file}`,
  };
  return template;
}

/** One event of a task, as the scaffolder API returns it. */
export interface TaskEvent {
  type: string;
  body: {
    message?: string;
    stepId?: string;
    status?: string;
    output?: any;
    error?: any;
  };
}

export interface TaskResult {
  id: string;
  status: string;
  events: TaskEvent[];
  output?: any;
}

function templateEntity(): Entity {
  return templateEntityOf(TEMPLATE_FILE);
}

/** A fault the harness's Vault transport injects into one request. */
export interface VaultTransportFault {
  method: string;
  /** Path without `/v1/`. */
  path: string;
  /** Which matching request fails: 1 = the next one. */
  occurrence: number;
  /**
   * `500`/`503`/`403`: answered by the transport, the emulator never sees the request.
   * `late`: the emulator handles the request (a write is applied) but the answer comes only
   * after `lateMs`, past the client's timeout.
   */
  kind: 500 | 503 | 403 | 'late';
}

/** What Vault says with each status the transport answers. */
const TRANSPORT_ERRORS: Record<500 | 503 | 403, string> = {
  403: '1 error occurred:\n\t* permission denied\n\n',
  500: 'internal error',
  503: 'Vault is sealed',
};

/**
 * A real scaffolder backend (scaffolder plugin, the GitHub module, the module under test and a
 * mock catalog) wired to a Vault emulator and a GitHub emulator on loopback ports. The Vault
 * emulator can be replaced between runs to start from an empty Vault.
 */
export class ScaffolderHarness {
  vault = new VaultEmulator();
  readonly github = new GitHubEmulator({ tokens: [GITHUB_TOKEN] });
  /** Entities the catalog:register step added, in order. */
  readonly registered: Entity[] = [];
  /** Targets of the locations catalog:register added; the catalog refuses a second one. */
  readonly locations: string[] = [];
  private vaultServer?: http.Server;
  private backend?: Awaited<ReturnType<typeof startTestBackend>>;
  private githubHost = '';
  private transportFault?: VaultTransportFault & { seen: number };
  /** How late a `late` fault answers. */
  lateMs = 1500;

  /** Makes one Vault request fail at the transport (see {@link VaultTransportFault}). */
  faultVault(fault: VaultTransportFault) {
    this.transportFault = { ...fault, seen: 0 };
  }

  /** Whether the injected fault has fired. */
  get vaultFaultFired(): boolean {
    const fault = this.transportFault;
    return fault !== undefined && fault.seen >= fault.occurrence;
  }

  private takeFault(req: http.IncomingMessage) {
    const fault = this.transportFault;
    const vaultPath = decodeURIComponent(
      new URL(req.url ?? '/', 'http://vault.invalid').pathname,
    ).replace(/^\/v1\//, '');
    if (
      !fault ||
      fault.seen >= fault.occurrence ||
      fault.method !== req.method ||
      fault.path !== vaultPath
    ) {
      return undefined;
    }
    fault.seen++;
    return fault.seen === fault.occurrence ? fault.kind : undefined;
  }

  private serveVault(req: http.IncomingMessage, res: http.ServerResponse) {
    const kind = this.takeFault(req);
    if (typeof kind === 'number') {
      req.resume();
      res.writeHead(kind, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [TRANSPORT_ERRORS[kind]],
        }),
      );
      return;
    }
    if (kind === 'late') {
      const end = res.end.bind(res) as (...args: unknown[]) => void;
      res.end = ((...args: unknown[]) => {
        setTimeout(() => {
          if (!res.destroyed) end(...args);
        }, this.lateMs);
        return res;
      }) as typeof res.end;
    }
    createVaultRequestListener(this.vault)(req, res);
  }

  async start(
    module: BackendFeature | Promise<{ default: BackendFeature }>,
    options: {
      /** More backend features, e.g. the permission backend with a policy. */
      features?: Array<BackendFeature | Promise<{ default: BackendFeature }>>;
      /** More root config (merged at the top level). */
      config?: Record<string, unknown>;
      /** More catalog entities, e.g. other templates. */
      entities?: Entity[];
      /** More `externalSecrets.vault` config, e.g. a short `timeout`. */
      vault?: Record<string, unknown>;
      /** More `externalSecrets` sections, e.g. `clusters` and `clusterManifests`. */
      externalSecrets?: Record<string, unknown>;
    } = {},
  ) {
    this.vaultServer = http.createServer((req, res) =>
      this.serveVault(req, res),
    );
    await new Promise<void>(resolve =>
      this.vaultServer!.listen(0, '127.0.0.1', resolve),
    );
    const vaultUrl = `http://127.0.0.1:${
      (this.vaultServer.address() as AddressInfo).port
    }`;
    const github = await this.github.start();
    this.githubHost = github.host;
    this.github.addOrganization('acme');

    const config = {
      ...options.config,
      integrations: { github: [this.github.integrationConfig(GITHUB_TOKEN)] },
      scaffolder: {
        defaultAuthor: { name: 'Scaffolder', email: 'scaffolder@example.com' },
      },
      externalSecrets: {
        clusters: [
          {
            name: HARNESS_CLUSTER,
            url: 'https://main.harness.test:6443',
            serviceAccountToken: 'status-token',
            vaultAuthMount: 'kubernetes',
          },
        ],
        ...options.externalSecrets,
        vault: {
          baseUrl: vaultUrl,
          allowInsecureHttp: true,
          maxRetries: 0,
          auth: { type: 'token', token: this.vault.rootToken },
          ...options.vault,
        },
        manifests: {
          store: {
            server: 'https://vault.example.com:8200',
            caProvider: {
              type: 'ConfigMap',
              name: 'vault-ca',
              key: 'ca.crt',
              namespace: 'external-secrets',
            },
            audiences: ['https://kubernetes.default.svc.cluster.local'],
          },
        },
      },
    };

    // The catalog is mocked, but registering reads catalog-info.yaml through Backstage's real
    // GitHub URL reader, from the repository the template just pushed. As the real catalog, it
    // refuses a location it has already, and a dry run says it exists.
    const reader = UrlReaders.default({
      config: new ConfigReader(config),
      logger: mockServices.logger.mock(),
    });
    const catalog = catalogServiceMock({
      entities: [templateEntity(), ...(options.entities ?? [])],
    });
    catalog.addLocation = async request => {
      const exists = this.locations.includes(request.target);
      if (exists && !request.dryRun) {
        throw new ConflictError(
          `Location ${request.type ?? 'url'}:${request.target} already exists`,
        );
      }
      const response = await reader.readUrl(request.target);
      const entity = parse(
        (await response.buffer()).toString('utf8'),
      ) as Entity;
      if (!request.dryRun) {
        this.locations.push(request.target);
        this.registered.push(entity);
      }
      return {
        location: {
          id: `loc-${this.registered.length}`,
          type: request.type ?? 'url',
          target: request.target,
          entityRef: `location:default/generated-${this.registered.length}`,
        },
        entities: [entity],
        exists,
      };
    };

    this.backend = await startTestBackend({
      features: [
        mockServices.rootConfig.factory({ data: config }),
        createServiceFactory({
          service: catalogServiceRef,
          deps: {},
          factory: () => catalog,
        }),
        import('@backstage/plugin-scaffolder-backend'),
        import('@backstage/plugin-scaffolder-backend-module-github'),
        module,
        ...(options.features ?? []),
      ],
    });
  }

  async stop() {
    await this.backend?.stop();
    await this.github.stop();
    const server = this.vaultServer;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  }

  repoUrl(repo: string) {
    return `${this.githubHost}?owner=acme&repo=${repo}`;
  }

  /** Reads a Vault path as the root token would; undefined on 404. */
  async vaultRead(vaultPath: string): Promise<any> {
    const response = await this.vault.handle({
      method: 'GET',
      path: `/v1/${vaultPath}`,
      headers: { 'x-vault-token': this.vault.rootToken },
    });
    if (response.status === 404) {
      return undefined;
    }
    return JSON.parse(response.body ?? '{}').data;
  }

  /** Lists a Vault path as the root token would; [] on 404. */
  async vaultList(vaultPath: string): Promise<string[]> {
    const response = await this.vault.handle({
      method: 'GET',
      path: `/v1/${vaultPath}`,
      query: { list: 'true' },
      headers: { 'x-vault-token': this.vault.rootToken },
    });
    if (response.status === 404) {
      return [];
    }
    return JSON.parse(response.body ?? '{}').data?.keys ?? [];
  }

  /**
   * Dry-runs the template as the template editor does: template, values and the skeleton's
   * files in, rendered workspace files and log out.
   */
  async dryRun(
    values: Record<string, unknown>,
    secrets: Record<string, string>,
  ): Promise<{
    status: number;
    log: Array<{ body: { message?: string } }>;
    files: Record<string, string>;
  }> {
    const templateDir = path.dirname(TEMPLATE_FILE);
    const directoryContents = fs
      .readdirSync(path.join(templateDir, 'skeleton'), { recursive: true })
      .map(String)
      .filter(file =>
        fs.statSync(path.join(templateDir, 'skeleton', file)).isFile(),
      )
      .map(file => ({
        path: `skeleton/${file}`,
        base64Content: fs
          .readFileSync(path.join(templateDir, 'skeleton', file))
          .toString('base64'),
      }));
    const response = await fetch(`${this.scaffolderUrl()}/v2/dry-run`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({
        template: parse(fs.readFileSync(TEMPLATE_FILE, 'utf8')),
        values,
        secrets,
        directoryContents,
      }),
    });
    const body = await response.json();
    return {
      status: response.status,
      log: body.log ?? [],
      files: Object.fromEntries(
        (body.directoryContents ?? []).map(
          (file: { path: string; base64Content: string }) => [
            file.path,
            Buffer.from(file.base64Content, 'base64').toString('utf8'),
          ],
        ),
      ),
    };
  }

  private scaffolderUrl() {
    const server = this.backend!.server;
    return `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/scaffolder`;
  }

  private headers() {
    return {
      authorization: mockCredentials.user.header(),
      'content-type': 'application/json',
    };
  }

  /**
   * Runs the template to the end (bounded wait) and returns its status, events and output,
   * as `user` (default the mock user).
   */
  async runTemplate(
    values: Record<string, unknown>,
    secrets: Record<string, string>,
    options: { user?: string; templateRef?: string } = {},
  ): Promise<TaskResult> {
    const base = this.scaffolderUrl();
    const headers = {
      authorization: mockCredentials.user.header(options.user),
      'content-type': 'application/json',
    };
    const created = await fetch(`${base}/v2/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        templateRef:
          options.templateRef ?? 'template:default/new-service-with-secrets',
        values,
        secrets,
      }),
    });
    if (created.status !== 201) {
      throw new Error(
        `task not created: ${created.status} ${await created.text()}`,
      );
    }
    const { id } = await created.json();
    return this.waitForTask(id, headers);
  }

  /**
   * Retries a failed task as the scaffolder's "Retry" button does (same task, same input, steps
   * that completed and checkpoints kept) and waits for it to finish again.
   */
  async retryTask(
    id: string,
    secrets: Record<string, string>,
    options: { user?: string } = {},
  ): Promise<TaskResult> {
    const headers = {
      authorization: mockCredentials.user.header(options.user),
      'content-type': 'application/json',
    };
    const response = await fetch(
      `${this.scaffolderUrl()}/v2/tasks/${id}/retry`,
      {
        method: 'POST',
        headers,
        body: JSON.stringify({ secrets }),
      },
    );
    if (response.status !== 201) {
      throw new Error(
        `task not retried: ${response.status} ${await response.text()}`,
      );
    }
    // The retried task starts over from "open"; wait until it left its previous end state.
    for (let attempt = 0; attempt < 100; attempt++) {
      const task = await (
        await fetch(`${this.scaffolderUrl()}/v2/tasks/${id}`, { headers })
      ).json();
      if (task.status !== 'failed') break;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    return this.waitForTask(id, headers);
  }

  private async waitForTask(
    id: string,
    headers: Record<string, string>,
  ): Promise<TaskResult> {
    const base = this.scaffolderUrl();
    for (let attempt = 0; attempt < 600; attempt++) {
      const task = await (
        await fetch(`${base}/v2/tasks/${id}`, { headers })
      ).json();
      if (['completed', 'failed', 'cancelled'].includes(task.status)) {
        const events = await (
          await fetch(`${base}/v2/tasks/${id}/events`, { headers })
        ).json();
        const completion = events.find(
          (e: TaskEvent) => e.type === 'completion',
        );
        return {
          id,
          status: task.status,
          events,
          output: completion?.body.output,
        };
      }
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error(`task ${id} did not finish`);
  }
}
