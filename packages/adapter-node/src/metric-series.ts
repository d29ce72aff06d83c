import type { Metric, Registry } from "prom-client";

/**
 * Outpost's counters and histograms, exposed through a prom-client registry when one exists.
 * prom-client validates, sorts and hashes the label object on each observation (~1.5 µs per
 * request for our two hot instruments, measured with the bench); here a series is found by its
 * label values in label-name order, one map level per label (labels come from configuration and
 * fixed codes, see metrics.ts, so the levels stay small), and the exposition work happens at
 * scrape time.
 */
interface Series {
  readonly labels: Record<string, string>;
  /** Histograms: per-bucket (not cumulative) counts; the last slot is above every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Series found by walking one map level per label value: no key string is built per observation. */
type Level = Map<string, Level | Series>;

/** One value per label name, in the same order: the arity is checked where an instrument is used. */
export type LabelValues<N extends readonly string[]> = { readonly [K in keyof N]: string };

abstract class HotMetric {
  readonly aggregator = "sum" as const;
  readonly collect = undefined;
  protected all: Series[] = [];
  private index: Level = new Map();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly slots: number,
    registry: Registry | undefined,
  ) {
    registry?.registerMetric(this as unknown as Metric<string>);
  }

  protected seriesOf(values: readonly string[]): Series {
    let level = this.index;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i] as string) as Level | undefined;
      if (next === undefined) level.set(values[i] as string, (next = new Map()));
      level = next;
    }
    let found = level.get(values[last] as string) as Series | undefined;
    if (found === undefined) {
      const labels: Record<string, string> = {};
      for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i] as string] = values[i] as string;
      found = { labels, counts: new Array<number>(this.slots).fill(0), sum: 0, count: 0 };
      level.set(values[last] as string, found);
      this.all.push(found);
    }
    return found;
  }

  reset(): void {
    this.all = [];
    this.index = new Map();
  }
}

export class HotCounter<const N extends readonly string[] = readonly string[]> extends HotMetric {
  readonly type = "counter" as const;

  constructor(options: { name: string; help: string; labelNames: N; registry?: Registry }) {
    super(options.name, options.help, options.labelNames, 0, options.registry);
  }

  /** Label values in `labelNames` order. */
  inc(values: LabelValues<N>): void {
    this.seriesOf(values).count += 1;
  }

  async get() {
    const values = this.all.map((s) => ({ labels: s.labels, value: s.count }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class HotHistogram<const N extends readonly string[] = readonly string[]> extends HotMetric {
  readonly type = "histogram" as const;
  private readonly bounds: readonly number[];

  constructor(options: { name: string; help: string; labelNames: N; buckets: readonly number[]; registry?: Registry }) {
    super(options.name, options.help, options.labelNames, options.buckets.length + 1, options.registry);
    this.bounds = options.buckets;
  }

  /** Label values in `labelNames` order. */
  observe(values: LabelValues<N>, value: number): void {
    const series = this.seriesOf(values);
    let slot = 0;
    while (slot < this.bounds.length && value > (this.bounds[slot] as number)) slot++;
    (series.counts[slot] as number)++;
    series.sum += value;
    series.count += 1;
  }

  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.all) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({ labels: { le: this.bounds[i] as number, ...s.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
