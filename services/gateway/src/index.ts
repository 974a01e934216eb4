// Public surface of @ai-gateway/gateway: composition roots for embedded and distributed mode.
export { startEmbedded, type RunningGateway, type EmbeddedOptions } from './embedded.ts';
export { slipFor, buildStages, type StageName } from './compose/stages.ts';
export { startIngressService, startRouterService, startStageService, startAccountingNode, connectBus, natsUrlOf, subjectsFromEnv, type ServiceHandle } from './node-services.ts';
export { buildRouter, timeoutsFrom } from './compose/router.ts';
export { buildCatalog, buildIngressServer, newIngressId } from './compose/ingress.ts';
export { banner } from './cli.ts';
export { startAccounting, buildIngressAccounting, modelInfo, denialToError, type AccountingLocation, type RunningAccounting, type IngressAccounting } from './compose/accounting.ts';
