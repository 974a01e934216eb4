export { ERRORS, type ErrorCode, type ErrorSpec } from './registry.ts';
export {
  GatewayError,
  isGatewayError,
  gatewayErrorFromBody,
  type GatewayErrorOptions,
  type OpenAIErrorBody,
  type AnthropicErrorBody,
} from './gateway-error.ts';
