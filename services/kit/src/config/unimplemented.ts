// LiteLLM settings we recognise but do not implement: each gets one "not implemented" warning.

/** Keys per section path (`''` is the top level) that LiteLLM documents and we ignore. */
export const NOT_IMPLEMENTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': [
    'search_tools', 'credential_list', 'include', 'mcp_servers', 'mcp_tools', 'files_settings', 'assistant_settings',
    'finetune_settings', 'vector_store_registry', 'prompts', 'model_group_settings', 'pass_through_endpoints',
    'litellm_proxy_settings', 'callback_settings',
  ],
  router_settings: [
    'coordination_redis', 'redis_host', 'redis_port', 'redis_password', 'redis_url', 'cache_responses',
    'routing_strategy_args', 'enable_pre_call_checks', 'optional_pre_call_checks', 'provider_budget_config',
    'model_group_retry_policy', 'retry_policy', 'allowed_fails_policy', 'disable_cooldowns', 'enable_tag_filtering',
    'tag_filtering_match_any', 'polling_interval', 'max_fallbacks', 'debug_level', 'set_verbose', 'client_ttl',
    'assistants_config', 'search_tools', 'routing_groups', 'default_litellm_params', 'ignore_invalid_deployments',
    'default_max_parallel_requests', 'default_priority', 'router_general_settings', 'cache_kwargs',
    'alerting_config', 'model_group_affinity',
  ],
  litellm_settings: [
    'set_verbose', 'json_logs', 'redact_user_api_key_info', 'redact_messages_in_exceptions',
    'langfuse_default_tags', 'modify_params', 'enable_preview_features', 'max_budget', 'budget_duration',
    'default_team_settings', 'default_key_generate_params', 'upperbound_key_generate_params', 'max_parallel_requests',
    'telemetry', 'force_ipv4', 'ssl_verify', 'enable_json_schema_validation', 'default_internal_user_params',
    'key_generation_settings', 'disable_end_user_cost_tracking', 'disable_add_transform_inline_image_block',
    'public_teams', 'max_end_user_budget', 'content_policy_fallbacks_v2', 'allowed_fails', 'num_retries_per_request',
    'disable_token_counter', 'return_response_headers', 'use_chat_completions_url_for_anthropic_messages',
    'max_internal_user_budget', 'internal_user_budget_duration', 'default_max_internal_user_budget',
    'extra_spend_tag_headers', 'cache_kwargs', 'redis_host', 'redis_port', 'redis_password', 'callback_settings',
  ],
  'litellm_settings.cache_params': [
    'host', 'port', 'password', 'redis_startup_nodes', 'service_name', 'sentinel_nodes', 's3_bucket_name',
    's3_region_name', 's3_api_version', 's3_endpoint_url', 's3_aws_access_key_id', 's3_aws_secret_access_key',
    'disk_cache_dir', 'gcs_bucket_name', 'gcs_path', 'azure_account_url', 'azure_blob_container', 'default_in_memory_ttl',
    'default_in_redis_ttl', 'redis_flush_size',
  ],
  general_settings: [
    'store_model_in_db', 'alerting', 'alerting_threshold', 'alert_types',
    'alert_to_webhook_url', 'alerting_args', 'proxy_batch_write_at', 'database_connection_pool_limit',
    'database_connection_timeout', 'disable_spend_logs', 'disable_master_key_return', 'allowed_routes',
    'admin_only_routes', 'public_routes', 'key_management_system', 'key_management_settings', 'ui_access_mode',
    'custom_auth', 'custom_auth_settings', 'enforce_user_param', 'max_parallel_requests', 'global_max_parallel_requests',
    'background_health_checks', 'health_check_interval', 'health_check_details', 'allow_requests_on_db_unavailable',
    'disable_reset_budget', 'infer_model_from_keys', 'enable_jwt_auth', 'litellm_jwtauth', 'allowed_ips',
    'use_x_forwarded_for', 'user_header_name', 'pass_through_endpoints', 'service_account_settings',
    'custom_key_generate', 'forward_openai_org_id', 'forward_client_headers_to_llm_api', 'maximum_spend_logs_cleanup_cron',
    'maximum_daily_tag_spend_retention_period',
    'disable_prisma_schema_update', 'use_redis_transaction_buffer', 'enable_oauth2_auth', 'enforced_params',
    'max_request_size_mb', 'max_response_size_mb', 'proxy_budget_rescheduler_min_time', 'proxy_budget_rescheduler_max_time',
    'moderation_model', 'master_key_rotation',
  ],
};

/** Callback settings are valid LiteLLM but we ship our own telemetry instead. */
export const CALLBACK_KEYS = ['callbacks', 'success_callback', 'failure_callback', 'service_callbacks'] as const;

/** Guardrail integrations our pii-scrubber stage implements locally; any other vendor is not called. */
export const IMPLEMENTED_GUARDRAILS: readonly string[] = [
  'presidio',
  'pii',
  'pii_masking',
  'hide-secrets',
  'hide_secrets',
  'prompt_injection',
  'detect_prompt_injection',
  'content_filter',
  'litellm_content_filter',
  'output_filter',
];

export function notImplementedKeysAt(sectionPath: string): readonly string[] {
  return NOT_IMPLEMENTED_KEYS[sectionPath] ?? [];
}
