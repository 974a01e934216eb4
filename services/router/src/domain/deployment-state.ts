// Live per-deployment statistics of this process (in flight, sliding-minute usage, latency), time passed in.

/** Sums values over a sliding window made of fixed buckets; memory is bounded by the bucket count. */
export class SlidingWindowCounter {
  private readonly bucketMs: number;
  private readonly starts: number[];
  private readonly sums: number[];

  constructor(windowMs: number, buckets: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / buckets));
    this.starts = new Array<number>(buckets).fill(Number.NEGATIVE_INFINITY);
    this.sums = new Array<number>(buckets).fill(0);
  }

  add(now: number, value: number): void {
    const slot = Math.floor(now / this.bucketMs);
    const i = slot % this.starts.length;
    if (this.starts[i] !== slot) {
      this.starts[i] = slot;
      this.sums[i] = 0;
    }
    this.sums[i] = (this.sums[i] ?? 0) + value;
  }

  /** Total over the buckets that overlap (now - window, now]. */
  total(now: number): number {
    const current = Math.floor(now / this.bucketMs);
    const oldest = current - this.starts.length + 1;
    let sum = 0;
    for (let i = 0; i < this.starts.length; i++) {
      const s = this.starts[i] ?? Number.NEGATIVE_INFINITY;
      if (s >= oldest && s <= current) sum += this.sums[i] ?? 0;
    }
    return sum;
  }
}

/** A bounded ring of recent samples with their timestamps; mean over the ones younger than maxAgeMs. */
export class SampleRing {
  private readonly values: number[] = [];
  private readonly times: number[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  push(now: number, value: number): void {
    if (this.values.length < this.capacity) {
      this.values.push(value);
      this.times.push(now);
      return;
    }
    this.values[this.next] = value;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.capacity;
  }

  mean(now: number, maxAgeMs: number): number | null {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < this.values.length; i++) {
      if (now - (this.times[i] ?? 0) > maxAgeMs) continue;
      sum += this.values[i] ?? 0;
      n++;
    }
    return n === 0 ? null : sum / n;
  }

  get size(): number {
    return this.values.length;
  }
}

/** What strategies read about one deployment at one instant. */
export interface DeploymentLoad {
  inFlight: number;
  /** Requests started in the last minute (counted at dispatch, so bursts cannot overshoot rpm). */
  rpmUsed: number;
  /** Tokens used in the last minute (estimates at dispatch, corrected on completion). */
  tpmUsed: number;
  /** Mean of recent whole-request latencies, null when never measured. */
  latencyMs: number | null;
  /** Mean of recent time-to-first-token samples of streams, null when never measured. */
  ttftMs: number | null;
}

/** Read side the strategies need; DeploymentStateStore implements it, tests may pass fakes. */
export interface RoutingStateView {
  load(id: string, now: number): DeploymentLoad;
  /** Returns this group's round-robin counter and advances it. */
  takeRoundRobinTurn(modelGroup: string): number;
}

export interface DeploymentStateOptions {
  /** Usage window for rpm/tpm (LiteLLM counts per minute). */
  windowMs: number;
  /** Buckets per window: resolution of the sliding window. */
  buckets: number;
  /** Latency / TTFT samples kept per deployment (LiteLLM keeps the last 10). */
  maxSamples: number;
  /** Samples older than this no longer count, so a recovered deployment is retried. */
  sampleMaxAgeMs: number;
}

export function defaultDeploymentStateOptions(): DeploymentStateOptions {
  return { windowMs: 60_000, buckets: 60, maxSamples: 10, sampleMaxAgeMs: 3_600_000 };
}

export interface StartInfo {
  /** Prompt (+ expected completion) tokens, counted against tpm until the real usage is known. */
  estimatedTokens?: number;
}
export interface SuccessInfo {
  startedAt: number;
  estimatedTokens?: number;
  /** Real total tokens from the response usage; replaces the estimate. */
  totalTokens?: number;
  /** Time to first token for streams (ms). */
  ttftMs?: number;
}
export interface FailureInfo {
  startedAt: number;
  estimatedTokens?: number;
  /** A timed-out call is recorded as a latency sample of its elapsed time, penalising slow deployments. */
  timedOut?: boolean;
}

interface Entry {
  inFlight: number;
  requests: SlidingWindowCounter;
  tokens: SlidingWindowCounter;
  latency: SampleRing;
  ttft: SampleRing;
}

/** In-memory, per-process store of live deployment stats. Every update takes `now` (ms). */
export class DeploymentStateStore implements RoutingStateView {
  private readonly entries = new Map<string, Entry>();
  private readonly roundRobin = new Map<string, number>();
  private readonly opts: DeploymentStateOptions;

  constructor(options: Partial<DeploymentStateOptions> = {}) {
    this.opts = { ...defaultDeploymentStateOptions(), ...options };
  }

  private entry(id: string): Entry {
    let e = this.entries.get(id);
    if (!e) {
      e = {
        inFlight: 0,
        requests: new SlidingWindowCounter(this.opts.windowMs, this.opts.buckets),
        tokens: new SlidingWindowCounter(this.opts.windowMs, this.opts.buckets),
        latency: new SampleRing(this.opts.maxSamples),
        ttft: new SampleRing(this.opts.maxSamples),
      };
      this.entries.set(id, e);
    }
    return e;
  }

  onStart(id: string, now: number, info: StartInfo = {}): void {
    const e = this.entry(id);
    e.inFlight++;
    e.requests.add(now, 1);
    if (info.estimatedTokens) e.tokens.add(now, info.estimatedTokens);
  }

  onFirstToken(id: string, now: number, startedAt: number): void {
    this.entry(id).ttft.push(now, Math.max(0, now - startedAt));
  }

  onSuccess(id: string, now: number, info: SuccessInfo): void {
    const e = this.entry(id);
    e.inFlight = Math.max(0, e.inFlight - 1);
    if (info.totalTokens !== undefined) e.tokens.add(now, info.totalTokens - (info.estimatedTokens ?? 0));
    e.latency.push(now, Math.max(0, now - info.startedAt));
    if (info.ttftMs !== undefined) e.ttft.push(now, Math.max(0, info.ttftMs));
  }

  onFailure(id: string, now: number, info: FailureInfo): void {
    const e = this.entry(id);
    e.inFlight = Math.max(0, e.inFlight - 1);
    if (info.timedOut) e.latency.push(now, Math.max(0, now - info.startedAt));
  }

  load(id: string, now: number): DeploymentLoad {
    const e = this.entries.get(id);
    if (!e) return { inFlight: 0, rpmUsed: 0, tpmUsed: 0, latencyMs: null, ttftMs: null };
    return {
      inFlight: e.inFlight,
      rpmUsed: e.requests.total(now),
      tpmUsed: Math.max(0, e.tokens.total(now)),
      latencyMs: e.latency.mean(now, this.opts.sampleMaxAgeMs),
      ttftMs: e.ttft.mean(now, this.opts.sampleMaxAgeMs),
    };
  }

  takeRoundRobinTurn(modelGroup: string): number {
    const n = this.roundRobin.get(modelGroup) ?? 0;
    this.roundRobin.set(modelGroup, n + 1 >= Number.MAX_SAFE_INTEGER ? 0 : n + 1);
    return n;
  }
}
