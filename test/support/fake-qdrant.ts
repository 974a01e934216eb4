// A Qdrant-REST-compatible fake: the endpoints the cache's Qdrant adapter calls, with Qdrant's request and response shapes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

type Payload = Record<string, unknown>;
interface Point { id: string | number; vector: number[]; payload: Payload }
interface Collection { size: number; distance: string; points: Map<string, Point>; indexes: Record<string, unknown> }
type Condition = { key?: string; match?: { value?: unknown; any?: unknown[] }; range?: { gt?: number; gte?: number; lt?: number; lte?: number }; has_id?: Array<string | number> };
interface Filter { must?: Condition[]; must_not?: Condition[]; should?: Condition[] }

export interface FakeQdrant {
  url: string;
  collections: Map<string, Collection>;
  /** Paths of the requests seen, e.g. 'POST /collections/c/points/query'. */
  calls: string[];
  /** Delay every answer by this many ms (a slow Qdrant). */
  delayMs: number;
  /** Refuse every request with 503 (a Qdrant that is down). */
  down: boolean;
  close(): Promise<void>;
}

function matches(p: Point, c: Condition): boolean {
  if (c.has_id) return c.has_id.map(String).includes(String(p.id));
  const v = c.key ? p.payload[c.key] : undefined;
  if (c.match) {
    if ('value' in c.match) return v === c.match.value;
    if (c.match.any) return c.match.any.includes(v);
  }
  if (c.range) {
    if (typeof v !== 'number') return false;
    const r = c.range;
    return (r.gt === undefined || v > r.gt) && (r.gte === undefined || v >= r.gte) && (r.lt === undefined || v < r.lt) && (r.lte === undefined || v <= r.lte);
  }
  return false;
}

function passes(p: Point, f: Filter | undefined | null): boolean {
  if (!f) return true;
  return (f.must ?? []).every((c) => matches(p, c)) && !(f.must_not ?? []).some((c) => matches(p, c)) && (!f.should?.length || f.should.some((c) => matches(p, c)));
}

function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

const started = Date.now();
function ok(res: ServerResponse, result: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ result, status: 'ok', time: (Date.now() - started) / 1e6 }));
}
function fail(res: ServerResponse, code: number, error: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: { error }, time: 0.000001 }));
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function record(p: Point, withPayload: unknown, score?: number): Record<string, unknown> {
  return { id: p.id, version: 1, ...(score !== undefined ? { score } : {}), payload: withPayload === false ? null : p.payload, vector: null, shard_key: null, order_value: null };
}

export async function startFakeQdrant(): Promise<FakeQdrant> {
  const collections = new Map<string, Collection>();
  const state: FakeQdrant = { url: '', collections, calls: [], delayMs: 0, down: false, close: async () => {} };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      state.calls.push(`${req.method} ${url.pathname}`);
      if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
      if (state.down) return fail(res, 503, 'Service Unavailable');
      const body = await bodyOf(req);
      const m = url.pathname.match(/^\/collections\/([^/]+)(\/.*)?$/);
      if (!m) return req.method === 'GET' && url.pathname === '/' ? ok(res, { title: 'qdrant - vector search engine', version: '1.15.0' }) : fail(res, 404, `Not found: ${url.pathname}`);
      const name = decodeURIComponent(m[1] as string);
      const rest = m[2] ?? '';
      const col = collections.get(name);
      const route = `${req.method} ${rest}`;
      if (route === 'GET /exists') return ok(res, { exists: col !== undefined });
      if (route === 'PUT ') {
        if (col) return fail(res, 409, `Wrong input: Collection \`${name}\` already exists!`);
        const v = body['vectors'] as { size: number; distance: string };
        collections.set(name, { size: v.size, distance: v.distance, points: new Map(), indexes: {} });
        return ok(res, true);
      }
      if (!col) return fail(res, 404, `Not found: Collection \`${name}\` doesn't exist!`);
      switch (route) {
        case 'GET ':
          return ok(res, { status: 'green', optimizer_status: 'ok', points_count: col.points.size, indexed_vectors_count: 0, segments_count: 1, config: { params: { vectors: { size: col.size, distance: col.distance } } }, payload_schema: col.indexes });
        case 'PUT /index':
          col.indexes[String(body['field_name'])] = { data_type: body['field_schema'], points: col.points.size };
          return ok(res, { operation_id: 1, status: 'completed' });
        case 'PUT /points': {
          for (const p of (body['points'] as Point[]) ?? []) {
            if (!Array.isArray(p.vector) || p.vector.length !== col.size) return fail(res, 400, `Wrong input: Vector dimension error: expected dim: ${col.size}, got ${Array.isArray(p.vector) ? p.vector.length : 0}`);
            col.points.set(String(p.id), { id: p.id, vector: p.vector, payload: p.payload ?? {} });
          }
          return ok(res, { operation_id: 2, status: 'completed' });
        }
        case 'POST /points': {
          const ids = ((body['ids'] as Array<string | number>) ?? []).map(String);
          return ok(res, ids.flatMap((id) => { const p = col.points.get(id); return p ? [record(p, body['with_payload'])] : []; }));
        }
        case 'POST /points/query':
        case 'POST /points/search': {
          const vector = (route.endsWith('query') ? body['query'] : body['vector']) as number[];
          const threshold = typeof body['score_threshold'] === 'number' ? body['score_threshold'] : -Infinity;
          const hits = [...col.points.values()]
            .filter((p) => passes(p, body['filter'] as Filter))
            .map((p) => ({ p, score: cosine(vector, p.vector) }))
            .filter((h) => h.score >= threshold)
            .sort((a, b) => b.score - a.score)
            .slice(0, Number(body['limit'] ?? 10))
            .map((h) => record(h.p, body['with_payload'], h.score));
          return ok(res, route.endsWith('query') ? { points: hits } : hits);
        }
        case 'POST /points/payload': {
          const ids = (body['points'] as Array<string | number> | undefined)?.map(String);
          const targets = ids ? ids.map((id) => col.points.get(id)) : [...col.points.values()].filter((p) => passes(p, body['filter'] as Filter));
          const missing = ids?.find((id) => !col.points.has(id));
          if (missing) return fail(res, 404, `Not found: No point with id ${missing} found`);
          for (const p of targets) if (p) Object.assign(p.payload, body['payload'] as Payload);
          return ok(res, { operation_id: 4, status: 'completed' });
        }
        case 'POST /points/count':
          return ok(res, { count: [...col.points.values()].filter((p) => passes(p, body['filter'] as Filter)).length });
        case 'POST /points/delete': {
          const ids = body['points'] as Array<string | number> | undefined;
          for (const [id, p] of col.points) if (ids ? ids.map(String).includes(id) : passes(p, body['filter'] as Filter)) col.points.delete(id);
          return ok(res, { operation_id: 3, status: 'completed' });
        }
        default:
          return fail(res, 404, `Not found: ${req.method} ${url.pathname}`);
      }
    })().catch((err: unknown) => fail(res, 500, `Service internal error: ${String(err)}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  state.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  state.close = () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); });
  return state;
}
