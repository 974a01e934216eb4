// Public surface of @ai-gateway/semantic-cache.
