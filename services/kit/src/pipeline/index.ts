export * from './subjects.ts';
export * from './stage.ts';
export * from './codec.ts';
export * from './completed.ts';
export * from './pipeline.ts';
export * from './reply-filter.ts';
