// Accounting over the bus: subjects, JSON messages and the client side (authority, key directory, admin) other
// processes use. Errors cross as headers (code + description); only allow-listed codes keep their message.
import { GatewayError, type Bus, type BusHeaders, type BusMessage, type Subjects } from '@ai-gateway/kit';
import type { Hold, ReservationAuthority } from '../domain/ledger.ts';
import type { Actual, Denial } from '../domain/reservation.ts';
import type { KeyGrant } from '../admin/records.ts';
import type { AdminRequest, AdminResponse, KeyChange } from '../admin/types.ts';

/** Envelope metadata naming the process that holds a request's reservation (its slice); settles go there. */
export const HOLDER_METADATA = 'x-gateway-reservation-holder';
/** Envelope metadata `<estimate USD>|<slice id>,…`: once the spend is booked, the estimate leaves those slices. */
export const SLICES_METADATA = 'x-gateway-reservation-slices';

export function encodeSlices(costUsd: number, ids: readonly string[]): string {
  return `${costUsd}|${ids.join(',')}`;
}

export function decodeSlices(text: string | undefined): { costUsd: number; ids: string[] } | null {
  if (!text) return null;
  const bar = text.indexOf('|');
  const costUsd = Number(text.slice(0, bar));
  const ids = text.slice(bar + 1).split(',').filter((s) => s.startsWith('slice:') && s.length <= 256);
  return bar > 0 && Number.isFinite(costUsd) && costUsd > 0 && ids.length > 0 ? { costUsd, ids } : null;
}

export interface AccountingSubjects {
  holds: string;
  keyLookup: string;
  admin: string;
  keyChanges: string;
  settled(holder: string): string;
}

export function accountingSubjects(s: Subjects): AccountingSubjects {
  return {
    holds: `${s.prefix}.acct.holds`,
    keyLookup: `${s.prefix}.acct.key`,
    admin: `${s.prefix}.acct.admin`,
    keyChanges: s.keys,
    settled: (holder) => `${s.prefix}.acct.settled.${holder}`,
  };
}

export type HoldOp =
  | { op: 'acquire'; hold: Hold; nowMs: number }
  | { op: 'settle'; id: string; actual: Actual; nowMs: number }
  | { op: 'release'; id: string; nowMs: number };

export type HoldReply = { denial: Denial | null } | { dropped: boolean };

export interface Settled {
  requestId: string;
  costUsd: number;
  tokens: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const toBytes = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));
export const fromBytes = <T>(b: Uint8Array): T => JSON.parse(dec.decode(b)) as T;

/** Codes whose message may cross the bus as is; anything else reaches the caller as a generic 503. */
const PASS_THROUGH = new Set(['service_unavailable', 'invalid_request', 'not_found']);

export function errorHeaders(err: unknown): BusHeaders {
  if (err instanceof GatewayError && PASS_THROUGH.has(err.code)) return { 'error-code': err.code, 'error-description': err.message };
  return { 'error-code': 'service_unavailable', 'error-description': 'Accounting failed to answer; retry shortly.' };
}

function rebuildError(msg: BusMessage): GatewayError | null {
  const code = msg.headers['error-code'];
  if (!code) return null;
  const detail = msg.headers['error-description'] ?? 'Accounting error';
  const known = PASS_THROUGH.has(code) ? (code as 'service_unavailable' | 'invalid_request' | 'not_found') : 'service_unavailable';
  return new GatewayError(known, { params: { detail }, ...(known === 'service_unavailable' ? { retryAfterS: 1, retriable: true } : {}) });
}

async function call<T>(bus: Bus, subject: string, payload: unknown, timeoutMs: number): Promise<T> {
  let msg: BusMessage;
  try {
    msg = await bus.request(subject, toBytes(payload), { timeoutMs });
  } catch (err) {
    throw new GatewayError('service_unavailable', { params: { detail: 'Cost accounting is not answering; retry shortly.' }, retryAfterS: 1, retriable: true, cause: err });
  }
  const err = rebuildError(msg);
  if (err) throw err;
  return fromBytes<T>(msg.data);
}

/** The shared (Postgres) authority as seen from another process; expiry is swept by the accounting service. */
export function createBusAuthority(input: { deps: { bus: Bus; subjects: Subjects }; options?: { timeoutMs?: number } }): ReservationAuthority {
  const { bus } = input.deps;
  const subject = accountingSubjects(input.deps.subjects).holds;
  const timeoutMs = input.options?.timeoutMs ?? 5_000;
  return {
    async acquire(hold, nowMs) {
      const r = await call<{ denial: Denial | null }>(bus, subject, { op: 'acquire', hold, nowMs } satisfies HoldOp, timeoutMs);
      return r.denial;
    },
    async settle(id, actual, nowMs) {
      return (await call<{ dropped: boolean }>(bus, subject, { op: 'settle', id, actual, nowMs } satisfies HoldOp, timeoutMs)).dropped;
    },
    async release(id, nowMs) {
      return (await call<{ dropped: boolean }>(bus, subject, { op: 'release', id, nowMs } satisfies HoldOp, timeoutMs)).dropped;
    },
    expire: async () => 0,
  };
}

export interface KeyDirectoryClient {
  lookup(keyHash: string): Promise<KeyGrant | null>;
}

export function createBusKeyDirectory(input: { deps: { bus: Bus; subjects: Subjects }; options?: { timeoutMs?: number } }): KeyDirectoryClient {
  const subject = accountingSubjects(input.deps.subjects).keyLookup;
  const timeoutMs = input.options?.timeoutMs ?? 5_000;
  return {
    async lookup(keyHash) {
      return (await call<{ grant: KeyGrant | null }>(input.deps.bus, subject, { keyHash }, timeoutMs)).grant;
    },
  };
}

export function createBusAdmin(input: { deps: { bus: Bus; subjects: Subjects }; options?: { timeoutMs?: number } }): { handle(req: AdminRequest): Promise<AdminResponse> } {
  const subject = accountingSubjects(input.deps.subjects).admin;
  const timeoutMs = input.options?.timeoutMs ?? 15_000;
  return { handle: (req) => call<AdminResponse>(input.deps.bus, subject, req, timeoutMs) };
}

/** Calls `fn` for each message of a core subscription until `unsubscribe()`; bad messages are skipped. */
export function listen<T>(bus: Bus, subject: string, fn: (value: T) => void, onError: (err: unknown) => void): { stop(): void } {
  const sub = bus.subscribe(subject);
  void (async () => {
    for await (const m of sub) {
      try {
        fn(fromBytes<T>(m.data));
      } catch (err) {
        onError(err);
      }
    }
  })();
  return { stop: () => sub.unsubscribe() };
}

export function watchKeyChanges(input: { deps: { bus: Bus; subjects: Subjects }; onChange: (c: KeyChange) => void; onError?: (err: unknown) => void }): { stop(): void } {
  return listen<KeyChange>(input.deps.bus, accountingSubjects(input.deps.subjects).keyChanges, input.onChange, input.onError ?? (() => {}));
}

export function watchSettled(input: { deps: { bus: Bus; subjects: Subjects }; holder: string; onSettled: (s: Settled) => void; onError?: (err: unknown) => void }): { stop(): void } {
  return listen<Settled>(input.deps.bus, accountingSubjects(input.deps.subjects).settled(input.holder), input.onSettled, input.onError ?? (() => {}));
}
