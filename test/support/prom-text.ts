// Parses the Prometheus text exposition format (what GET /metrics answers) into families and samples.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

export interface Exposition {
  families: Map<string, Family>;
  /** Sum of the samples named `name` whose labels include `match`. */
  sum(name: string, match?: Record<string, string>): number;
  /** Label names seen on the samples of a family (histogram: `le` on _bucket included). */
  labelsOf(family: string): Set<string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created', '_info'];

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  if (families.has(sampleName)) return families.get(sampleName);
  for (const s of SUFFIXES) if (sampleName.endsWith(s) && families.has(sampleName.slice(0, -s.length))) return families.get(sampleName.slice(0, -s.length));
  return undefined;
}

export function parseExposition(text: string): Exposition {
  const families = new Map<string, Family>();
  const ensure = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const f = ensure(meta[2] as string);
      if (meta[1] === 'TYPE') f.type = meta[3] ?? 'untyped';
      else f.help = meta[3] ?? '';
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = (l[2] as string).replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    const name = m[1] as string;
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    (familyOf(name, families) ?? ensure(name)).samples.push({ name, labels, value });
  }
  return {
    families,
    sum(name, match = {}) {
      const f = familyOf(name, families);
      if (!f) return 0;
      let total = 0;
      for (const s of f.samples) {
        if (s.name !== name) continue;
        if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
      }
      return total;
    },
    labelsOf(family) {
      const out = new Set<string>();
      for (const s of families.get(family)?.samples ?? []) for (const k of Object.keys(s.labels)) out.add(k);
      return out;
    },
  };
}

export async function scrape(baseUrl: string): Promise<Exposition> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/** Scrapes until `ready` holds (completed events are consumed asynchronously), for at most `timeoutMs`. */
export async function scrapeUntil(baseUrl: string, ready: (e: Exposition) => boolean, timeoutMs = 5000): Promise<Exposition> {
  const deadline = Date.now() + timeoutMs;
  let last = await scrape(baseUrl);
  while (!ready(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    last = await scrape(baseUrl);
  }
  return last;
}
