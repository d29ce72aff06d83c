/**
 * Stateful modules through the whole gateway (`gateway.fetch`), with a fake upstream: what an
 * agent observes when a stored token rotates or is rejected, and what an HMAC upstream receives.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { createGateway } from "../gateway.js";
import type { FetchLike } from "../http/fetch-entry.js";
import { hmac, importHmacKey, toHex, utf8 } from "../internal/hmac.js";
import { secretsFromRecord } from "../ports/secrets.js";
import { memoryStorage } from "../storage/memory-storage.js";
import { createFakeClock } from "../testing/fake-clock.js";
import { bearerStoreKey, setBearerStoreToken } from "./modules/bearer-store.js";

function setup(authRows: string[], env: Record<string, string>, status: (url: URL) => number = () => 200) {
  const clock = createFakeClock(1_700_000_000_000);
  const storage = memoryStorage({ clock });
  const seen: Request[] = [];
  const upstream: FetchLike = async (request) => {
    seen.push(request);
    return new Response("{}", { status: status(new URL(request.url)), headers: { "Content-Type": "application/json" } });
  };
  const text = ["name: p", "base_url: https://api.example.com/base", "auth:", ...authRows.map((r) => `  ${r}`)].join("\n");
  const config = loadConfig({ providers: [{ file: "p.yaml", text }], secrets: secretsFromRecord(env) });
  const gateway = createGateway(config, { clock, storage, fetch: upstream });
  const send = async (target: string, init: RequestInit = {}) => {
    const response = await gateway.fetch(new Request(`http://outpost.local${target}`, { ...init, headers: { "X-Provider": "p", ...init.headers } }), {
      clientAddress: "127.0.0.1",
      rawTarget: target,
    });
    return { status: response.status, body: await response.text() };
  };
  return { clock, storage, seen, send, gateway };
}

describe("stateful auth through the gateway", () => {
  it("bearer_store: seeded once, rotated for the next request, a 401 drops it without re-seeding", async () => {
    const { storage, seen, send, gateway } = setup(["type: bearer_store", "key: crm", "env_seed: SEED"], { SEED: "seed-token" }, (url) =>
      url.pathname.endsWith("/reject") ? 401 : 200,
    );
    expect((await send("/a")).status).toBe(200);
    expect(seen.at(-1)?.headers.get("authorization")).toBe("Bearer seed-token");

    await setBearerStoreToken(storage, "crm", "rotated-token");
    expect((await send("/b")).status).toBe(200);
    expect(seen.at(-1)?.headers.get("authorization")).toBe("Bearer rotated-token");
    expect(gateway.secretValues()).toEqual(expect.arrayContaining(["seed-token", "rotated-token"]));

    expect((await send("/reject")).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await storage.get(bearerStoreKey("crm"))).toBeUndefined();
    const failed = await send("/c");
    expect(failed.status).toBe(502);
    expect(JSON.parse(failed.body).error.code).toBe("PROXY_AUTH_ERROR");
    expect(failed.body).not.toMatch(/seed-token|rotated-token/);
    expect(seen).toHaveLength(3);

    await setBearerStoreToken(storage, "crm", "fresh-token");
    expect((await send("/d")).status).toBe(200);
    expect(seen.at(-1)?.headers.get("authorization")).toBe("Bearer fresh-token");
  });

  it("hmac_signed: the upstream receives exactly the query that was signed, and the agent's signature is dropped", async () => {
    const { seen, send, clock } = setup(["type: hmac_signed", "key_env: K", "secret_env: S"], { K: "api-key", S: "api-secret" });
    expect((await send("/api/v3/order?symbol=LTCBTC&signature=forged&side=BUY")).status).toBe(200);
    const url = new URL(seen[0]!.url);
    expect(url.pathname).toBe("/base/api/v3/order");
    const raw = url.search.slice(1);
    const [signed, signature] = raw.split("&signature=");
    expect(signed).toBe(`symbol=LTCBTC&side=BUY&timestamp=${clock.now()}`);
    expect(signature).toBe(toHex(await hmac(await importHmacKey("SHA-256", utf8("api-secret")), utf8(signed!))));
    expect(seen[0]!.headers.get("x-mbx-apikey")).toBe("api-key");
  });

  it("hmac_signed query+body: the body that is forwarded is the body that was signed", async () => {
    const { seen, send } = setup(["type: hmac_signed", "key_env: K", "secret_env: S", 'payload: "query+body"'], { K: "api-key", S: "api-secret" });
    const body = "quantity=1&price=0.1";
    const answer = await send("/order?symbol=X", { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(answer.status).toBe(200);
    const request = seen[0]!;
    const forwardedBody = await request.text();
    expect(forwardedBody).toBe(body);
    const [signed, signature] = new URL(request.url).search.slice(1).split("&signature=");
    expect(signature).toBe(toHex(await hmac(await importHmacKey("SHA-256", utf8("api-secret")), utf8(signed! + forwardedBody))));
  });
});
