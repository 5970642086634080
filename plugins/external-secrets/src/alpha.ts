/**
 * New Frontend System entry of the External Secrets plugin.
 *
 * @packageDocumentation
 */

export { default } from './alpha/plugin';
export {
  externalSecretsApi,
  externalSecretsEntityCard,
  externalSecretsEntityContent,
  externalSecretsFleetPage,
  secretsHealthRouteRef,
  externalSecretsEditorFormField,
} from './alpha/plugin';
