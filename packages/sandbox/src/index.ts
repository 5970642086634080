export {};
export * from './vault';
