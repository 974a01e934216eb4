// Public surface of @ai-gateway/cost-accounting.
