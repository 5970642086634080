import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { externalSecretsApiRef } from './api/ExternalSecretsApi';
import { ExternalSecretsClient } from './api/ExternalSecretsClient';
import {
  EXTERNAL_SECRETS_EDITOR_FIELD,
  ExternalSecretsEditor,
  externalSecretsEditorSchema,
  externalSecretsEditorValidation,
} from './fields/ExternalSecretsEditor';
import {
  EXTERNAL_SECRETS_CLUSTER_PICKER_FIELD,
  ExternalSecretsClusterPicker,
  externalSecretsClusterPickerSchema,
} from './fields/ExternalSecretsClusterPicker';
import { fleetRouteRef, rootRouteRef } from './routes';

/**
 * The External Secrets plugin for apps on the legacy frontend system
 * (`@backstage/core-plugin-api`). Apps on the New Frontend System use the `/alpha` export.
 *
 * @public
 */
export const externalSecretsPlugin = createPlugin({
  id: 'external-secrets',
  apis: [
    createApiFactory({
      api: externalSecretsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ExternalSecretsClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef, fleet: fleetRouteRef },
});

/**
 * Entity overview card: overall External Secrets health, one line per ExternalSecret and the
 * first finding with its fix. Use inside an entity page.
 *
 * @public
 */
export const EntityExternalSecretsCard: () => JSX.Element =
  externalSecretsPlugin.provide(
    createComponentExtension({
      name: 'EntityExternalSecretsCard',
      component: {
        lazy: () =>
          import('./components/EntityExternalSecretsCard').then(
            m => m.EntityExternalSecretsCard,
          ),
      },
    }),
  );

/**
 * Cluster card for a catalog `Resource` of type `kubernetes-cluster`: the Vault Kubernetes
 * auth health of that cluster (mount, host, CA, token review) with each problem's fix. Use on
 * the entity page of cluster resources (`isKubernetesClusterEntity` is the filter).
 *
 * @public
 */
export const EntityClusterHealthCard: () => JSX.Element =
  externalSecretsPlugin.provide(
    createComponentExtension({
      name: 'EntityClusterHealthCard',
      component: {
        lazy: () =>
          import('./components/EntityClusterHealthCard').then(
            m => m.EntityClusterHealthCard,
          ),
      },
    }),
  );

/**
 * Entity tab content: every ExternalSecret across clusters, with diagnosis and "Sync now".
 *
 * @public
 */
export const EntityExternalSecretsContent: () => JSX.Element =
  externalSecretsPlugin.provide(
    createRoutableExtension({
      name: 'EntityExternalSecretsContent',
      component: () =>
        import('./components/EntityExternalSecretsContent').then(
          m => m.EntityExternalSecretsContent,
        ),
      mountPoint: rootRouteRef,
    }),
  );

/**
 * The "Secrets health" page for the platform team: every ExternalSecret and store across
 * clusters, with owners, findings, orphans and failing stores. Needs
 * `external-secrets.fleet.read`. Mount it on a route of the app, e.g. `/secrets-health`.
 *
 * @public
 */
export const SecretsHealthPage: () => JSX.Element =
  externalSecretsPlugin.provide(
    createRoutableExtension({
      name: 'SecretsHealthPage',
      component: () =>
        import('./components/SecretsHealthPage').then(m => m.SecretsHealthPage),
      mountPoint: fleetRouteRef,
    }),
  );

/**
 * Scaffolder field `ui:field: ExternalSecretsEditor`: a service's secrets, their properties
 * (Vault property → key in the Kubernetes Secret) and optional initial values, which go only
 * into the task's secrets. Place it inside `<ScaffolderFieldExtensions>`.
 *
 * @public
 */
export const ExternalSecretsEditorFieldExtension =
  externalSecretsPlugin.provide(
    createScaffolderFieldExtension({
      name: EXTERNAL_SECRETS_EDITOR_FIELD,
      component: ExternalSecretsEditor,
      validation: externalSecretsEditorValidation,
      schema: externalSecretsEditorSchema.schema,
    }),
  );

/**
 * Scaffolder field `ui:field: ExternalSecretsClusterPicker`: one of the clusters of
 * `externalSecrets.clusters`, with its Vault mount and whether it is onboarded
 * (`ui:options.requireOnboarded` disables the others). Place it inside
 * `<ScaffolderFieldExtensions>`.
 *
 * @public
 */
export const ExternalSecretsClusterPickerFieldExtension =
  externalSecretsPlugin.provide(
    createScaffolderFieldExtension({
      name: EXTERNAL_SECRETS_CLUSTER_PICKER_FIELD,
      component: ExternalSecretsClusterPicker,
      schema: externalSecretsClusterPickerSchema.schema,
    }),
  );
