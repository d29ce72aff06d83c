/**
 * Safe hot reload (issue 8, item 3) on the real `outpost serve` process: `--watch` and SIGHUP
 * re-read providers and hosts, validate first and swap whole; a broken edit is refused with its
 * file and line and the old configuration keeps serving; a stream in flight is not dropped.
 */
import { renameSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "@outpost/core";
import { type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { createJsonLogger, createOutpost } from "../src/index.js";
import { providerDir, type SpawnedOutpost, spawnOutpost } from "./support/spawn-outpost.js";

/** How editors save: a new file renamed over the old one (a watch on the old inode would go stale). */
function saveLikeAnEditor(path: string, text: string): void {
  writeFileSync(`${path}.tmp-save`, text);
  renameSync(`${path}.tmp-save`, path);
}

function providerYaml(upstream: string, deny: string[]): string {
  return `name: s
base_url: ${upstream}/s
auth: {type: none}
forwarding:
  mode: allowlist
  allow:
    - {pattern: "/events/**", method: GET}
    - {pattern: "/a/**", method: GET}
  deny: [${deny.map((d) => JSON.stringify(d)).join(", ")}]
`;
}

async function statusOf(outpost: SpawnedOutpost, target: string, from = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port: outpost.port, path: target, localAddress: from, headers: { "X-Provider": "s" }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    })
      .on("error", reject)
      .end();
  });
}

