export {};
export * from './vault';
export * from './github';
export * from './kubernetes';
export * from './eso';
