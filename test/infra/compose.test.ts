// docker-compose.yml must describe the project as it is: services that exist, env vars the config reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_ENV_VARS } from '@ai-gateway/kit';

const ROOT = resolve(import.meta.dirname, '../..');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, unknown> | string[];
  volumes?: string[];
}

const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const gatewayServices = Object.entries(services).filter(([, s]) => s.build !== undefined);

/** Variables the process reads besides the config loader's: the entry points and OpenTelemetry's standard ones. */
const PROCESS_ENV = new Set(['GATEWAY_BUS_NAMESPACE', 'GATEWAY_REPLICAS', 'GATEWAY_OPS_PORT', 'GATEWAY_INGRESS_STAGES', 'GATEWAY_ROUTER_STAGES', 'NODE_ENV']);

test('compose - every gateway service runs an entry file that exists', () => {
  assert.ok(gatewayServices.length >= 5, 'ingress, pii-scrubber, semantic-cache, router and cost-accounting are built from the Dockerfile');
  for (const [name, s] of gatewayServices) {
    const cmd = Array.isArray(s.command) ? s.command : String(s.command ?? '').split(/\s+/);
    const entry = cmd.find((part) => part.endsWith('.ts'));
    assert.ok(entry, `${name} has a .ts entry in its command`);
    assert.ok(existsSync(resolve(ROOT, entry)), `${name}: ${entry} exists`);
  }
});

test('compose - the design names every service, and each depends only on services that exist', () => {
  for (const required of ['ingress', 'pii-scrubber', 'semantic-cache', 'router', 'cost-accounting', 'postgres', 'nats', 'kafka', 'qdrant', 'prometheus', 'grafana']) {
    assert.ok(services[required], `service ${required} is defined`);
  }
  for (const [name, s] of Object.entries(services)) {
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
    for (const d of deps) assert.ok(services[d], `${name} depends on ${d}, which is defined`);
  }
});

test('compose - every env var set on a gateway service is one the gateway reads', () => {
  const known = new Set([...CONFIG_ENV_VARS, ...PROCESS_ENV]);
  for (const [name, s] of gatewayServices) {
    for (const key of Object.keys(s.environment ?? {})) {
      assert.ok(known.has(key) || key.startsWith('OTEL_'), `${name} sets ${key}, which nothing reads`);
    }
  }
});

test('compose - files mounted from the repo exist', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const src = v.split(':')[0] ?? '';
      if (!src.startsWith('./')) continue;
      assert.ok(existsSync(resolve(ROOT, src)), `${name} mounts ${src}, which exists`);
    }
  }
});

test('compose - the Dockerfile is multi-stage and copies the schemas the codec reads at run time', () => {
  const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
  assert.match(dockerfile, /schemas|COPY \. |COPY --chown=\S+ \. /);
});
