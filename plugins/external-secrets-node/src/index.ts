export {};
export * from './manifests';
export * from './vault';
