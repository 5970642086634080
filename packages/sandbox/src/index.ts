export {};
export * from './vault';
export * from './github';
