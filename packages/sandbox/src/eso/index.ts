export { EsoController } from './EsoController';
export type { EsoControllerOptions, EsoTimer } from './EsoController';
export { EventRecorder } from './EventRecorder';
export type { EventType } from './EventRecorder';
export { syncedResourceVersion } from './syncedResourceVersion';
