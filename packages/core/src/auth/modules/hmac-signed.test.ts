import { beforeEach, describe, expect, it } from "vitest";
import { hmac, importHmacKey, toHex, utf8 } from "../../internal/hmac.js";
import { injectQuery } from "../../pipeline/query.js";
import { memoryStorage } from "../../storage/memory-storage.js";
import { createFakeClock, type FakeClock } from "../../testing/fake-clock.js";
import { authModule } from "../auth-test-kit.js";
import type { AuthModule } from "../types.js";
import { hmacSigningQuery } from "./hmac-signed.js";

// Binance Spot API documentation, "SIGNED Endpoint Examples for POST /api/v3/order".
const BINANCE_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const BINANCE_TIME = 1499827319559;
const BINANCE_PARAMS = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000";
const ENV = { BKEY: BINANCE_KEY, BSECRET: BINANCE_SECRET };

async function hmacHex(secret: string, message: Uint8Array | string, hash: "SHA-256" | "SHA-512" = "SHA-256"): Promise<string> {
  const key = await importHmacKey(hash, utf8(secret));
  return toHex(await hmac(key, typeof message === "string" ? utf8(message) : message));
}

/** What the pipeline forwards: the agent's query with the module's parameters injected. */
const forwardedQuery = (raw: string, query: readonly (readonly [string, string])[]) => injectQuery(raw, query);

describe("hmac_signed", () => {
  let clock: FakeClock;
  const make = (...extra: string[]): AuthModule =>
    authModule(["type: hmac_signed", "key_env: BKEY", "secret_env: BSECRET", ...extra], { env: ENV, storage: memoryStorage({ clock }), clock });

  beforeEach(() => {
    clock = createFakeClock(BINANCE_TIME);
  });

  it("reproduces the Binance documentation vector (query payload, defaults)", async () => {
    const module = make();
    const injection = await module.apply({ method: "POST", path: "/api/v3/order", query: BINANCE_PARAMS });
    expect(injection).toEqual({
      headers: [["X-MBX-APIKEY", BINANCE_KEY]],
      query: [
        ["timestamp", "1499827319559"],
        ["signature", "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"],
      ],
    });
    expect(forwardedQuery(BINANCE_PARAMS, injection.query)).toBe(
      `${BINANCE_PARAMS}&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71`,
    );
    expect(module.needsBody).toBe(false);
    expect(module.headerNames).toEqual(["x-mbx-apikey"]);
    expect(module.queryParams).toEqual(["timestamp", "signature"]);
    expect(module.secretValues()).toEqual([BINANCE_KEY, BINANCE_SECRET]);
  });

  it("the Binance query+body example: query string immediately followed by the body", async () => {
    const signed = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC" + "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    expect(await hmacHex(BINANCE_SECRET, signed)).toBe("0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
  });

  it.each([
    ["an empty query", ""],
    ["agent values for the module's own parameters (dropped, any case or encoding)", "a=1&timestamp=5&Signature=forged&sign%61ture=x&b=2"],
    ["repeated and valueless parameters", "a=1&a=2&flag&c=%20x+y"],
  ])("the forwarded query verifies with %s", async (_name, raw) => {
    clock = createFakeClock(1_700_000_000_123);
    const injection = await make().apply({ method: "GET", path: "/x", query: raw });
    const forwarded = forwardedQuery(raw, injection.query);
    const signature = injection.query[1]?.[1] ?? "";
    const suffix = `&signature=${signature}`;
    expect(forwarded.endsWith(suffix)).toBe(true);
    const signedPart = forwarded.slice(0, -suffix.length);
    expect(signedPart).toBe(hmacSigningQuery(raw, "timestamp", "1700000000123", "signature"));
    expect(signedPart).toContain("timestamp=1700000000123");
    expect(signedPart).not.toMatch(/forged|signature=|Signature=/);
    expect(await hmacHex(BINANCE_SECRET, signedPart)).toBe(signature);
  });

  it("query+body signs the forwarded query followed by the body bytes", async () => {
    const module = make('payload: "query+body"');
    expect(module.needsBody).toBe(true);
    const body = utf8("quantity=1&price=0.1&recvWindow=5000");
    const query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
    const injection = await module.apply({ method: "POST", path: "/api/v3/order", query, body });
    const signedQuery = `${query}&timestamp=${BINANCE_TIME}`;
    expect(injection.query[1]?.[1]).toBe(await hmacHex(BINANCE_SECRET, signedQuery + "quantity=1&price=0.1&recvWindow=5000"));
  });

  it("body signs only the body bytes (binary-safe); a missing body signs nothing", async () => {
    const module = make("payload: body");
    const body = new Uint8Array([0, 255, 10, 13, 0x80]);
    const injection = await module.apply({ method: "POST", path: "/x", query: "a=1", body });
    expect(injection.query[1]?.[1]).toBe(await hmacHex(BINANCE_SECRET, body));
    const empty = await module.apply({ method: "POST", path: "/x", query: "a=1" });
    expect(empty.query[1]?.[1]).toBe(await hmacHex(BINANCE_SECRET, ""));
  });

  it("sha512 digest and custom names", async () => {
    const module = make("digest: sha512", "key_header: X-Key", "signature_param: sig", "timestamp_param: ts");
    const injection = await module.apply({ method: "GET", path: "/x", query: "q=1" });
    expect(injection.headers).toEqual([["X-Key", BINANCE_KEY]]);
    expect(injection.query.map(([n]) => n)).toEqual(["ts", "sig"]);
    expect(injection.query[1]?.[1]).toBe(await hmacHex(BINANCE_SECRET, `q=1&ts=${BINANCE_TIME}`, "SHA-512"));
    expect(injection.query[1]?.[1]).toHaveLength(128);
  });

  it("the timestamp comes from the gateway clock, per request", async () => {
    const module = make();
    const first = await module.apply({ method: "GET", path: "/x", query: "" });
    await clock.advance(1500);
    const second = await module.apply({ method: "GET", path: "/x", query: "" });
    expect(first.query[0]).toEqual(["timestamp", String(BINANCE_TIME)]);
    expect(second.query[0]).toEqual(["timestamp", String(BINANCE_TIME + 1500)]);
  });

  it("configuration errors name their field", () => {
    expect(() => make("timestamp_param: signature")).toThrow(/auth: signature_param and timestamp_param must differ/);
    expect(() => make("digest: md5")).toThrow(/auth\.digest: must be sha256 or sha512/);
    expect(() => make("payload: headers")).toThrow(/auth\.payload: must be query, body or query\+body/);
    expect(() => make('signature_param: "a&b"')).toThrow(/auth\.signature_param: must be a plain query parameter name/);
  });
});
