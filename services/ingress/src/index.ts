// Public surface of @ai-gateway/ingress: the HTTP edge of the gateway.
export { createApp, createInferenceFastPath, type AppExtensions } from './app.ts';
export type { IngressContext, IngressOptions, Overload } from './context.ts';
export { masterKeyAuthenticator, extractToken, ANONYMOUS, type Authenticator } from './auth.ts';
export type { ModelCatalog } from './catalog.ts';
export { createKeyAuthenticator, type KeyAuthenticator, type KeyAuthOptions, type KeyDirectory, type KeyGrantView, type KeyChangeView } from './auth-keys.ts';
export { OPEN_ADMISSION, NO_TICKET, type Admission, type AdmissionRequest, type AdmissionTicket } from './admission.ts';
export { createAdminRouter, type AdminPort, type AdminCall, type AdminRouterOptions } from './auth-admin.ts';
export { openAIRenderer, errorFromReply, type Renderer, type StreamRenderer } from './http/render.ts';
export { UPSTREAM_MS_HEADER } from './http/relay.ts';
export { sendError, toGatewayError } from './http/errors.ts';
export { createOpsApp, createOpsRouter, type OpsDeps, type OpsOptions, type ReadinessCheck, type DeploymentHealth } from './routes/ops.ts';
