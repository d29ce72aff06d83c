/**
 * Response-cache scoping across hosts and upstream cooldowns (security-cases.md G: SEC-75, and
 * SEC-106, SEC-124; invariants 1 and 5). A stored answer must never reach a caller that would
 * have been refused, nor another host.
 */
import { randomUUID } from "node:crypto";
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

  /** Cache writes go through waitUntil; give them a moment before asserting a HIT. */
  const settle = () => sleep(30);
  const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  describe("SEC-75 a cache hit never comes before the host and PSK checks", () => {
    const target = "/repos/x/y";
    beforeAll(async () => {
      const primed = await fx.send({ as: "exec", target });
      expect([primed.status, primed.header("x-proxy-cache")]).toEqual([200, "MISS"]);
      await settle();
      const hit = await fx.send({ as: "exec", target });
      expect(hit.header("x-proxy-cache")).toBe("HIT");
    });

    it("SEC-75 research without a PSK gets 401, never the cached 200", async () => {
      const res = await fx.refused({ psk: null, target }, 401, "PROXY_AUTH_REQUIRED");
      expect(res.header("x-proxy-cache")).not.toBe("HIT");
    });

    it("SEC-75 an unknown address gets 403, never the cached 200", async () => {
      const res = await fx.refused({ from: FROM.unknown, target }, 403, "PROXY_HOST_DENIED");
      expect(res.header("x-proxy-cache")).not.toBe("HIT");
    });

    it("SEC-75 research presenting exec's PSK gets 401, never the cached 200", async () => {
      const res = await fx.refused({ psk: fx.secrets.PSK_X, target }, 401, "PROXY_AUTH_REQUIRED");
      expect(res.header("x-proxy-cache")).not.toBe("HIT");
    });

    it("a cached answer on a sensitive route is never replayed to a host without can_call_sensitive", async () => {
      const secretTarget = "/repos/a/b/secrets";
      expect((await fx.send({ as: "exec", target: secretTarget })).status).toBe(200);
      await settle();
      const res = await fx.refused({ target: secretTarget }, 403, "PROXY_SENSITIVE_DENIED");
      expect(res.header("x-proxy-cache")).not.toBe("HIT");
    });
  });

  describe("response cache scoping", () => {
    it("cache entries are scoped by host: research's entry is never another host's hit", async () => {
      const target = `/repos/${unique("h")}/1`;
      const before = fx.upstream.requests.length;
      expect((await fx.send({ target })).header("x-proxy-cache")).toBe("MISS");
      await settle();
      expect((await fx.send({ as: "exec", target })).header("x-proxy-cache")).toBe("MISS");
      expect((await fx.send({ as: "lan", target })).header("x-proxy-cache")).toBe("MISS");
      expect((await fx.send({ target })).header("x-proxy-cache")).toBe("HIT");
      expect(fx.upstream.requests.length - before).toBe(3);
    });

    it("cache_vary headers (Stripe-Account) select different entries: one account never sees another's answer", async () => {
      const target = `/v1/customers/${unique("c")}`;
      const send = (account?: string) => fx.send({ as: "exec", provider: "stripe", target, headers: account ? [["Stripe-Account", account]] : [] });
      expect((await send("acct_A")).header("x-proxy-cache")).toBe("MISS");
      await settle();
      expect((await send("acct_B")).header("x-proxy-cache")).toBe("MISS");
      expect((await send()).header("x-proxy-cache")).toBe("MISS");
      expect((await send("acct_A")).header("x-proxy-cache")).toBe("HIT");
    });

    it("the Accept header is part of the cache key", async () => {
      const target = `/v1/accept/${unique("a")}`;
      const send = (accept: string) => fx.send({ as: "exec", provider: "stripe", target, headers: [["Accept", accept]] });
      expect((await send("application/json")).header("x-proxy-cache")).toBe("MISS");
      await settle();
      expect((await send("text/csv")).header("x-proxy-cache")).toBe("MISS");
      expect((await send("application/json")).header("x-proxy-cache")).toBe("HIT");
    });

    it("SEC-124 a spoofed X-Forwarded-Host never reaches U, so it cannot poison a cached answer", async () => {
      const target = `/v1/poison/${unique("p")}/echo`;
      const poisoned = await fx.send({ provider: "stripe", target, headers: [["X-Forwarded-Host", "evil.example"], ["X-Original-URL", "/v1/admin"]] });
      expect(poisoned.status).toBe(200);
      await settle();
      const clean = await fx.send({ as: "exec", provider: "stripe", target });
      expect(clean.status).toBe(200);
      expect(`${poisoned.text}\n${clean.text}`).not.toMatch(/evil\.example|\/v1\/admin/);
      expect(JSON.stringify(fx.upstream.requests.map((r) => r.rawHeaders))).not.toContain("evil.example");
    });

    it("a HEAD answer never primes the cache for GET (an empty body replayed to GET would be a poisoning)", async () => {
      const target = `/repos/${unique("hd")}/x`;
      const head = await fx.send({ as: "exec", method: "HEAD", target });
      expect(head.status).toBe(200);
      await settle();
      const get = await fx.send({ as: "exec", target });
      expect([get.status, get.header("x-proxy-cache"), get.text]).toEqual([200, "MISS", '{"ok":true}']);
    });

    it("error answers (5xx, 404) are never stored", async () => {
      for (const status of [500, 404]) {
        const target = `/v1/${unique("e")}/status/${status}`;
        const before = fx.upstream.requests.length;
        await fx.send({ as: "exec", provider: "stripe", target });
        await settle();
        const again = await fx.send({ as: "exec", provider: "stripe", target });
        expect({ status, cache: again.header("x-proxy-cache"), reached: fx.upstream.requests.length - before }).toEqual({ status, cache: "MISS", reached: 2 });
      }
    });

    it("an answer with Set-Cookie is never stored", async () => {
      const target = `/v1/${unique("s")}/set-cookie`;
      const before = fx.upstream.requests.length;
      await fx.send({ as: "exec", provider: "stripe", target });
      await settle();
      const again = await fx.send({ as: "exec", provider: "stripe", target });
      expect(again.header("x-proxy-cache")).toBe("MISS");
      expect(again.header("set-cookie")).toBeUndefined();
      expect(fx.upstream.requests.length - before).toBe(2);
    });
  });

  describe("SEC-106 abusive upstream Retry-After is clamped", () => {
    const hourAhead = () => new Date(Date.now() + 3_600_000).toUTCString();
    const CASES: [string, () => string, number | undefined][] = [
      ["999999999", () => "999999999", 600],
      ["-5", () => "-5", 1],
      ["NaN", () => "NaN", undefined],
      ["1e308", () => "1e308", undefined],
      ["an HTTP-date an hour ahead", hourAhead, 600],
    ];
    it.each(CASES.map(([name, value, expected], i) => ({ name, value, expected, i })))(
      "SEC-106 Retry-After: $name gives 429 PROXY_UPSTREAM_RATE_LIMITED with an integer Retry-After in 1..600",
      async ({ value, expected, i }) => {
        const res = await fx.send({ as: "exec", provider: "limited", target: `/cool${i}/x/429?ra=${encodeURIComponent(value())}` });
        expect([res.status, res.code]).toEqual([429, "PROXY_UPSTREAM_RATE_LIMITED"]);
        const seconds = Number(res.header("retry-after"));
        expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 600).toBe(true);
        expect(res.json().error.metadata.retry_after).toBe(seconds);
        if (expected !== undefined) expect(seconds).toBe(expected);
        if (expected === 600) {
          // The cooldown holds for this category without reaching U, and leaves other categories alone.
          await fx.refused({ as: "exec", provider: "limited", target: `/cool${i}/y` }, 429, "PROXY_UPSTREAM_RATE_LIMITED");
          expect((await fx.send({ as: "exec", provider: "limited", target: `/cool5/z${i}` })).status).toBe(200);
        }
      },
    );
  });

  it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
    expectNoLeaks(fx);
  });
});
