import { parseEntityRef } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  EXTERNAL_SECRETS_PLUGIN_ID,
  type ClusterAuthHealth,
  type ConfiguredClusters,
  type EntityExternalSecretsStatus,
  type FleetExternalSecretsPage,
  type FleetExternalSecretsQuery,
  type FleetStoresPage,
  type FleetStoresQuery,
  type RefreshTarget,
  type WorkloadRestartTarget,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ExternalSecretsApi } from './ExternalSecretsApi';

/**
 * {@link ExternalSecretsApi} over the external-secrets backend's HTTP API. Authentication is
 * left to the `fetchApi`, which adds the user's Backstage token.
 *
 * @public
 */
export class ExternalSecretsClient implements ExternalSecretsApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getStatus(entityRef: string): Promise<EntityExternalSecretsStatus> {
    const response = await this.fetchApi.fetch(
      `${await this.entityUrl(entityRef)}/status`,
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as EntityExternalSecretsStatus;
  }

  async getClusterHealth(entityRef: string): Promise<ClusterAuthHealth> {
    const response = await this.fetchApi.fetch(
      `${await this.entityUrl(entityRef)}/cluster-health`,
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as ClusterAuthHealth;
  }

  async getClusters(): Promise<ConfiguredClusters> {
    const baseUrl = await this.discoveryApi.getBaseUrl(
      EXTERNAL_SECRETS_PLUGIN_ID,
    );
    const response = await this.fetchApi.fetch(`${baseUrl}/clusters`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as ConfiguredClusters;
  }

  async refresh(entityRef: string, target: RefreshTarget): Promise<void> {
    const response = await this.fetchApi.fetch(
      `${await this.entityUrl(entityRef)}/refresh`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          cluster: target.cluster,
          namespace: target.namespace,
          name: target.name,
        }),
      },
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
  }

  async restartWorkload(
    entityRef: string,
    target: WorkloadRestartTarget,
  ): Promise<{ restartedAt: string }> {
    const response = await this.fetchApi.fetch(
      `${await this.entityUrl(entityRef)}/restart`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          cluster: target.cluster,
          namespace: target.namespace,
          externalSecret: target.externalSecret,
          kind: target.kind,
          name: target.name,
        }),
      },
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as { restartedAt: string };
    return { restartedAt: body.restartedAt };
  }

  async getFleetExternalSecrets(
    query: FleetExternalSecretsQuery,
  ): Promise<FleetExternalSecretsPage> {
    return this.getFleet<FleetExternalSecretsPage>('external-secrets', query);
  }

  async getFleetStores(query: FleetStoresQuery): Promise<FleetStoresPage> {
    return this.getFleet<FleetStoresPage>('stores', query);
  }

  private async getFleet<T>(path: string, query: object): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      // repeated for lists, so a value with a comma in it cannot be split
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== '') params.append(key, String(item));
      }
    }
    const baseUrl = await this.discoveryApi.getBaseUrl(
      EXTERNAL_SECRETS_PLUGIN_ID,
    );
    const search = params.toString();
    const response = await this.fetchApi.fetch(
      `${baseUrl}/fleet/${path}${search ? `?${search}` : ''}`,
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  private async entityUrl(entityRef: string): Promise<string> {
    const { kind, namespace, name } = parseEntityRef(entityRef);
    const baseUrl = await this.discoveryApi.getBaseUrl(
      EXTERNAL_SECRETS_PLUGIN_ID,
    );
    return `${baseUrl}/entities/${[namespace, kind, name]
      .map(encodeURIComponent)
      .join('/')}`;
  }
}
