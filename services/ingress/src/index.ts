// Public surface of @ai-gateway/ingress.
