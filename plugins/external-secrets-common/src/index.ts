/**
 * Isomorphic model, naming rules, KV path math and permissions shared by the gitops-secrets
 * plugins.
 *
 * @packageDocumentation
 */

export * from './constants';
export * from './isExternalSecretsAvailable';
export * from './naming';
export * from './clusterMounts';
export * from './clusterHealth';
export * from './kvPaths';
export * from './names';
export * from './status';
export * from './permissions';
export * from './fleet';
export * from './duration';
export * from './classify';
export * from './classifyKinds';
export * from './freshness';
export * from './consumers';
export * from './vaultPolicy';
export * from './serviceAuthority';
export * from './secretsSpec';
