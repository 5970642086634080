export {};
export * from './manifests';
