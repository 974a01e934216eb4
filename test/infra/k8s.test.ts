// Kubernetes manifests: every cross-reference resolves (selectors, ports, probes, config keys, secrets, autoscaling).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { createOpsApp } from '@ai-gateway/ingress';
import { loadConfig } from '@ai-gateway/kit';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, 'infra/k8s');
const NS = 'ai-gateway';
const HEALTH_PATHS = new Set(['/health/liveliness', '/health/readiness']);

interface Port { name?: string; containerPort: number }
interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }
interface Probe { httpGet?: { path: string; port: string | number } }
interface Container {
  name: string;
  command: string[];
  ports: Port[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface DeploymentSpec {
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: { containers: Container[]; volumes?: Array<{ name: string; configMap?: { name: string; items?: Array<{ key: string; path: string }> } }> };
  };
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const all: Array<Manifest & { file: string }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null)
    .map((m) => ({ ...m, file })),
);
const of = (kind: string) => all.filter((m) => m.kind === kind);
const deployments = of('Deployment');
const specOf = (d: Manifest) => d.spec as unknown as DeploymentSpec;
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const configMap = (name: string) => of('ConfigMap').find((c) => c.metadata.name === name);
const secret = (name: string) => of('Secret').find((s) => s.metadata.name === name);

test('k8s - every manifest parses, lives in the gateway namespace and is listed by the kustomization', () => {
  assert.ok(all.length >= 20, `${all.length} manifests`);
  for (const m of all) if (m.kind !== 'Namespace') assert.equal(m.metadata.namespace, NS, `${m.file} ${m.kind}/${m.metadata.name}`);
  const kustomization = parseYaml(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const listed = new Set(kustomization.resources);
  for (const f of files) if (f !== 'secret.example.yaml') assert.ok(listed.has(f), `${f} is in kustomization.yaml`);
  for (const r of listed) assert.ok(existsSync(join(DIR, r)), `${r} exists`);
});

test('k8s - one Deployment + Service + PodDisruptionBudget per service, HPAs for ingress and router', () => {
  const names = deployments.map((d) => d.metadata.name).sort();
  assert.deepEqual(names, ['ai-gateway-cost-accounting', 'ai-gateway-ingress', 'ai-gateway-pii-scrubber', 'ai-gateway-router', 'ai-gateway-semantic-cache']);
  for (const d of deployments) {
    const spec = specOf(d);
    assert.ok(matches(spec.selector.matchLabels, spec.template.metadata.labels), `${d.metadata.name}: selector matches its pods`);
    const others = deployments.filter((o) => o !== d && matches(spec.selector.matchLabels, specOf(o).template.metadata.labels));
    assert.deepEqual(others, [], `${d.metadata.name}: selector matches no other Deployment's pods`);
    const pdbs = of('PodDisruptionBudget').filter((p) => matches((p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, spec.template.metadata.labels));
    assert.equal(pdbs.length, 1, `${d.metadata.name}: one PodDisruptionBudget`);
  }
  const hpas = of('HorizontalPodAutoscaler');
  const targets = hpas.map((h) => (h.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef);
  assert.deepEqual(targets.map((t) => t.name).sort(), ['ai-gateway-ingress', 'ai-gateway-router']);
  for (const t of targets) assert.ok(t.kind === 'Deployment' && deployments.some((d) => d.metadata.name === t.name));
  for (const h of hpas) {
    const s = h.spec as { minReplicas: number; maxReplicas: number };
    assert.ok(s.minReplicas >= 2 && s.maxReplicas > s.minReplicas);
  }
});

test('k8s - Services select exactly one Deployment and target a port its container opens', () => {
  for (const svc of of('Service')) {
    const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string | number }> };
    const selected = deployments.filter((d) => matches(spec.selector, specOf(d).template.metadata.labels));
    assert.equal(selected.length, 1, `${svc.metadata.name} selects one Deployment`);
    const ports = specOf(selected[0] as Manifest).template.spec.containers.flatMap((c) => c.ports);
    for (const p of spec.ports) assert.ok(ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort), `${svc.metadata.name}: targetPort ${p.targetPort}`);
  }
  assert.equal(of('Service').length, deployments.length);
});

test('k8s - containers have requests and limits, probes on the health paths, and scrape annotations on a real port', () => {
  for (const d of deployments) {
    const tpl = specOf(d).template;
    const a = tpl.metadata.annotations ?? {};
    assert.equal(a['prometheus.io/scrape'], 'true', d.metadata.name);
    assert.equal(a['prometheus.io/path'], '/metrics', d.metadata.name);
    for (const c of tpl.spec.containers) {
      for (const k of ['cpu', 'memory']) assert.ok(c.resources.requests?.[k] && c.resources.limits?.[k], `${d.metadata.name}: ${k} request and limit`);
      assert.ok(c.ports.some((p) => String(p.containerPort) === a['prometheus.io/port']), `${d.metadata.name}: scrape port is a container port`);
      for (const [kind, probe] of [['liveness', c.livenessProbe], ['readiness', c.readinessProbe]] as const) {
        assert.ok(probe?.httpGet, `${d.metadata.name}: ${kind} probe`);
        assert.ok(HEALTH_PATHS.has(probe.httpGet.path), `${d.metadata.name}: ${kind} probe path ${probe.httpGet.path}`);
        const port = probe.httpGet.port;
        assert.ok(c.ports.some((p) => p.name === port || p.containerPort === port), `${d.metadata.name}: ${kind} probe port ${port}`);
      }
      assert.equal(c.readinessProbe?.httpGet?.path, '/health/readiness');
      assert.equal(c.livenessProbe?.httpGet?.path, '/health/liveliness');
      const scrapePort = c.ports.find((p) => String(p.containerPort) === a['prometheus.io/port']);
      if (scrapePort?.containerPort !== 4000) assert.ok(c.env?.some((e) => e.name === 'GATEWAY_OPS_PORT' && e.value === String(scrapePort?.containerPort)), `${d.metadata.name}: ops server listens on the scraped port`);
    }
  }
});

