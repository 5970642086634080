export { SecretsHealthContent, SecretsHealthPage } from './SecretsHealthPage';