/** Polls until `target` answers `want`; resolves with the time it took, rejects after `withinMs`. */
async function becomes(outpost: SpawnedOutpost, target: string, want: number, withinMs: number, from?: string): Promise<number> {
  const started = Date.now();
  let last = 0;
  while (Date.now() - started < withinMs) {
    last = await statusOf(outpost, target, from);
    if (last === want) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${target} still answers ${last} after ${withinMs} ms, wanted ${want}; stderr:\n${outpost.stderr()}`);
}

async function waitForStderr(outpost: SpawnedOutpost, text: string, withinMs = 5000): Promise<void> {
  const started = Date.now();
  while (!outpost.stderr().includes(text)) {
    if (Date.now() - started > withinMs) throw new Error(`stderr never showed "${text}":\n${outpost.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An SSE stream through the proxy; `firstEvent` resolves once the first event has arrived. */
function openStream(outpost: SpawnedOutpost, target: string) {
  let onFirst: () => void = () => {};
  const firstEvent = new Promise<void>((resolve) => (onFirst = resolve));
  const done = new Promise<{ status: number; text: string; endedAt: number }>((resolve, reject) => {
    request({ host: "127.0.0.1", port: outpost.port, path: target, headers: { "X-Provider": "s" }, agent: false }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("id: 1\n")) onFirst();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text, endedAt: Date.now() }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
  return { firstEvent, done };
}

describe("hot reload of the real CLI", () => {
  let upstream: RecordingUpstream;
  let outpost: SpawnedOutpost | undefined;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterEach(async () => {
    await outpost?.stop();
    outpost = undefined;
  });
  afterAll(async () => upstream.close());

  it("--watch: an edit applies within 2 s while a stream started before it flows to the end", async () => {
    const dir = providerDir({ "s.yaml": providerYaml(upstream.url, []) });
    outpost = await spawnOutpost(["--providers", dir, "--watch"]);
    expect(outpost.stderr()).toContain("watching for changes");
    expect(await statusOf(outpost, "/a/1")).toBe(200);

    // 20 events, 100 ms apart: about 2 s of stream, most of it after the edit.
    const stream = openStream(outpost, "/events/sse?n=20&gap=100");
    await stream.firstEvent;
    saveLikeAnEditor(join(dir, "s.yaml"), providerYaml(upstream.url, ["/a"]));
    const tookMs = await becomes(outpost, "/a/1", 403, 2000);
    const appliedAt = Date.now();

    const answer = await stream.done;
    expect(answer.status).toBe(200);
    expect(answer.text.match(/^id: /gm)).toHaveLength(20);
    expect(answer.text).toContain("id: 20\n");
    // The stream was still in flight when the new configuration was already serving.
    expect(answer.endedAt).toBeGreaterThan(appliedAt);
    expect(tookMs).toBeLessThan(2000);
    expect(outpost.stderr()).toContain("configuration reloaded (file change); providers: s");
  });

  it("--watch: a broken edit is refused with file, line and field; the old configuration keeps serving", async () => {
    const dir = providerDir({ "s.yaml": providerYaml(upstream.url, ["/a"]) });
    outpost = await spawnOutpost(["--providers", dir, "--watch"]);
    expect(await statusOf(outpost, "/a/1")).toBe(403);

    // Line 6 gets a field the schema does not know, and the deny rule is dropped.
    const broken = providerYaml(upstream.url, []).replace("  allow:\n", "  alow: true\n  allow:\n");
    saveLikeAnEditor(join(dir, "s.yaml"), broken);
    await waitForStderr(outpost, "reload (file change) refused");
    expect(outpost.stderr()).toMatch(/configuration error: reload \(file change\) refused, the previous configuration keeps serving\n.*s\.yaml:6 forwarding(\.alow)?: /);
    expect(await statusOf(outpost, "/a/1")).toBe(403);
    expect(await statusOf(outpost, "/events/sse?n=1&gap=1")).toBe(200);

    // Fixing the file applies it.
    saveLikeAnEditor(join(dir, "s.yaml"), providerYaml(upstream.url, []));
    await becomes(outpost, "/a/1", 200, 2000);

    const metrics = await (await fetch(`${outpost.url}/metrics`)).text();
    expect(metrics).toContain('outpost_config_reloads_total{result="refused"} 1');
    expect(metrics).toContain('outpost_config_reloads_total{result="applied"} 1');
  });

  it("SIGHUP without --watch re-reads providers and hosts; a broken hosts file is refused", async () => {
    const dir = providerDir({ "s.yaml": providerYaml(upstream.url, []) });
    const hostsFile = join(providerDir({}), "hosts.yaml");
    const hosts = (extra: string) => `hosts:\n  - {id: local, cidrs: ["127.0.0.1/32"]}\n${extra}`;
    writeFileSync(hostsFile, hosts(""));
    outpost = await spawnOutpost(["--providers", dir, "--hosts", hostsFile]);
    expect(await statusOf(outpost, "/items/1", "127.0.0.2")).toBe(403);

    saveLikeAnEditor(join(dir, "s.yaml"), providerYaml(upstream.url, ["/a"]));
    saveLikeAnEditor(hostsFile, hosts(`  - {id: second, cidrs: ["127.0.0.2/32"]}\n`));
    // Not watching: nothing changes until the signal.
    await new Promise((r) => setTimeout(r, 600));
    expect(await statusOf(outpost, "/a/1")).toBe(200);
    expect(outpost.stderr()).not.toContain("reloaded");

    outpost.child.kill("SIGHUP");
    await becomes(outpost, "/a/1", 403, 2000);
    expect(await statusOf(outpost, "/items/1", "127.0.0.2")).toBe(404);
    expect(outpost.stderr()).toContain("configuration reloaded (SIGHUP)");

    writeFileSync(hostsFile, hosts(`  - {id: third, cidrs: ["10.0.0.0/8"], can_call_sensitive: maybe}\n`));
    outpost.child.kill("SIGHUP");
    await waitForStderr(outpost, "reload (SIGHUP) refused");
    expect(outpost.stderr()).toMatch(/hosts\.yaml:3 hosts\[1\]\.can_call_sensitive: /);
    expect(await statusOf(outpost, "/items/1", "127.0.0.2")).toBe(404);
    expect(outpost.child.exitCode).toBeNull();
    expect(await outpost.stop()).toBe(0);
  });
});

describe("reload in process: createOutpost().reload()", () => {
  it("swaps the configuration, keeps storage (a spent rate limit stays spent), refuses a broken file", async () => {
    const upstream = await startRecordingUpstream();
    const limited = (deny: string) =>
      `name: s\nbase_url: ${upstream.url}/s\nauth: {type: none}\nforwarding:\n  deny: ["${deny}"]\n  queue_timeout_ms: 0\n  rate_limits: {default: [{capacity: 2, window_ms: 600000}]}\n`;
    const dir = providerDir({ "s.yaml": limited("/x") });
    const outpost = await createOutpost({ providerDirs: [dir], env: {}, logger: createJsonLogger({ write: () => {}, warn: () => {} }) });
    const server = createServer(outpost.handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const status = async (path: string) => (await fetch(`${url}${path}`, { headers: { "X-Provider": "s" } })).status;
    try {
      const before = outpost.gateway;
      expect(await status("/a")).toBe(200);
      writeFileSync(join(dir, "s.yaml"), limited("/a"));
      await outpost.reload();
      expect(outpost.gateway).not.toBe(before);
      expect(await status("/a")).toBe(403);
      // One token left of two: storage is the same one, not a fresh bucket.
      expect(await status("/b")).toBe(200);
      expect(await status("/c")).toBe(429);

      writeFileSync(join(dir, "s.yaml"), `${limited("/b")}bogus: 1\n`);
      await expect(outpost.reload()).rejects.toThrow(ConfigError);
      await expect(outpost.reload()).rejects.toThrow(/s\.yaml:\d+ bogus: /);
      expect(await status("/a")).toBe(403);
    } finally {
      server.close();
      await outpost.handler.close();
      await upstream.close();
    }
  });
});