const entryOf = (d: Manifest): string => specOf(d).template.spec.containers[0]?.command.find((a) => a.endsWith('.ts')) ?? '';
const COST_ENTRY = 'services/gateway/src/services/cost-accounting.ts';

test('k8s - each container runs an entry point that exists in the image', () => {
  for (const d of deployments) {
    const entry = entryOf(d);
    assert.ok(entry, `${d.metadata.name}: entry point`);
    if (entry !== COST_ENTRY) assert.ok(existsSync(join(ROOT, entry)), `${d.metadata.name}: ${entry} exists`);
  }
});

test('k8s - the cost-accounting Deployment runs its process entry', { todo: existsSync(join(ROOT, COST_ENTRY)) ? false : 'cost accounting has no process entry yet' }, () => {
  const d = deployments.find((m) => m.metadata.name === 'ai-gateway-cost-accounting');
  assert.ok(d && existsSync(join(ROOT, entryOf(d))));
});

test('k8s - env comes from the shared ConfigMap and the Secret, with every infrastructure address and config key', () => {
  const sec = secret('ai-gateway-secrets');
  assert.ok(sec?.stringData, 'secret.example.yaml documents the Secret keys');
  for (const d of deployments) {
    const tpl = specOf(d).template;
    for (const c of tpl.spec.containers) {
      const provided = new Map<string, string | undefined>();
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef) {
          const cm = configMap(from.configMapRef.name);
          assert.ok(cm?.data, `${d.metadata.name}: ConfigMap ${from.configMapRef.name} exists`);
          for (const [k, v] of Object.entries(cm.data)) provided.set(k, v);
        }
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          const s = secret(ref.name);
          assert.ok(s?.stringData && ref.key in s.stringData, `${d.metadata.name}: secret key ${ref.name}/${ref.key}`);
        }
        const cmRef = e.valueFrom?.configMapKeyRef;
        if (cmRef) assert.ok(configMap(cmRef.name)?.data?.[cmRef.key] !== undefined, `${d.metadata.name}: config key ${cmRef.name}/${cmRef.key}`);
        provided.set(e.name, e.value);
      }
      for (const k of ['NATS_URL', 'KAFKA_BROKERS', 'QDRANT_URL', 'DATABASE_URL', 'GATEWAY_CONFIG', 'LITELLM_MASTER_KEY']) assert.ok(provided.has(k), `${d.metadata.name}: ${k}`);
      assert.ok(!(c.env ?? []).some((e) => e.name === 'DATABASE_URL' && e.value !== undefined), 'DATABASE_URL only from the Secret');
      // The config file: GATEWAY_CONFIG points into a mount of the config ConfigMap, at a key that exists.
      const configPath = provided.get('GATEWAY_CONFIG') ?? '';
      const mount = (c.volumeMounts ?? []).find((m) => configPath.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${d.metadata.name}: ${configPath} is mounted`);
      const volume = (tpl.spec.volumes ?? []).find((v) => v.name === mount.name);
      const item = volume?.configMap?.items?.find((i) => `${mount.mountPath}/${i.path}` === configPath);
      assert.ok(volume?.configMap && item, `${d.metadata.name}: the mount holds ${configPath}`);
      assert.ok(configMap(volume.configMap.name)?.data?.[item.key], `${d.metadata.name}: ConfigMap ${volume.configMap.name} has key ${item.key}`);
      // Every os.environ/NAME the config reads is given to the container.
      const text = configMap(volume.configMap.name)?.data?.[item.key] ?? '';
      for (const m of text.matchAll(/os\.environ\/([A-Z0-9_]+)/g)) assert.ok(provided.has(m[1] as string), `${d.metadata.name}: config reads ${m[1]}`);
    }
  }
});

test('k8s - the ConfigMap config.yaml is the repo default config and passes the gateway config loader', () => {
  const text = configMap('ai-gateway-config')?.data?.['config.yaml'] ?? '';
  assert.equal(text, readFileSync(join(ROOT, 'infra/config/gateway.yaml'), 'utf8'), 'infra/k8s/config.yaml embeds infra/config/gateway.yaml unchanged');
  const { config } = loadConfig({ text, env: { LITELLM_MASTER_KEY: 'sk-x', DATABASE_URL: 'postgres://x@127.0.0.1/x' } });
  assert.ok(config.deployments.length > 0);
});

test('k8s - the probe and scrape paths answer 200 from the ops endpoints', async () => {
  const app = createOpsApp({ deps: { metricsText: async () => '# HELP x y\n', readiness: [{ name: 'bus', check: async () => {} }] }, options: { version: 'test' } });
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const paths = new Set<string>(['/metrics']);
    for (const d of deployments) for (const c of specOf(d).template.spec.containers) for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (p?.httpGet) paths.add(p.httpGet.path);
    for (const p of paths) assert.equal((await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(2000) })).status, 200, p);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
