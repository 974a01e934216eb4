// Public surface of @ai-gateway/gateway.
