// Command-line flags shared by the entry points: --config, --port, --host, --replicas.
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, defaultConfigPath, loadConfig, type GatewayConfig, type Logger } from '@ai-gateway/kit';

export interface CliOptions {
  configPath: string;
  port: number | null;
  host: string | null;
  replicas: number;
}

export function parseCli(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      replicas: { type: 'string' },
    },
    strict: true,
  });
  const port = values.port ?? env['PORT'];
  const replicas = Number(values.replicas ?? env['GATEWAY_REPLICAS'] ?? 2);
  return {
    configPath: values.config ?? defaultConfigPath(env),
    port: port === undefined ? null : Number(port),
    host: values.host ?? env['HOST'] ?? null,
    replicas: Number.isInteger(replicas) && replicas > 0 ? replicas : 2,
  };
}

/** Loads the config or exits with the loader's message (YAML path, expected type, masked value). */
export function loadConfigOrExit(path: string, logger: Logger): GatewayConfig {
  try {
    const { config, warnings } = loadConfig({ path });
    for (const w of warnings) logger.warn({ path: w.path, code: w.code }, w.message);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

export function rootLogger(name: string): Logger {
  return createLogger({ name });
}

/** Human start-up summary: where it listens, in which mode, which models are live. */
export function banner(config: GatewayConfig, url: string, mode: string): string {
  const lines = [`AI gateway listening on ${url} (${mode}; config ${config.source})`];
  const groups = new Map<string, string[]>();
  for (const d of config.deployments) {
    const state = d.supported ? `${d.provider}/${d.providerModel}` : `unavailable: ${d.unsupportedReason ?? 'unsupported'}`;
    groups.set(d.modelGroup, [...(groups.get(d.modelGroup) ?? []), state]);
  }
  lines.push('Models:');
  for (const [name, states] of groups) lines.push(`  ${name.padEnd(28)} ${states.join(', ')}`);
  if (!config.general_settings.master_key) {
    lines.push('');
    lines.push('WARNING: no master_key configured (general_settings.master_key / LITELLM_MASTER_KEY).');
    lines.push('WARNING: the gateway is OPEN: anyone who can reach it can spend your provider credits.');
  }
  return lines.join('\n');
}
