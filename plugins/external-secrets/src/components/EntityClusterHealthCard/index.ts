export { EntityClusterHealthCard } from './EntityClusterHealthCard';
