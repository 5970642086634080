export {
  SEED_SERVICES,
  SEED_TOKEN_AUDIENCE,
  SEED_VAULT_SERVER,
  type SeedService,
} from './seedServices';
export { seedDeployment } from './seedWorkloads';
export {
  EDGE_AUTH_MOUNT,
  EDGE_CLUSTER_NAME,
  EDGE_GITOPS_REPO,
  EDGE_SERVICE,
} from './edgeCluster';
export {
  LAB_AUTH_MOUNT,
  LAB_CLUSTER_NAME,
  LAB_GITOPS_REPO,
} from './labCluster';
