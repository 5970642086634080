export { EsoController } from './EsoController';
export type { EsoControllerOptions, EsoTimer } from './EsoController';
export { EventRecorder } from './EventRecorder';
export type { EventType } from './EventRecorder';
export { syncedResourceVersion } from './syncedResourceVersion';
export { installEso, esoInstallationObjects } from './installEso';
export { esoChartRbac, DEFAULT_ESO_INSTALLATION } from './esoChartRbac';
export type { EsoInstallation } from './esoChartRbac';
