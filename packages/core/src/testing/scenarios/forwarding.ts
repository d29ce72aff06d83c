import { expect, it } from "vitest";
import { base64Encode } from "../../internal/bytes.js";
import { type ScenarioContext, readAll, recordedHeader } from "./context.js";

/** Byte equality without a deep-equal diff, which takes seconds on a MiB. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Deterministic bytes covering every byte value, so a text-mangling hop would show. */
function binary(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return out;
}

export function forwardingScenarios(ctx: ScenarioContext): void {
  it("forwards GET /repos/a/b to the base path with the injected bearer and without proxy control headers", async () => {
    const res = await ctx.send({ target: "/repos/a/b", headers: [["Authorization", "Bearer agent-supplied"]] });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(res.headers.get("x-proxy-provider")).toBe("github");
    expect(res.headers.get("x-proxy-cache")).toBe("BYPASS");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const [rec, ...more] = ctx.upstream().requests;
    expect(more).toHaveLength(0);
    expect(rec?.method).toBe("GET");
    expect(rec?.url).toBe("/api/repos/a/b");
    expect(recordedHeader(rec!.rawHeaders, "authorization")).toEqual([`Bearer ${ctx.secrets.GH_TOKEN}`]);
    expect(recordedHeader(rec!.rawHeaders, "x-github-api-version")).toEqual(["2022-11-28"]);
    expect(recordedHeader(rec!.rawHeaders, "x-provider")).toEqual([]);
    expect(recordedHeader(rec!.rawHeaders, "x-outpost-auth")).toEqual([]);
  });

  it("forwards the query string exactly as received and never matches rules on it", async () => {
    const res = await ctx.send({ target: "/repos/a/b?q=a%20b&x=1&x=2&path=/user/keys" });
    expect(res.status).toBe(200);
    expect(ctx.upstream().requests[0]?.url).toBe("/api/repos/a/b?q=a%20b&x=1&x=2&path=/user/keys");
  });

  it("decodes percent-encoded unreserved characters once and forwards the decoded path", async () => {
    const res = await ctx.send({ target: "/repos/%61/b%2Dc" });
    expect(res.status).toBe(200);
    expect(ctx.upstream().requests[0]?.url).toBe("/api/repos/a/b-c");
  });

  it("api_key_header: the agent's own values in the key slot are dropped; exactly one configured key arrives", async () => {
    const res = await ctx.send({ provider: "stripe", target: "/v1/customers", headers: [["X-Api-Key", "attacker"], ["x-api-key", "again"]] });
    expect(res.status).toBe(200);
    const rec = ctx.upstream().requests[0]!;
    expect(rec.url).toBe("/stripe/v1/customers");
    expect(recordedHeader(rec.rawHeaders, "x-api-key")).toEqual([ctx.secrets.STRIPE_KEY]);
  });

  it("api_key_query: agent values for the parameter are replaced; other parameters pass unchanged", async () => {
    const res = await ctx.send({ provider: "legacy", target: "/v1/items?api_key=attacker&keep=1&API_KEY=x&api%5Fkey=y" });
    expect(res.status).toBe(200);
    const url = ctx.upstream().requests[0]!.url;
    expect(url).toBe(`/legacy/v1/items?keep=1&api_key=${encodeURIComponent(ctx.secrets.LEGACY_KEY!)}`);
  });

  it("basic_auth: the agent's Authorization is replaced by base64(user:pass) (RFC 7617)", async () => {
    const res = await ctx.send({ provider: "jira", target: "/rest/api/3/myself", headers: [["Authorization", "Basic YTpi"]] });
    expect(res.status).toBe(200);
    const expected = base64Encode(new TextEncoder().encode(`${ctx.secrets.JIRA_USER}:${ctx.secrets.JIRA_TOKEN}`));
    expect(recordedHeader(ctx.upstream().requests[0]!.rawHeaders, "authorization")).toEqual([`Basic ${expected}`]);
  });

  it("custom_headers: every configured header is set once, from env or value", async () => {
    const res = await ctx.send({ provider: "custom", target: "/x", headers: [["X-Custom-Key", "attacker"]] });
    expect(res.status).toBe(200);
    const rec = ctx.upstream().requests[0]!;
    expect(recordedHeader(rec.rawHeaders, "x-custom-key")).toEqual([ctx.secrets.CUSTOM_KEY]);
    expect(recordedHeader(rec.rawHeaders, "x-custom-tenant")).toEqual(["acme"]);
  });

  it("a provider name in X-Provider matches case-insensitively", async () => {
    const res = await ctx.send({ provider: "GitHub", target: "/repos/a/b" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-provider")).toBe("github");
  });

  it("an upstream 302 to another origin reaches the agent as is; the other origin receives nothing", async () => {
    const evil = ctx.evil().url;
    const res = await ctx.send({ target: `/repos/a/b/redirect-cross?to=${encodeURIComponent(evil)}` });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${evil}/steal`);
    expect(ctx.evil().requests).toHaveLength(0);
  });

  it("an upstream 307 after a POST with a body is not followed; the body is not re-sent anywhere", async () => {
    const evil = ctx.evil().url;
    const res = await ctx.send({ method: "POST", target: `/search/code?to=${encodeURIComponent(evil)}`, body: "q=1" });
    expect(res.status).toBe(200);
    const redirect = await ctx.send({ method: "POST", target: `/upload/x/redirect-307?to=${encodeURIComponent(evil)}`, body: "payload" });
    expect(redirect.status).toBe(307);
    expect(ctx.evil().requests).toHaveLength(0);
  });

  it("204 and 304 answers pass through without a body", async () => {
    const noContent = await ctx.send({ target: "/repos/a/b/status/204" });
    expect(noContent.status).toBe(204);
    expect(noContent.body.byteLength).toBe(0);
    const notModified = await ctx.send({ target: "/repos/a/b/status/304", headers: [["If-None-Match", '"v1"']] });
    expect(notModified.status).toBe(304);
    expect(notModified.body.byteLength).toBe(0);
    expect(recordedHeader(ctx.upstream().requests[1]!.rawHeaders, "if-none-match")).toEqual(['"v1"']);
  });

  it("HEAD is forwarded as HEAD and answered without a body", async () => {
    const res = await ctx.send({ method: "HEAD", target: "/repos/a/b" });
    expect(res.status).toBe(200);
    expect(res.body.byteLength).toBe(0);
    expect(ctx.upstream().requests[0]?.method).toBe("HEAD");
  });

  it("upstream error statuses pass through with their bodies", async () => {
    const res = await ctx.send({ target: "/repos/a/b/status/503" });
    expect(res.status).toBe(503);
    expect(res.body.byteLength).toBeGreaterThan(0);
  });

  it("a 1 MiB binary response arrives byte-identical", async () => {
    const n = 1024 * 1024;
    const res = await ctx.send({ target: `/repos/a/b/binary?bytes=${n}` });
    expect(res.status).toBe(200);
    expect(res.body.byteLength).toBe(n);
    // The same bytes fetched straight from the upstream, bypassing the proxy.
    const direct = new Uint8Array(await (await fetch(`${ctx.upstream().url}/direct/binary?bytes=${n}`)).arrayBuffer());
    expect(sameBytes(res.body, direct)).toBe(true);
    expect(new Set(res.body).size).toBe(256);
  });

  it("a 1 MiB binary request body reaches the upstream byte-identical and echoes back identical", async () => {
    const payload = binary(1024 * 1024);
    const res = await ctx.send({
      method: "POST",
      target: "/upload/files/echo-body",
      headers: [["Content-Type", "application/octet-stream"]],
      body: payload,
    });
    expect(res.status).toBe(200);
    expect(sameBytes(ctx.upstream().requests[0]!.body, payload)).toBe(true);
    expect(sameBytes(res.body, payload)).toBe(true);
  });

  it("server-sent events are relayed event by event: the first arrives before the upstream sends the third", async () => {
    const res = await ctx.proxy().request({
      target: "/repos/a/b/sse?n=20&gap=50",
      headers: [["X-Provider", "github"], ["X-Outpost-Auth", ctx.secrets.PSK_X!]],
      from: "127.0.0.12",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = Date.now();
    expect(new TextDecoder().decode(first.value)).toContain("id: 1");
    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text.match(/^id: /gm)).toHaveLength(20);
    const sent = ctx.upstream().requests[0]!.sseSentAt;
    expect(sent).toHaveLength(20);
    expect(firstAt).toBeLessThan(sent[2]!);
  });
}
