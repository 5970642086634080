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
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  GitHubEmulator,
  VaultEmulator,
  createVaultRequestListener,
} from 'sandbox';
import { parse } from 'yaml';

export const GITHUB_TOKEN = 'e2e-github-token';
export const TEMPLATE_FILE = path.resolve(
  __dirname,
  '../../../../../templates/new-service-with-secrets/template.yaml',
);

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
  const template = parse(fs.readFileSync(TEMPLATE_FILE, 'utf8'));
  template.metadata.namespace = 'default';
  template.metadata.annotations = {
    'backstage.io/managed-by-location': `file:${TEMPLATE_FILE}`,
    'backstage.io/managed-by-origin-location': `file:${TEMPLATE_FILE}`,
  };
  return template;
}

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
  private vaultServer?: http.Server;
  private backend?: Awaited<ReturnType<typeof startTestBackend>>;
  private githubHost = '';

  async start(module: BackendFeature | Promise<{ default: BackendFeature }>) {
    this.vaultServer = http.createServer((req, res) =>
      createVaultRequestListener(this.vault)(req, res),
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
      integrations: { github: [this.github.integrationConfig(GITHUB_TOKEN)] },
      scaffolder: {
        defaultAuthor: { name: 'Scaffolder', email: 'scaffolder@example.com' },
      },
      externalSecrets: {
        vault: {
          baseUrl: vaultUrl,
          allowInsecureHttp: true,
          maxRetries: 0,
          auth: { type: 'token', token: this.vault.rootToken },
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
    // GitHub URL reader, from the repository the template just pushed.
    const reader = UrlReaders.default({
      config: new ConfigReader(config),
      logger: mockServices.logger.mock(),
    });
    const catalog = catalogServiceMock({ entities: [templateEntity()] });
    catalog.addLocation = async request => {
      const response = await reader.readUrl(request.target);
      const entity = parse(
        (await response.buffer()).toString('utf8'),
      ) as Entity;
      if (!request.dryRun) {
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
        exists: false,
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

  /** Runs the template to the end (bounded wait) and returns its status, events and output. */
  async runTemplate(
    values: Record<string, unknown>,
    secrets: Record<string, string>,
  ): Promise<TaskResult> {
    const server = this.backend!.server;
    const base = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/scaffolder`;
    const headers = {
      authorization: mockCredentials.user.header(),
      'content-type': 'application/json',
    };
    const created = await fetch(`${base}/v2/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        templateRef: 'template:default/new-service-with-secrets',
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
