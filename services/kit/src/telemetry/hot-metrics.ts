// Counters and histograms for the metrics every request updates. prom-client hashes and validates the label object
// on each update (a histogram also builds a closure and bumps a bucket on a float-keyed object): several µs per
// request on the request thread. These keep their series in one Map level per label instead, so an update is a few
// Map lookups and additions; the registry reads them at scrape time like prom-client's own metrics, in the same
// exposition format.
import type { Registry } from 'prom-client';

type Labels<L extends string> = Readonly<Record<L, string>>;

interface MetricValue {
  value: number;
  /** prom-client's histograms carry the field (null on buckets, undefined on sum and count); kept for the same JSON. */
  exemplar?: null;
  labels: Record<string, string | number>;
  metricName?: string;
  sharedLabels?: Record<string, string>;
}

/** What the prom-client registry reads from a metric (its own classes return the same). */
interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

/** The series of one metric, found by label values one Map level per label name (no key string built per update). */
class SeriesIndex<L extends string, S> {
  private root = new Map<string, unknown>();
  private list: S[] = [];

  constructor(
    private readonly names: readonly L[],
    private readonly create: (labels: Record<L, string>) => S,
  ) {}

  get(labels: Labels<L>): S {
    const { names } = this;
    let node = this.root;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const v = labels[names[i] as L];
      let next = node.get(v) as Map<string, unknown> | undefined;
      if (!next) node.set(v, (next = new Map()));
      node = next;
    }
    const leafKey = last < 0 ? '' : labels[names[last] as L];
    let series = node.get(leafKey) as S | undefined;
    if (series === undefined) {
      const own = {} as Record<L, string>;
      for (const n of names) own[n] = labels[n];
      series = this.create(own);
      node.set(leafKey, series);
      this.list.push(series);
    }
    return series;
  }

  /** Every series, in the order they first appeared. */
  all(): readonly S[] {
    return this.list;
  }

  clear(): void {
    this.root = new Map();
    this.list = [];
  }
}

interface HotOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registers: Registry[];
}

function checkName(name: string, labelNames: readonly string[]): void {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name ${name}`);
  for (const l of labelNames) if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l) || l === 'le') throw new Error(`invalid label name ${l} on ${name}`);
}

/** What both kinds share: name, help, the series by labels, and registration with the registries. */
abstract class HotMetric<L extends string, S> {
  readonly aggregator = 'sum' as const;
  name: string;
  readonly help: string;
  protected readonly unlabelled: boolean;
  protected readonly series: SeriesIndex<L, S>;

  constructor(o: HotOptions<L>, create: (labels: Record<L, string>) => S) {
    const labelNames = o.labelNames ?? [];
    checkName(o.name, labelNames);
    this.name = o.name;
    this.help = o.help;
    this.unlabelled = labelNames.length === 0;
    this.series = new SeriesIndex(labelNames, create);
  }

  protected register(registers: readonly Registry[]): void {
    for (const r of registers) r.registerMetric(this as never);
  }
}

/** A counter with labels (a constant set of names) whose series are summed in place. */
export class HotCounter<L extends string = never> extends HotMetric<L, { labels: Record<L, string>; value: number }> {
  readonly type = 'counter' as const;

  constructor(o: HotOptions<L>) {
    super(o, (labels) => ({ labels, value: 0 }));
    this.reset();
    this.register(o.registers);
  }

  /** Adds `value` (default 1; must be finite and not negative) to the series of `labels` (none: the unlabelled one). */
  inc(labels?: Labels<L> | number, value?: number): void {
    let by = value;
    let l = labels;
    if (typeof l === 'number') {
      by = l;
      l = undefined;
    }
    by ??= 1;
    if (!Number.isFinite(by) || by < 0) throw new TypeError(`${this.name}: cannot add ${by} to a counter`);
    this.series.get((l ?? {}) as Labels<L>).value += by;
  }

  /** Drops every series; an unlabelled counter starts again at zero (prom-client's reset does the same). */
  reset(): void {
    this.series.clear();
    if (this.unlabelled) this.series.get({} as Labels<L>);
  }

  async get(): Promise<MetricData> {
    return this.getForPromString();
  }

  async getForPromString(): Promise<MetricData> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.series.all().map((s) => ({ value: s.value, labels: s.labels })) };
  }
}

interface HistogramSeries<L extends string> {
  labels: Record<L, string>;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram with labels and fixed upper bounds, counted in place. */
export class HotHistogram<L extends string = never> extends HotMetric<L, HistogramSeries<L>> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];

  constructor(o: HotOptions<L> & { buckets: readonly number[] }) {
    if (o.buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (o.buckets[i - 1] as number)))) throw new Error(`${o.name}: buckets must be finite and increasing`);
    const slots = o.buckets.length + 1;
    super(o, (labels) => ({ labels, counts: new Float64Array(slots), sum: 0, count: 0 }));
    this.buckets = [...o.buckets];
    // An unlabelled histogram exports its zero series from the start.
    if (this.unlabelled) this.series.get({} as Labels<L>);
    this.register(o.registers);
  }

  /** Counts `value` (must be finite) in the series of `labels` (none: the unlabelled one). */
  observe(labels: Labels<L> | number, value?: number): void {
    let v = value;
    let l: Labels<L> | undefined;
    if (typeof labels === 'number') v = labels;
    else l = labels;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${this.name}: cannot observe ${v}`);
    const s = this.series.get((l ?? {}) as Labels<L>);
    const { buckets } = this;
    let i = 0;
    while (i < buckets.length && v > (buckets[i] as number)) i++;
    s.counts[i] = (s.counts[i] as number) + 1;
    s.sum += v;
    s.count++;
  }

  /** Drops every series, the unlabelled one too until its next observation (as prom-client's histogram does). */
  reset(): void {
    this.series.clear();
  }

  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    // prom-client's get() puts each sample's labels and its series labels in one object (JSON export, aggregation).
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) };
  }

  /** Cumulative buckets with `le` first, then +Inf, sum and count, per series: what prom-client's histogram exports. */
  async getForPromString(): Promise<MetricData> {
    const bucketName = `${this.name}_bucket`;
    const values: MetricValue[] = [];
    for (const s of this.series.all()) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += s.counts[i] as number;
        values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: bucketName, exemplar: null });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucketName, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
