import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HotCounter, HotHistogram } from "../src/metric-series.js";

const BUCKETS = [0.005, 0.01, 0.5, 1];
const VALUES = [0, 0.005, 0.0051, 0.01, 0.3, 1, 1.5, 120];
const LABELS = [
  ["github", "2xx"],
  ["github", "4xx"],
  ['we"ird\\name', "5xx"],
];

/** The exposition lines, sorted, with each line's labels sorted (order within braces is not meaningful). */
async function lines(registry: Registry): Promise<string[]> {
  const text = await registry.metrics();
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => line.replace(/\{(.*)\}/, (_, inner: string) => `{${inner.match(/\w+="(?:[^"\\]|\\.)*"/g)?.sort().join(",")}}`))
    .sort();
}

describe("hot metric series: the same exposition as prom-client's own instruments", () => {
  it("a histogram observed the same way reads the same, bucket edges included", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const hot = new HotHistogram({ name: "h_seconds", help: "h", labelNames: ["provider", "status_class"], buckets: BUCKETS, registry: ours });
    const reference = new Histogram({ name: "h_seconds", help: "h", labelNames: ["provider", "status_class"], buckets: BUCKETS, registers: [theirs] });
    for (const [provider, statusClass] of LABELS) {
      for (const value of VALUES) {
        hot.observe([provider as string, statusClass as string], value);
        reference.observe({ provider, status_class: statusClass }, value);
      }
    }
    expect(await lines(ours)).toEqual(await lines(theirs));
  });

  it("a counter reads the same, and both forget everything on resetMetrics", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const hot = new HotCounter({ name: "c_total", help: "c", labelNames: ["provider", "code"], registry: ours });
    const reference = new Counter({ name: "c_total", help: "c", labelNames: ["provider", "code"], registers: [theirs] });
    for (const [provider, code] of [...LABELS, ...LABELS, ["x", ""]]) {
      hot.inc([provider as string, code as string]);
      reference.inc({ provider, code });
    }
    expect(await lines(ours)).toEqual(await lines(theirs));
    expect((await lines(ours)).some((l) => l.startsWith("c_total{") && l.endsWith(" 2"))).toBe(true);
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await lines(ours)).toEqual(await lines(theirs));
  });
});
