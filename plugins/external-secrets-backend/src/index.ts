/**
 * Status API for gitops-secrets: live ExternalSecret sync health per catalog entity, with
 * diagnosis, signals, "sync now" and an MCP action.
 *
 * @packageDocumentation
 */

export { externalSecretsPlugin as default } from './plugin';
