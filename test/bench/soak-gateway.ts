// Soak child: the embedded gateway as `npm start` runs it, plus process.memoryUsage() on request over IPC.
// Start with --expose-gc so a `{ type: 'memory', gc: true }` request measures what survives a full collection.
import { createLogger, loadConfig } from '@ai-gateway/kit';
import { startEmbedded } from '@ai-gateway/gateway';

const configPath = process.argv[2];
if (!configPath) throw new Error('usage: soak-gateway.ts CONFIG');
const logger = createLogger({ name: 'gateway' });
const { config } = loadConfig({ path: configPath });
const gateway = await startEmbedded({ config, logger, port: 0, host: '127.0.0.1' });

process.on('message', (m: unknown) => {
  if (!m || typeof m !== 'object' || (m as { type?: unknown }).type !== 'memory') return;
  const collect = (globalThis as { gc?: () => void }).gc;
  if ((m as { gc?: unknown }).gc === true && collect) collect();
  process.send?.({ type: 'memory', at: Date.now(), ...process.memoryUsage() });
});
process.send?.({ url: gateway.url });

const stop = (): void => void gateway.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
