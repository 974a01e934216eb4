// Context-window management: count, then error, trim, middle-out or fall back before the call.
export { createContextWindow, inputLimitOf, parsePolicy, CONTEXT_HEADER, CONTEXT_POLICY_HEADER, type ContextWindow, type ContextWindowDeps, type ContextWindowOptions, type ContextPlan } from './fit.ts';
export { fitMessages, toolPairsIntact, type TrimResult, type TrimStrategy } from './trim.ts';
