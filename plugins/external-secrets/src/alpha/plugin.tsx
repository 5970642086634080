import {
  ApiBlueprint,
  createFrontendPlugin,
  createRouteRef,
  PageBlueprint,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import {
  isExternalSecretsAvailable,
  isKubernetesClusterEntity,
} from '@gitops-secrets/plugin-external-secrets-common';
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import { externalSecretsApiRef } from '../api/ExternalSecretsApi';
import { ExternalSecretsClient } from '../api/ExternalSecretsClient';

/**
 * The `externalSecretsApiRef` client, over the discovery and fetch APIs.
 *
 * @alpha
 */
export const externalSecretsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: externalSecretsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ExternalSecretsClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The overview card, shown for entities with a Kubernetes annotation.
 *
 * @alpha
 */
export const externalSecretsEntityCard = EntityCardBlueprint.make({
  name: 'status',
  params: {
    type: 'info',
    filter: isExternalSecretsAvailable,
    loader: () =>
      import('../components/EntityExternalSecretsCard').then(m => (
        <m.EntityExternalSecretsCard />
      )),
  },
});

/**
 * The cluster card, shown for `Resource` entities of type `kubernetes-cluster`: the cluster's
 * Vault Kubernetes auth health.
 *
 * @alpha
 */
export const externalSecretsClusterHealthCard = EntityCardBlueprint.make({
  name: 'cluster-health',
  params: {
    type: 'info',
    filter: isKubernetesClusterEntity,
    loader: () =>
      import('../components/EntityClusterHealthCard').then(m => (
        <m.EntityClusterHealthCard />
      )),
  },
});

/**
 * The "Secrets" tab at `secrets`, shown for entities with a Kubernetes annotation.
 *
 * @alpha
 */
export const externalSecretsEntityContent = EntityContentBlueprint.make({
  name: 'secrets',
  params: {
    path: 'secrets',
    title: 'Secrets',
    filter: isExternalSecretsAvailable,
    loader: () =>
      import('../components/EntityExternalSecretsContent').then(m => (
        <m.EntityExternalSecretsContent />
      )),
  },
});

/**
 * The route of the "Secrets health" page, for other plugins to link to.
 *
 * @alpha
 */
export const secretsHealthRouteRef = createRouteRef();

/**
 * The "Secrets health" page at `/secrets-health`, in the app's sidebar: every ExternalSecret
 * and store across clusters, for the platform team (`external-secrets.fleet.read`).
 *
 * @alpha
 */
export const externalSecretsFleetPage = PageBlueprint.make({
  name: 'secrets-health',
  params: {
    path: '/secrets-health',
    title: 'Secrets health',
    icon: <VpnKeyIcon />,
    routeRef: secretsHealthRouteRef,
    loader: () =>
      import('../components/SecretsHealthPage').then(m => (
        <m.SecretsHealthContent />
      )),
  },
});

/**
 * The scaffolder field `ui:field: ExternalSecretsEditor` (secrets, properties and initial
 * values), for the scaffolder of the New Frontend System.
 *
 * @alpha
 */
export const externalSecretsEditorFormField = FormFieldBlueprint.make({
  name: 'external-secrets-editor',
  params: {
    field: () =>
      import('../fields/ExternalSecretsEditor/formField').then(
        m => m.externalSecretsEditorField,
      ),
  },
});

/**
 * The scaffolder field `ui:field: ExternalSecretsClusterPicker` (a configured cluster, with its
 * Vault mount and whether it is onboarded), for the scaffolder of the New Frontend System.
 *
 * @alpha
 */
export const externalSecretsClusterPickerFormField = FormFieldBlueprint.make({
  name: 'external-secrets-cluster-picker',
  params: {
    field: () =>
      import('../fields/ExternalSecretsClusterPicker/formField').then(
        m => m.externalSecretsClusterPickerField,
      ),
  },
});

/**
 * The External Secrets plugin for the New Frontend System: an API, an entity card (info) and
 * an entity content tab "Secrets", both shown only for entities with a Kubernetes annotation,
 * the cluster health card for `Resource` entities of type `kubernetes-cluster`,
 * the "Secrets health" page for the platform team and the scaffolder fields
 * `ExternalSecretsEditor` and `ExternalSecretsClusterPicker`.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'external-secrets',
  title: 'External Secrets',
  info: { packageJson: () => import('../../package.json') },
  routes: { secretsHealth: secretsHealthRouteRef },
  extensions: [
    externalSecretsApi,
    externalSecretsEntityCard,
    externalSecretsClusterHealthCard,
    externalSecretsEntityContent,
    externalSecretsFleetPage,
    externalSecretsEditorFormField,
    externalSecretsClusterPickerFormField,
  ],
});
