// Public surface of the router's pure domain: strategies, live stats, breaker, retry policy, fallbacks, planner.
export * from './types.ts';
export * from './deployment-state.ts';
export * from './strategies.ts';
export * from './breaker.ts';
export * from './retry.ts';
export * from './fallbacks.ts';
export * from './plan.ts';
