// Public surface of @ai-gateway/router.
