/**
 * OAuth2 single mint and idempotency across two isolates of the Worker, which share nothing but
 * the KV namespace and the Durable Object namespace: the proof that the coordination is in storage.
 */
import { createSentinels, findLeaks } from "@outpost/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, providerYaml } from "./support/calls.js";
import { startTokenEndpoint, type TokenEndpoint } from "@outpost/test-support";
import { type LoopbackUpstreams, startLoopbackUpstreams } from "@outpost/test-support";
import { startWorkerdProxy, type WorkerdProxy } from "./support/workerd-proxy.js";

const sentinels = createSentinels(["client_secret", "token_one", "token_two"]);
let upstreams: LoopbackUpstreams;
let endpoint: TokenEndpoint;
let redirecting: TokenEndpoint;
let proxy: WorkerdProxy;
const via = (i: number) => (i % 2 ? proxy.request : (r: Parameters<WorkerdProxy["request"]>[0]) => proxy.requestTo("b", r));

beforeAll(async () => {
  upstreams = await startLoopbackUpstreams();
  endpoint = await startTokenEndpoint([sentinels.token_one!, sentinels.token_two!]);
  redirecting = await startTokenEndpoint([], upstreams.evil.url);
  const oauth = (name: string, url: string) =>
    providerYaml(name, `${upstreams.upstream.url}/${name}`, `auth: {type: oauth2_client_credentials, client_id_env: CLIENT_ID, client_secret_env: CLIENT_SECRET, token_url: "${url}", scope: read}`);
  const pay = providerYaml("pay", `${upstreams.upstream.url}/pay`, "auth: {type: none}\nforwarding: {treat_writes_as_sensitive: false}");
  proxy = await startWorkerdProxy(
    { providers: [oauth("oauth", endpoint.url), oauth("redirected", redirecting.url), pay], secrets: { CLIENT_ID: "client-w", CLIENT_SECRET: sentinels.client_secret! } },
    ["a", "b"],
  );
});
afterAll(async () => {
  await proxy?.stop();
  await endpoint?.close();
  await redirecting?.close();
  await upstreams?.stop();
});

describe("across two isolates in workerd", () => {
  it("OAuth2: 40 concurrent requests with a cold cache cause one mint; every forwarded request carries that token", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => call(via(i), "oauth", `/v1/items/${i}`)));
    expect(results.map((r) => r.status)).toEqual(Array(40).fill(200));
    expect(endpoint.mints).toHaveLength(1);
    expect(Object.fromEntries(endpoint.mints[0]!)).toMatchObject({ grant_type: "client_credentials", client_id: "client-w", scope: "read" });
    const seen = upstreams.upstream.requests.filter((r) => r.url.startsWith("/oauth/v1/items/"));
    expect(seen).toHaveLength(40);
    for (const rec of seen) expect(rec.headers.authorization).toEqual([`Bearer ${sentinels.token_one}`]);
    const everything = results.map((r) => r.text).join("\n") + proxy.logLines().join("\n");
    expect(findLeaks(everything, sentinels)).toEqual([]);
  });

  it("SEC-132: a token endpoint answering 307 is a failed mint (502 PROXY_AUTH_ERROR); the redirect target receives nothing", async () => {
    const res = await call(proxy.request, "redirected", "/v1/x");
    expect([res.status, res.code]).toEqual([502, "PROXY_AUTH_ERROR"]);
    expect(redirecting.mints).toHaveLength(1);
    expect(upstreams.evil.requests).toHaveLength(0);
  });

  it("idempotency: 20 concurrent duplicates split over both isolates reach the upstream once", async () => {
    upstreams.upstream.clear();
    const key = `k-${crypto.randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(via(i), "pay", "/v1/charges/sse?n=2&gap=100", { method: "POST", body: "{}", headers: [["Idempotency-Key", key]] })),
    );
    expect(upstreams.upstream.requests).toHaveLength(1);
    expect(results.filter((r) => r.headers.get("x-proxy-cache") === "BYPASS")).toHaveLength(1);
    for (const r of results) expect(["BYPASS", "IDEMPOTENT-HIT", "PROXY_IDEMPOTENCY_IN_PROGRESS"]).toContain(r.code ?? r.headers.get("x-proxy-cache"));
    await new Promise((r) => setTimeout(r, 100));
    const replay = await call(via(0), "pay", "/v1/charges/sse?n=2&gap=100", { method: "POST", body: "{}", headers: [["Idempotency-Key", key]] });
    expect([replay.status, replay.headers.get("x-proxy-cache")]).toEqual([200, "IDEMPOTENT-HIT"]);
    expect(upstreams.upstream.requests).toHaveLength(1);
  });
});
