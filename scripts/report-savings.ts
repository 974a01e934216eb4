// npm run report:savings -- --from YYYY-MM-DD --to YYYY-MM-DD [--config config.yaml] [--gateway URL [--master-key K]]
//   [--database-url URL | --data-dir DIR] [--schema NAME] [--json]
// Spend for the period by team and model, with savings from cache hits and from routing to cheaper models than
// the one requested. Reads a running gateway's GET /global/spend/savings, or the accounting store directly.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type GatewayConfig } from '@ai-gateway/kit';
import {
  builtinRequestedPrice, createPgliteExecutor, createPostgresExecutor, createSpendReports, createSqlStore, requestedPriceOf,
  type SavingsLine, type SavingsReport, type SqlExecutor,
} from '@ai-gateway/cost-accounting';

const USAGE = 'usage: npm run report:savings -- --from YYYY-MM-DD --to YYYY-MM-DD [--config FILE] [--gateway URL] [--database-url URL | --data-dir DIR] [--schema NAME] [--json]';

function aliasesOf(config: GatewayConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [alias, target] of Object.entries(config.router_settings.model_group_alias)) out[alias] = typeof target === 'string' ? target : target.model;
  return out;
}

async function fromGateway(url: string, masterKey: string | undefined, from: string, to: string): Promise<SavingsReport> {
  const res = await fetch(`${url.replace(/\/$/, '')}/global/spend/savings?start_date=${encodeURIComponent(from)}&end_date=${encodeURIComponent(to)}`, {
    headers: masterKey ? { authorization: `Bearer ${masterKey}` } : {},
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as SavingsReport | { error: { message: string } };
  if (!res.ok || 'error' in body) throw new Error(`gateway answered ${res.status}: ${'error' in body ? body.error.message : ''}`);
  return body;
}

async function openSql(url: string | undefined, dataDir: string, schema: string | undefined): Promise<SqlExecutor> {
  if (url) return createPostgresExecutor({ options: { connectionString: url, maxConnections: 1, ...(schema ? { schema } : {}) } });
  const dir = resolve(dataDir);
  if (!existsSync(dir)) throw new Error(`no embedded database at ${dir} (pass --gateway, --database-url or --data-dir)`);
  if (existsSync(`${dir}.lock`)) {
    const pid = Number(readFileSync(`${dir}.lock`, 'utf8').trim());
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      /* gone */
    }
    if (alive && pid !== process.pid) throw new Error(`${dir} is in use by the running gateway (pid ${pid}); use --gateway http://host:port instead`);
  }
  return createPgliteExecutor({ options: { dataDir: dir, ...(schema ? { schema } : {}) } });
}

const money = (n: number): string => n.toFixed(4);
const pct = (l: SavingsLine): string => (l.spend_without_gateway > 0 ? `${((100 * l.total_savings) / l.spend_without_gateway).toFixed(1)}%` : '-');

/** Fixed-width text table; numbers right-aligned. */
export function table(headers: string[], rows: string[][], numeric: (i: number) => boolean): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderSavings(r: SavingsReport): string {
  const cols = ['requests', 'spend $', 'cache hits', 'cache savings $', 'routing savings $', 'total savings $', 'without gateway $', 'saved'];
  const figures = (l: SavingsLine) => [String(l.requests), money(l.spend), String(l.cache_hits), money(l.cache_savings), money(l.routing_savings), money(l.total_savings), money(l.spend_without_gateway), pct(l)];
  const team = (t: string | null) => t ?? '(no team)';
  const out = [
    `Spend and savings, ${r.start_date} to ${r.end_date} (UTC)`,
    '',
    table(['team', 'model', ...cols], [
      ...r.by_team_model.map((x) => [team(x.team_id), x.model, ...figures(x)]),
      ['TOTAL', '', ...figures(r.totals)],
    ], (i) => i >= 2),
    '',
    'By team',
    table(['team', ...cols], r.by_team.map((x) => [team(x.team_id), ...figures(x)]), (i) => i >= 1),
    '',
    'By requested model',
    table(['model', ...cols], r.by_model.map((x) => [x.model, ...figures(x)]), (i) => i >= 1),
  ];
  if (r.totals.unpriced_reroutes > 0) out.push('', `${r.totals.unpriced_reroutes} rerouted requests asked for a model without a price: their routing savings are not counted.`);
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' }, to: { type: 'string' }, config: { type: 'string' }, gateway: { type: 'string' }, 'master-key': { type: 'string' },
      'database-url': { type: 'string' }, 'data-dir': { type: 'string' }, schema: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (!values.from || !values.to) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const configPath = values.config ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
  const config = configPath ? loadConfig({ path: configPath }).config : null;
  let report: SavingsReport;
  if (values.gateway) {
    report = await fromGateway(values.gateway, values['master-key'] ?? process.env['LITELLM_MASTER_KEY'] ?? config?.general_settings.master_key, values.from, values.to);
  } else {
    const dataDir = values['data-dir'];
    const url = values['database-url'] ?? (dataDir ? undefined : (process.env['DATABASE_URL'] ?? config?.general_settings.database_url));
    const sql = await openSql(url, dataDir ?? process.env['GATEWAY_DATA_DIR'] ?? '.data/pg', values.schema ?? process.env['GATEWAY_DB_SCHEMA']);
    try {
      const requestedPrice = config ? requestedPriceOf(config.deployments, aliasesOf(config)) : builtinRequestedPrice;
      report = await createSpendReports({ deps: { store: createSqlStore({ deps: { sql } }) }, options: { requestedPrice } }).savings({ start_date: values.from, end_date: values.to });
    } finally {
      await sql.close();
    }
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderSavings(report));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`report:savings failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
