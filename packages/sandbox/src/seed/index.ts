export {
  SEED_SERVICES,
  SEED_TOKEN_AUDIENCE,
  SEED_VAULT_SERVER,
  type SeedService,
} from './seedServices';
export { seedDeployment } from './seedWorkloads';
