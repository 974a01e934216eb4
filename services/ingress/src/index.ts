// Public surface of @ai-gateway/ingress: the HTTP edge of the gateway.
export { createApp, type AppExtensions } from './app.ts';
export type { IngressContext, IngressOptions } from './context.ts';
export { masterKeyAuthenticator, extractToken, ANONYMOUS, type Authenticator } from './auth.ts';
export type { ModelCatalog } from './catalog.ts';
export { openAIRenderer, errorFromReply, type Renderer, type StreamRenderer } from './http/render.ts';
export { UPSTREAM_MS_HEADER } from './http/relay.ts';
export { sendError, toGatewayError } from './http/errors.ts';
export { createOpsApp, createOpsRouter, type OpsDeps, type OpsOptions, type ReadinessCheck, type DeploymentHealth } from './routes/ops.ts';
