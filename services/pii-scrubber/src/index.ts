// Public surface of @ai-gateway/pii-scrubber.
