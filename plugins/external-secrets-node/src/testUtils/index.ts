/**
 * Test helpers of `@gitops-secrets/plugin-external-secrets-node` for the tests of the packages
 * built on it: ESO object and Event fixtures with their API paths, an msw-served fake of the
 * Kubernetes list/watch API, and `eventually` for polling a condition with a bound.
 *
 * @packageDocumentation
 */

export { eventually } from './eventually';
export { FakeKubernetesApi } from './fakeKubernetesApi';
export {
  CES_PATH,
  CSS_PATH,
  ES_PATH,
  EVENTS_PATH,
  PS_PATH,
  SS_PATH,
  clusterSecretStore,
  externalSecret,
  warningEvent,
} from './fixtures';
