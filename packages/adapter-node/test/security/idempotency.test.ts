/**
 * Idempotency scoping across hosts and providers, storage failures on deciding steps, and storage
 * growth (security-cases.md G: SEC-80, SEC-81, SEC-84, and SEC-107 in process; invariants 1, 7
 * and 8). A stored answer is never replayed to a caller that would have been refused.
 */
import { randomUUID } from "node:crypto";
import { findLeaks } from "@outpost/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, type Fixture, FROM, sleep, startFixture, STORAGE_KINDS } from "./support/fixture.js";

// Scoping lives in storage keys: it must hold on every storage a fleet can use.
describe.each(STORAGE_KINDS)("on %s storage", (storageKind) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture({ storage: storageKind });
  });
  afterAll(async () => {
    expect(fx.leaks()).toEqual({});
    await fx.close();
  });

  it("the proxy under test really runs on this storage", async () => {
    expect(fx.storage.name).toBe(storageKind);
    await fx.storage.ping();
  });

  /** Idempotency writes go through waitUntil; give them a moment before asserting a replay. */
  const settle = () => sleep(30);
  const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  describe("idempotency scoping (SEC-80, SEC-81, SEC-84)", () => {
    const K1 = unique("K1");
    beforeAll(async () => {
      const first = await fx.send({ as: "exec", method: "POST", target: "/repos/a/b/issues", body: '{"n":1}', headers: [["Idempotency-Key", K1]] });
      expect(first.status).toBe(200);
      await settle();
    });

    it("SEC-80 research reusing exec's key is forwarded as its own request, never exec's stored answer", async () => {
      const before = fx.upstream.requests.length;
      const res = await fx.send({ method: "POST", target: "/search/code", body: '{"q":"x"}', headers: [["Idempotency-Key", K1]] });
      expect(res.status).toBe(200);
      expect(res.header("x-proxy-cache")).not.toBe("IDEMPOTENT-HIT");
      expect(fx.upstream.requests.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual(["POST /api/search/code"]);
    });

    it("SEC-80 an idempotent replay never comes before the host and PSK checks", async () => {
      await fx.refused({ from: FROM.unknown, method: "POST", target: "/repos/a/b/issues", body: '{"n":1}', headers: [["Idempotency-Key", K1]] }, 403, "PROXY_HOST_DENIED");
      await fx.refused({ psk: fx.secrets.PSK_X, method: "POST", target: "/repos/a/b/issues", body: '{"n":1}', headers: [["Idempotency-Key", K1]] }, 401, "PROXY_AUTH_REQUIRED");
    });

    it("SEC-81 reusing the key with a different body is 422 PROXY_IDEMPOTENCY_KEY_REUSED", async () => {
      await fx.refused({ as: "exec", method: "POST", target: "/repos/a/b/issues", body: '{"n":2}', headers: [["Idempotency-Key", K1]] }, 422, "PROXY_IDEMPOTENCY_KEY_REUSED");
    });

    it("SEC-81 reusing the key on another path is 422 PROXY_IDEMPOTENCY_KEY_REUSED", async () => {
      await fx.refused({ as: "exec", method: "POST", target: "/repos/a/c/issues", body: '{"n":1}', headers: [["Idempotency-Key", K1]] }, 422, "PROXY_IDEMPOTENCY_KEY_REUSED");
    });

    it("SEC-81 reusing the key with a different query is 422 PROXY_IDEMPOTENCY_KEY_REUSED", async () => {
      await fx.refused({ as: "exec", method: "POST", target: "/repos/a/b/issues?dry_run=1", body: '{"n":1}', headers: [["Idempotency-Key", K1]] }, 422, "PROXY_IDEMPOTENCY_KEY_REUSED");
    });

    it("two Idempotency-Key lines are refused rather than one of them silently chosen", async () => {
      await fx.refused({ as: "exec", method: "POST", target: "/repos/a/b/issues", body: '{"n":1}', headers: [["Idempotency-Key", K1], ["Idempotency-Key", "other"]] }, 400, "PROXY_BAD_REQUEST");
    });

    it("SEC-81 an identical repeat is the stored answer (IDEMPOTENT-HIT) and U is not reached again", async () => {
      const res = await fx.nothingForwarded(() => fx.send({ as: "exec", method: "POST", target: "/repos/a/b/issues", body: '{"n":1}', headers: [["Idempotency-Key", K1]] }));
      expect([res.status, res.header("x-proxy-cache"), res.text]).toEqual([200, "IDEMPOTENT-HIT", '{"ok":true}']);
    });

    it("SEC-84 a stored idempotent answer never bypasses the sensitive gate", async () => {
      const key = unique("K3");
      const stored = await fx.send({ as: "exec", provider: "stripe", method: "POST", target: "/v1/refunds", body: "amount=1", headers: [["Idempotency-Key", key]] });
      expect(stored.status).toBe(200);
      await settle();
      const res = await fx.refused({ provider: "stripe", method: "POST", target: "/v1/refunds", body: "amount=1", headers: [["Idempotency-Key", key]] }, 403, "PROXY_SENSITIVE_DENIED");
      expect(res.header("x-proxy-cache")).not.toBe("IDEMPOTENT-HIT");
    });

    it("keys are scoped by provider: the same key on another provider is a fresh request", async () => {
      const key = unique("K4");
      const before = fx.upstream.requests.length;
      await fx.send({ as: "exec", provider: "stripe", method: "POST", target: "/v1/k4", body: "{}", headers: [["Idempotency-Key", key]] });
      await settle();
      const other = await fx.send({ as: "exec", method: "POST", target: "/search/code", body: "{}", headers: [["Idempotency-Key", key]] });
      expect(other.header("x-proxy-cache")).not.toBe("IDEMPOTENT-HIT");
      expect(fx.upstream.requests.length - before).toBe(2);
    });

    it("the Idempotency-Key is read before Connection-nominated headers are removed", async () => {
      const key = unique("K5");
      const post = () => fx.send({ as: "exec", provider: "stripe", method: "POST", target: "/v1/k5", body: "{}", headers: [["Connection", "Idempotency-Key"], ["Idempotency-Key", key]] });
      expect((await post()).status).toBe(200);
      await settle();
      const replay = await fx.nothingForwarded(post);
      expect(replay.header("x-proxy-cache")).toBe("IDEMPOTENT-HIT");
    });

    it("a 5xx releases the reservation: the retry reaches the upstream again", async () => {
      const key = unique("K6");
      const before = fx.upstream.requests.length;
      const post = () => fx.send({ as: "exec", provider: "stripe", method: "POST", target: "/v1/k6/status/503", body: "{}", headers: [["Idempotency-Key", key]] });
      expect((await post()).status).toBe(503);
      await settle();
      expect((await post()).status).toBe(503);
      expect(fx.upstream.requests.length - before).toBe(2);
    });

    it("an idempotent replay of an answer that echoed the credential carries no credential", async () => {
      const key = unique("K7");
      const post = () => fx.send({ as: "exec", provider: "stripe", method: "POST", target: "/v1/k7/echo-secret", body: "{}", headers: [["Idempotency-Key", key]] });
      const first = await post();
      await settle();
      const replay = await post();
      expect([first.status, replay.status, replay.header("x-proxy-cache")]).toEqual([200, 200, "IDEMPOTENT-HIT"]);
      expect(findLeaks(Buffer.from(replay.responses.raw), fx.secrets)).toEqual([]);
    });
  });

  describe("SEC-107 (storage failing in process) a deciding step answers 503 and never forwards (invariant 7)", () => {
    /** Runs `run` with every storage operation failing, then restores storage. */
    async function withStorageDown<T>(run: () => Promise<T>): Promise<T> {
      fx.storage.failing = true;
      try {
        return await run();
      } finally {
        fx.storage.failing = false;
      }
    }

    it("SEC-107 a rate-limited route answers 503 PROXY_STORAGE_UNAVAILABLE and is not forwarded", async () => {
      await withStorageDown(() => fx.refused({ as: "exec", provider: "limited", target: "/rl/x" }, 503, "PROXY_STORAGE_UNAVAILABLE"));
    });

    it("SEC-107 a POST with an Idempotency-Key answers 503 before the upstream", async () => {
      await withStorageDown(() =>
        fx.refused({ as: "exec", provider: "stripe", method: "POST", target: "/v1/charges", body: "{}", headers: [["Idempotency-Key", unique("down")]] }, 503, "PROXY_STORAGE_UNAVAILABLE"),
      );
    });

    it("SEC-107 /readyz answers 503 while /healthz answers 200", async () => {
      const [ready, health] = await withStorageDown(async () => [await fx.send({ provider: null, target: "/readyz" }), await fx.send({ provider: null, target: "/healthz" })]);
      expect([ready.status, health.status]).toEqual([503, 200]);
    });

    it("SEC-107 the response cache alone fails open: a cacheable GET without rate limits is forwarded without it", async () => {
      const before = fx.upstream.requests.length;
      const res = await withStorageDown(() => fx.send({ as: "exec", target: `/repos/${unique("open")}/x` }));
      expect(res.status).toBe(200);
      expect(fx.upstream.requests.length - before).toBe(1);
    });

    it("once storage answers again the same requests are served", async () => {
      expect((await fx.send({ as: "exec", provider: "limited", target: "/rl/y" })).status).toBe(200);
      expect((await fx.send({ provider: null, target: "/readyz" })).status).toBe(200);
    });
  });

  describe("storage keys grow with configuration, never with agent input alone (invariant 8)", () => {
    it("refused requests with random paths, providers, keys and headers write nothing to storage", async () => {
      const before = fx.storage.keys().size;
      for (let i = 0; i < 30; i++) {
        const junk = randomUUID();
        const variants = [
          { provider: `p-${junk}`, target: `/${junk}` },
          { target: `/user/keys/${junk}` },
          { target: `/${junk}`, psk: junk },
          { from: FROM.unknown, target: `/repos/${junk}/x`, headers: [["Idempotency-Key", junk]] as [string, string][] },
        ];
        const v = variants[i % variants.length]!;
        const res = await fx.nothingForwarded(() => fx.send(v));
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
      expect(fx.storage.keys().size).toBe(before);
    });

    it("non-cacheable forwarded requests with distinct paths and queries write nothing to storage", async () => {
      const before = fx.storage.keys().size;
      for (let i = 0; i < 20; i++) {
        const res = await fx.send({ as: "exec", provider: "stripe", method: "POST", target: `/v1/${randomUUID()}?q=${randomUUID()}`, body: "{}" });
        expect(res.status).toBe(200);
      }
      expect(fx.storage.keys().size).toBe(before);
    });

    it("every storage key is short and hashes agent input: a marker sent in paths, keys and headers never appears in a key", async () => {
      const marker = "AGENTMARKER";
      await fx.send({ as: "exec", target: `/repos/${marker}/x`, headers: [["Accept", marker]] });
      await fx.send({ as: "exec", provider: "stripe", method: "POST", target: `/v1/${marker}`, body: "{}", headers: [["Idempotency-Key", `${marker}${"k".repeat(4000)}`]] });
      await settle();
      const keys = [...fx.storage.keys()];
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key.length).toBeLessThanOrEqual(200);
        expect(key).not.toContain(marker);
      }
    });
  });
  it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
    expectNoLeaks(fx);
  });
});
