/**
 * New Frontend System entry of the External Secrets plugin.
 *
 * @packageDocumentation
 */

export { default } from './alpha/plugin';
export {
  externalSecretsApi,
  externalSecretsEntityCard,
  externalSecretsClusterHealthCard,
  externalSecretsEntityContent,
  externalSecretsFleetPage,
  secretsHealthRouteRef,
  externalSecretsEditorFormField,
  externalSecretsClusterPickerFormField,
} from './alpha/plugin';
