// Summarises a V8 .cpuprofile: the functions with the most self time, as a share of busy time (run: node --import tsx test/bench/profile-summary.ts FILE [N]).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  fn: string;
  where: string;
  selfPct: number;
  selfMs: number;
}

function shortUrl(url: string): string {
  const i = url.indexOf('/node_modules/');
  if (i >= 0) return url.slice(i + 14);
  const s = url.indexOf('/services/');
  if (s >= 0) return url.slice(s + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

export function hotSpots(file: string, top = 25): HotSpot[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    const dt = profile.timeDeltas[i] ?? 0;
    // Percentages are of busy time: idle samples (between runs, while waiting on I/O) say nothing about cost.
    if (!node || node.callFrame.functionName === '(idle)') continue;
    total += dt;
    const fn = node.callFrame.functionName || '(anonymous)';
    const where = `${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    const key = `${fn}@${where}`;
    const e = selfUs.get(key) ?? { fn, where, us: 0 };
    e.us += dt;
    selfUs.set(key, e);
  }
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ fn: e.fn, where: e.where, selfPct: (100 * e.us) / Math.max(1, total), selfMs: e.us / 1000 }));
}

/** Busy (non-idle) milliseconds of a profile: picks the main thread among the files one process wrote. */
export function busyMs(file: string): number {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let us = 0;
  for (let i = 0; i < profile.samples.length; i++) if (!idle.has(profile.samples[i] as number)) us += profile.timeDeltas[i] ?? 0;
  return us / 1000;
}

export function formatHotSpots(spots: HotSpot[]): string {
  return spots.map((s) => `${s.selfPct.toFixed(1).padStart(5)}%  ${s.selfMs.toFixed(0).padStart(6)} ms  ${s.fn}  ${s.where}`).join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [N]');
  process.stdout.write(`${formatHotSpots(hotSpots(file, Number(process.argv[3] ?? 25)))}\n`);
}
