import { beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../errors/config-error.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { FetchLike } from "../../http/fetch-entry.js";
import type { Storage } from "../../ports/storage.js";
import { memoryStorage } from "../../storage/memory-storage.js";
import { createFakeClock, type FakeClock } from "../../testing/fake-clock.js";
import { applyAsync, authModule, deferred, headerOf, settle, waitFor } from "../auth-test-kit.js";
import type { AuthModule, AuthRequest } from "../types.js";
import { oauth2CacheKeys, tokenCacheTtlMs } from "./oauth2-client-credentials.js";

const REQUEST: AuthRequest = { method: "GET", path: "/v1/x", query: "" };
const SECRET = "client-secret-Zx9!";
const ENV = { CID: "client-1", CSECRET: SECRET };
const TOKEN_URL = "https://auth.example.com/oauth/token";

interface Recorded {
  readonly url: string;
  readonly method: string;
  readonly redirect: RequestRedirect;
  readonly headers: Headers;
  readonly body: string;
}

interface TokenEndpoint {
  readonly calls: Recorded[];
  answer: (n: number) => Response | Promise<Response>;
  readonly fetch: FetchLike;
}

/** A fake token endpoint: records every call and answers with `answer(n)` (n counts from 1). */
function tokenEndpoint(): TokenEndpoint {
  const calls: Recorded[] = [];
  const endpoint: TokenEndpoint = {
    calls,
    answer: (n) => Response.json({ access_token: `minted-${n}`, token_type: "Bearer", expires_in: 3600 }),
    fetch: async (request) => {
      const body = await request.text();
      calls.push({ url: request.url, method: request.method, redirect: request.redirect, headers: request.headers, body });
      return endpoint.answer(calls.length);
    },
  };
  return endpoint;
}

const rows = (...extra: string[]) => [
  "type: oauth2_client_credentials",
  "client_id_env: CID",
  "client_secret_env: CSECRET",
  `token_url: ${TOKEN_URL}`,
  ...extra,
];

describe("oauth2_client_credentials", () => {
  let clock: FakeClock;
  let storage: Storage;
  let endpoint: TokenEndpoint;
  const make = (extra: string[] = [], store = storage) =>
    authModule(rows(...extra), { env: ENV, storage: store, clock, fetch: endpoint.fetch });
  const bearer = async (module: AuthModule) => headerOf(await module.apply(REQUEST), "authorization");

  beforeEach(() => {
    clock = createFakeClock(Date.UTC(2026, 0, 1));
    storage = memoryStorage({ clock });
    endpoint = tokenEndpoint();
  });

  it("50 concurrent requests with a cold cache call the token endpoint exactly once", async () => {
    const gate = deferred();
    const answer = endpoint.answer;
    endpoint.answer = async (n) => (await gate.promise, answer(n));
    const module = make();
    const pending = Array.from({ length: 50 }, () => bearer(module));
    await settle();
    gate.resolve();
    const headers = await Promise.all(pending);
    expect(endpoint.calls).toHaveLength(1);
    expect(new Set(headers)).toEqual(new Set(["Bearer minted-1"]));
    // And the next request is served from the cache.
    expect(await bearer(module)).toBe("Bearer minted-1");
    expect(endpoint.calls).toHaveLength(1);
  });

  it("sends a client_credentials grant (client_secret_post) without following redirects", async () => {
    await bearer(make(["scope: read write", "audience: https://api.example.com"]));
    const [call] = endpoint.calls;
    expect(call?.url).toBe(TOKEN_URL);
    expect(call?.method).toBe("POST");
    expect(call?.redirect).toBe("manual");
    expect(call?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(call?.headers.get("authorization")).toBeNull();
    expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({
      grant_type: "client_credentials",
      scope: "read write",
      audience: "https://api.example.com",
      client_id: "client-1",
      client_secret: SECRET,
    });
  });

  it("client_secret_basic puts form-encoded id:secret in Authorization and not in the body (RFC 6749 §2.3.1)", async () => {
    await bearer(make(["auth_method: client_secret_basic"]));
    const [call] = endpoint.calls;
    // "!" is form-encoded as %21 before base64.
    expect(call?.headers.get("authorization")).toBe(`Basic ${btoa("client-1:client-secret-Zx9%21")}`);
    expect(call?.body).toBe("grant_type=client_credentials");
  });

  it("honours header and prefix", async () => {
    const module = make(["header: X-Access", 'prefix: ""']);
    expect(await module.apply(REQUEST)).toEqual({ headers: [["X-Access", "minted-1"]], query: [] });
    expect(module.headerNames).toEqual(["x-access"]);
  });

  it("caches until a minute before expires_in, then mints again", async () => {
    const module = make();
    expect(await bearer(module)).toBe("Bearer minted-1");
    await clock.advance(3600_000 - 60_000 - 1);
    expect(await bearer(module)).toBe("Bearer minted-1");
    await clock.advance(1);
    expect(await bearer(module)).toBe("Bearer minted-2");
    expect(endpoint.calls).toHaveLength(2);
  });

  it("cache lifetimes: default 3600 s, a minute of margin, half of a short lifetime, at least 1 s", () => {
    expect(tokenCacheTtlMs(3600)).toBe(3_540_000);
    expect(tokenCacheTtlMs(60)).toBe(30_000);
    expect(tokenCacheTtlMs(1)).toBe(1_000);
  });

  it("without expires_in the token is kept for 3600 s minus the margin; a string expires_in is read", async () => {
    endpoint.answer = (n) => Response.json(n === 1 ? { access_token: "a" } : { access_token: "b", expires_in: "120" });
    const module = make();
    expect(await bearer(module)).toBe("Bearer a");
    await clock.advance(3_540_000);
    expect(await bearer(module)).toBe("Bearer b");
    await clock.advance(60_000);
    expect(endpoint.calls).toHaveLength(2);
    await bearer(module);
    expect(endpoint.calls).toHaveLength(3);
  });

  it("an invalidate_on status drops the token: the next request mints a new one", async () => {
    const module = make();
    const first = await module.apply(REQUEST);
    await module.onResponse?.(200, first);
    await module.onResponse?.(500, first);
    expect(await bearer(module)).toBe("Bearer minted-1");
    await module.onResponse?.(401, first);
    expect(await bearer(module)).toBe("Bearer minted-2");
    expect(endpoint.calls).toHaveLength(2);
  });

  it("invalidate_on can list other statuses", async () => {
    const module = make(["invalidate_on: [401, 403]"]);
    await module.apply(REQUEST);
    await module.onResponse?.(403);
    expect(await bearer(module)).toBe("Bearer minted-2");
  });

  it("a rejected token is not taken from storage again, even when deleting it failed", async () => {
    const flaky: Storage = { ...storage, delete: () => Promise.reject(new Error("ECONNRESET")) };
    const module = make([], flaky);
    await module.onResponse?.(401, await module.apply(REQUEST));
    expect(await storage.get((await oauth2CacheKeys(TOKEN_URL, "client-1")).token)).toContain("minted-1");
    expect(await bearer(module)).toBe("Bearer minted-2");
  });

  it("a late 401 for a token already replaced does not drop the new one", async () => {
    const module = make();
    const old = await module.apply(REQUEST);
    await module.onResponse?.(401, old);
    await module.apply(REQUEST); // minted-2
    await module.onResponse?.(401, old);
    expect(await bearer(module)).toBe("Bearer minted-2");
    expect(endpoint.calls).toHaveLength(2);
  });

  it("instances sharing storage share one token; after a 401 each picks up the other's fresh mint", async () => {
    const a = make();
    const b = make();
    expect(await bearer(a)).toBe("Bearer minted-1");
    expect(await bearer(b)).toBe("Bearer minted-1");
    expect(endpoint.calls).toHaveLength(1);
    await a.onResponse?.(401);
    expect(await bearer(a)).toBe("Bearer minted-2");
    await b.onResponse?.(401);
    expect(await bearer(b)).toBe("Bearer minted-2");
    expect(endpoint.calls).toHaveLength(2);
  });

  it("one mint at a time across instances: a second instance waits on the first one's lock", async () => {
    const gate = deferred();
    const answer = endpoint.answer;
    endpoint.answer = async (n) => (await gate.promise, answer(n));
    const a = make();
    const b = make();
    const fromA = bearer(a);
    await waitFor(() => endpoint.calls.length === 1);
    const fromB = bearer(b);
    await settle();
    expect(clock.pending).toBeGreaterThanOrEqual(2); // A's mint timeout and B's poll
    expect(endpoint.calls).toHaveLength(1);
    gate.resolve();
    expect(await fromA).toBe("Bearer minted-1");
    await clock.advance(50);
    expect(await fromB).toBe("Bearer minted-1");
    expect(endpoint.calls).toHaveLength(1);
  });

  it("the cache key covers token_url, client_id, scope and audience, never the secret", async () => {
    const base = await oauth2CacheKeys(TOKEN_URL, "client-1", "s", "a");
    expect(await oauth2CacheKeys(TOKEN_URL, "client-1", "s", "a")).toEqual(base);
    for (const other of [
      await oauth2CacheKeys("https://other.example.com/token", "client-1", "s", "a"),
      await oauth2CacheKeys(TOKEN_URL, "client-2", "s", "a"),
      await oauth2CacheKeys(TOKEN_URL, "client-1", "t", "a"),
      await oauth2CacheKeys(TOKEN_URL, "client-1", "s", undefined),
    ]) {
      expect(other.token).not.toBe(base.token);
    }
    // Two providers with different scopes get two tokens.
    await bearer(make(["scope: one"]));
    await bearer(make(["scope: two"]));
    expect(endpoint.calls).toHaveLength(2);
    await bearer(make(["scope: one"]));
    expect(endpoint.calls).toHaveLength(2);
  });

  describe("a failing token endpoint", () => {
    it("fails the request, then is not called again for a second", async () => {
      endpoint.answer = (n) => (n === 1 ? new Response("nope", { status: 500 }) : Response.json({ access_token: "ok" }));
      const module = make();
      await expect(module.apply(REQUEST)).rejects.toThrow(/HTTP 500/);
      await clock.advance(999);
      await expect(module.apply(REQUEST)).rejects.toThrow(/not retried yet/);
      expect(endpoint.calls).toHaveLength(1);
      await clock.advance(1);
      expect(await bearer(module)).toBe("Bearer ok");
      expect(endpoint.calls).toHaveLength(2);
    });

    it("the back-off is shared through storage with other instances", async () => {
      endpoint.answer = () => new Response("nope", { status: 503 });
      await expect(make().apply(REQUEST)).rejects.toThrow(/HTTP 503/);
      await expect(make().apply(REQUEST)).rejects.toThrow(/not retried yet/);
      expect(endpoint.calls).toHaveLength(1);
    });

    it("concurrent requests during a failing mint all fail with one call", async () => {
      endpoint.answer = () => new Response("nope", { status: 500 });
      const module = make();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => module.apply(REQUEST)));
      expect(results.every((r) => r.status === "rejected")).toBe(true);
      expect(endpoint.calls).toHaveLength(1);
    });

    it("a 3xx is a failed mint: never followed, so the secret only ever goes to token_url (SEC-132)", async () => {
      endpoint.answer = () => new Response(null, { status: 307, headers: { Location: "http://127.0.0.66:9/token" } });
      const module = make();
      const error = (await applyAsync(module, REQUEST).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(/HTTP 307/);
      await clock.advance(5_000);
      await applyAsync(module, REQUEST).catch(() => {});
      expect(endpoint.calls.map((c) => [c.url, c.redirect])).toEqual([
        [TOKEN_URL, "manual"],
        [TOKEN_URL, "manual"],
      ]);
    });

    it.each([
      ["not JSON", () => new Response("<html>", { status: 200 }), /not JSON/],
      ["no access_token", () => Response.json({ token_type: "Bearer" }), /no usable access_token/],
      ["an empty access_token", () => Response.json({ access_token: "" }), /no usable access_token/],
      ["a token that would split a header", () => Response.json({ access_token: "a\r\nX-Evil: 1" }), /no usable access_token/],
      ["a huge body", () => new Response("x".repeat(70_000)), /too large/],
      ["a network error", () => Promise.reject(new TypeError(`fetch failed for ${TOKEN_URL}?secret=${SECRET}`)), /unreachable/],
    ])("%s is a failed mint", async (_name, answer, message) => {
      endpoint.answer = answer as () => Response;
      await expect(make().apply(REQUEST)).rejects.toThrow(message);
    });

    it("times out after 10 s on the gateway's clock", async () => {
      let signal: AbortSignal | undefined;
      const module = authModule(rows(), {
        env: ENV,
        storage,
        clock,
        fetch: (request) => ((signal = request.signal), new Promise<Response>(() => {})),
      });
      const result = applyAsync(module, REQUEST).then(
        () => new Error("resolved"),
        (e: unknown) => e as Error,
      );
      await waitFor(() => signal !== undefined);
      await clock.advance(9_999);
      expect(signal?.aborted).toBe(false);
      await clock.advance(1);
      expect((await result).message).toMatch(/timed out/);
      expect(signal?.aborted).toBe(true);
    });

    it("error messages never carry the client secret or a token", async () => {
      const answers = [
        () => new Response(`{"error":"invalid_client","secret":"${SECRET}"}`, { status: 401 }),
        () => Response.json({ access_token: `bad token ${SECRET}` }),
        () => Promise.reject(new Error(SECRET)),
      ];
      for (const answer of answers) {
        endpoint.answer = answer as () => Response;
        await clock.advance(1_000);
        const error = (await applyAsync(make(), REQUEST).catch((e: unknown) => e)) as Error;
        expect(`${error.message} ${String(error.stack)} ${JSON.stringify(error)}`).not.toContain(SECRET);
        expect(error.cause).toBeUndefined();
      }
    });
  });

  it("secretValues has the client secret and the tokens it has used lately", async () => {
    const module = make();
    expect(module.secretValues()).toEqual([SECRET]);
    const first = await module.apply(REQUEST);
    await module.onResponse?.(401, first);
    await module.apply(REQUEST);
    expect(module.secretValues()).toEqual([SECRET, "minted-1", "minted-2"]);
  });

  it("a storage failure answers 503 PROXY_STORAGE_UNAVAILABLE, not a mint", async () => {
    const broken: Storage = { ...storage, get: () => Promise.reject(new Error("ECONNREFUSED")) };
    const error = await applyAsync(make([], broken), REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("PROXY_STORAGE_UNAVAILABLE");
    expect(endpoint.calls).toHaveLength(0);
  });

  describe("configuration", () => {
    const load = (...extra: string[]) => () => authModule([...rows(), ...extra], { env: ENV, storage, clock });

    it("token_url must be https, or http to a loopback host", () => {
      const at = (url: string) => () => authModule([...rows().slice(0, 3), `token_url: ${url}`], { env: ENV, storage, clock });
      expect(at("http://auth.example.com/token")).toThrow(/p\.yaml:7 auth\.token_url: must be https \(plain http only for loopback hosts\)/);
      expect(at("https://user:pw@auth.example.com/token")).toThrow(/auth\.token_url: must not contain credentials/);
      expect(at("http://127.0.0.1:8080/token")).not.toThrow();
      expect(at("http://localhost/token")).not.toThrow();
    });

    it("both secrets are required and reported at their fields", () => {
      let error: unknown;
      try {
        authModule(rows(), { env: {}, storage, clock });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.field)).toEqual(["auth.client_id_env", "auth.client_secret_env"]);
    });

    it("rejects unknown auth methods and statuses that are not errors", () => {
      expect(load("auth_method: private_key_jwt")).toThrow(/auth\.auth_method: must be client_secret_post or client_secret_basic/);
      expect(load("invalidate_on: [200]")).toThrow(/auth\.invalidate_on\[0\]: must be a 4xx or 5xx status/);
    });
  });
});
