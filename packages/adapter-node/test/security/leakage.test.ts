/**
 * Credential leakage (security-cases.md F; invariants 1 and 2): redirects, echoing upstreams,
 * session headers, and agent-supplied values in the credential slot. Every auth type of the
 * fixture is exercised; the file ends with the sentinel scan of every answer, log line and
 * storage entry. Transport failures are in transport-errors.test.ts.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ConfigSource } from "@outpost/core";
import { findLeaks } from "@outpost/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_PROVIDERS, BASE_PATH, expectNoLeaks, type Fixture, PROVIDER_SECRET, recorded, startFixture } from "./support/fixture.js";

let fx: Fixture;
let reflector: Server;
/** What the reflector received, to prove each echo had a credential to leak. */
const reflected: string[] = [];

/**
 * An upstream that echoes the request target (with an injected `api_key`) and the credential
 * headers in a redirect's Location, Content-Location and Link headers and in its body.
 */
async function startReflector(): Promise<number> {
  reflector = createServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    reflected.push(`${req.url}\n${auth}`);
    const body = JSON.stringify({ url: req.url, auth });
    res.writeHead(302, {
      Location: `http://127.0.0.1:${(reflector.address() as AddressInfo).port}${req.url}`,
      "Content-Location": req.url ?? "",
      Link: `<${req.url}>; rel="next"`,
      "X-Auth-Echo": auth,
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => reflector.listen(0, "127.0.0.1", resolve));
  return (reflector.address() as AddressInfo).port;
}

beforeAll(async () => {
  const port = await startReflector();
  const p = (file: string, text: string): ConfigSource => ({ file, text });
  fx = await startFixture({
    extraProviders: () => [
      p("reflectq.yaml", `name: reflectq\nbase_url: http://127.0.0.1:${port}/q\nauth: {type: api_key_query, env: LEGACY_KEY, param: api_key}\n`),
      p("reflectb.yaml", `name: reflectb\nbase_url: http://127.0.0.1:${port}/b\nauth: {type: bearer_static, env: GH_TOKEN}\n`),
      p("reflectbasic.yaml", `name: reflectbasic\nbase_url: http://127.0.0.1:${port}/j\nauth: {type: basic_auth, username_env: JIRA_USER, password_env: JIRA_TOKEN}\n`),
    ],
  });
});
afterAll(async () => {
  expect(fx.leaks()).toEqual({});
  await fx.close();
  await new Promise((resolve) => reflector.close(resolve));
});

/** The whole answer as bytes, framing included, for the sentinel scan of one exchange. */
const wire = (res: { responses: { raw: Uint8Array } }) => Buffer.from(res.responses.raw);
const jiraBasic = () => `${fx.secrets.JIRA_USER}:${fx.secrets.JIRA_TOKEN}`;

describe("SEC-59 redirects are relayed, never followed (invariant 2)", () => {
  it.each(ALL_PROVIDERS)("SEC-59 a 302 to the evil origin from %s reaches the agent as is; E records nothing", async (provider) => {
    const before = fx.upstream.requests.length;
    const res = await fx.send({ as: "exec", provider, target: `${BASE_PATH[provider]}/redirect-cross` });
    expect(res.status).toBe(302);
    expect(res.header("location")).toBe(`${fx.evil.url}/steal`);
    expect(fx.upstream.requests.length - before).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(fx.evil.requests).toHaveLength(0);
    expect(findLeaks(wire(res), fx.secrets)).toEqual([]);
  });

  it("SEC-59 a 307 to the evil origin on a POST with a body is relayed; the body and key are never re-sent to E", async () => {
    const res = await fx.send({ as: "exec", provider: "stripe", method: "POST", target: "/v1/charges/redirect-307", body: '{"amount":1}' });
    expect(res.status).toBe(307);
    await new Promise((r) => setTimeout(r, 50));
    expect(fx.evil.requests).toHaveLength(0);
  });
});

describe("SEC-64 an upstream that echoes the credential", () => {
  it.each(ALL_PROVIDERS)("SEC-64 %s: the echoed credential (headers, URL, decoded Basic) never reaches the agent in any form", async (provider) => {
    const before = fx.upstream.requests.length;
    const res = await fx.send({ as: "exec", provider, target: `${BASE_PATH[provider]}/echo-secret` });
    expect(res.status).toBe(200);
    // The echo had something to leak: U really received the credential.
    const rec = fx.upstream.requests[before]!;
    expect(findLeaks(`${rec.url}\n${rec.rawHeaders.join("\n")}`, fx.secrets).length).toBeGreaterThan(0);
    expect(findLeaks(wire(res), fx.secrets, provider === "jira" ? [jiraBasic()] : [])).toEqual([]);
  });

  it.each(["github", "stripe", "legacy", "jira", "oauthsvc", "store"])(
    "SEC-64 %s: a credential split across two chunks 50 ms apart is still caught",
    async (provider) => {
      const before = fx.upstream.requests.length;
      const res = await fx.send({ as: "exec", provider, target: `${BASE_PATH[provider]}/split-secret` });
      expect(res.status).toBe(200);
      const rec = fx.upstream.requests[before]!;
      const sent = rec.headers.authorization?.[0] ?? rec.headers["x-api-key"]?.[0] ?? rec.url;
      expect(findLeaks(sent, fx.secrets).length).toBeGreaterThan(0);
      expect(findLeaks(wire(res), fx.secrets)).toEqual([]);
    },
  );

  it("SEC-64 an echoed Authorization in a response header is scrubbed there too", async () => {
    const res = await fx.send({ as: "exec", target: "/repos/a/b/c/echo-secret" });
    expect(res.header("x-echo-authorization")).toBeDefined();
    expect(findLeaks(res.header("x-echo-authorization")!, fx.secrets)).toEqual([]);
  });

  it("SEC-64 a cached echo is stored scrubbed: the replay carries no credential either", async () => {
    const first = await fx.send({ as: "exec", target: "/repos/cache/me/echo-secret" });
    const again = await fx.send({ as: "exec", target: "/repos/cache/me/echo-secret" });
    expect([first.status, again.status, again.header("x-proxy-cache")]).toEqual([200, 200, "HIT"]);
    expect(findLeaks(wire(again), fx.secrets)).toEqual([]);
  });
});

describe("an upstream that reflects the credential in Location, Content-Location and Link", () => {
  it.each(["reflectq", "reflectb", "reflectbasic"])("%s: the redirect reaches the agent without the credential in any header or the body", async (provider) => {
    const before = reflected.length;
    const res = await fx.send({ as: "exec", provider, target: "/v1/next?page=2" });
    expect(res.status).toBe(302);
    expect(findLeaks(reflected.slice(before).join("\n"), fx.secrets).length).toBeGreaterThan(0);
    expect(findLeaks(wire(res), fx.secrets, [`${fx.secrets.JIRA_USER}:${fx.secrets.JIRA_TOKEN}`])).toEqual([]);
  });
});

describe("SEC-65 session and authentication response headers", () => {
  it.each(["github", "stripe", "jira"])("SEC-65 %s: Set-Cookie, Set-Cookie2, Authentication-Info and Proxy-Authenticate never reach the agent", async (provider) => {
    const res = await fx.send({ as: "exec", provider, target: `${BASE_PATH[provider]}/set-cookie` });
    expect(res.status).toBe(200);
    for (const name of ["set-cookie", "set-cookie2", "authentication-info", "proxy-authenticate"]) {
      expect({ name, value: res.header(name) }).toEqual({ name, value: undefined });
    }
  });

  it("upstream imitations of the proxy's own headers (X-Proxy-*, X-Request-Id) are replaced by the proxy's", async () => {
    const res = await fx.send({ as: "exec", target: "/repos/a/b/set-cookie" });
    expect(res.header("x-proxy-provider")).toBe("github");
    expect(res.header("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).toBe('{"ok":true}');
  });
});

describe("SEC-71 agent-supplied values in the credential slot", () => {
  it("SEC-71 github: an agent Authorization is dropped; U receives exactly the configured bearer", async () => {
    const before = fx.upstream.requests.length;
    await fx.send({ as: "exec", target: "/repos/a/b/s71", headers: [["Authorization", "Bearer attacker"], ["authorization", "Bearer second"]] });
    expect(recorded(fx.upstream.requests[before]!.rawHeaders, "authorization")).toEqual([`Bearer ${fx.secrets.GH_TOKEN}`]);
  });

  it("SEC-71 stripe: two agent X-Api-Key lines are dropped; U receives exactly one, the configured key", async () => {
    const before = fx.upstream.requests.length;
    await fx.send({ as: "exec", provider: "stripe", target: "/v1/s71", headers: [["X-Api-Key", "attacker"], ["x-api-key", "attacker2"]] });
    expect(recorded(fx.upstream.requests[before]!.rawHeaders, "x-api-key")).toEqual([fx.secrets.STRIPE_KEY]);
  });

  it("SEC-71 legacy: agent api_key parameters (any spelling) are replaced; other parameters are forwarded unchanged", async () => {
    const before = fx.upstream.requests.length;
    await fx.send({ as: "exec", provider: "legacy", target: "/v1/s71?api_key=attacker&keep=1&api_key=x&API_KEY=y&api%5Fkey=z&b=%41" });
    const url = fx.upstream.requests[before]!.url;
    const query = url.slice(url.indexOf("?") + 1).split("&");
    expect(query.filter((part) => /^api(_|%5f)key=/i.test(part))).toEqual([`api_key=${encodeURIComponent(fx.secrets.LEGACY_KEY!)}`]);
    expect(query.filter((part) => !/^api(_|%5f)key=/i.test(part))).toEqual(["keep=1", "b=%41"]);
  });

  it("SEC-71 legacy: an api_key hidden behind a ';' separator (read as one by Rack < 3 and old Python) is dropped too", async () => {
    const before = fx.upstream.requests.length;
    await fx.send({ as: "exec", provider: "legacy", target: "/v1/s71?x=1;api_key=attacker&y=2;API_KEY=b;z=3" });
    const url = fx.upstream.requests[before]!.url;
    const parts = url.slice(url.indexOf("?") + 1).split(/[&;]/);
    expect(parts.filter((part) => /^api(_|%5f)key=/i.test(part))).toEqual([`api_key=${encodeURIComponent(fx.secrets.LEGACY_KEY!)}`]);
    expect(parts.filter((part) => !/^api(_|%5f)key=/i.test(part))).toEqual(["x=1", "y=2", "z=3"]);
  });

  it("SEC-71 jira: an agent Basic credential is replaced by exactly the configured one", async () => {
    const before = fx.upstream.requests.length;
    await fx.send({ as: "exec", provider: "jira", target: "/rest/s71", headers: [["Authorization", "Basic YTpi"]] });
    expect(recorded(fx.upstream.requests[before]!.rawHeaders, "authorization")).toEqual([`Basic ${Buffer.from(jiraBasic()).toString("base64")}`]);
  });

  it("SEC-71 custom headers: agent values for every configured header are dropped", async () => {
    const before = fx.upstream.requests.length;
    await fx.send({ as: "exec", provider: "custom", target: "/s71", headers: [["X-Custom-Key", "attacker"], ["X-Custom-Tenant", "evil"]] });
    const raw = fx.upstream.requests[before]!.rawHeaders;
    expect([recorded(raw, "x-custom-key"), recorded(raw, "x-custom-tenant")]).toEqual([[fx.secrets.CUSTOM_KEY], ["acme"]]);
  });

  it("SEC-71 hmac_signed: the agent's key header, signature and timestamp are replaced; the signature covers exactly what is forwarded", async () => {
    const before = fx.upstream.requests.length;
    await fx.send({ as: "exec", provider: "binance", target: "/api/v3/order?symbol=BTC&signature=forged&timestamp=1", headers: [["X-MBX-APIKEY", "attacker"]] });
    const rec = fx.upstream.requests[before]!;
    expect(recorded(rec.rawHeaders, "x-mbx-apikey")).toEqual([fx.secrets.BN_KEY]);
    const query = rec.url.slice(rec.url.indexOf("?") + 1);
    const signatures = query.split("&").filter((p) => p.startsWith("signature="));
    expect(signatures).toHaveLength(1);
    expect(query.split("&").filter((p) => p.startsWith("timestamp="))).not.toContain("timestamp=1");
    const signed = query.slice(0, query.lastIndexOf("&signature="));
    expect(signatures[0]).toBe(`signature=${createHmac("sha256", fx.secrets.BN_SECRET!).update(signed).digest("hex")}`);
    expect(signed).toContain("symbol=BTC");
  });

  it("SEC-71 bearer_store and oauth2: an agent Authorization never replaces the stored or minted token", async () => {
    for (const provider of ["store", "oauthsvc"]) {
      const before = fx.upstream.requests.length;
      await fx.send({ as: "exec", provider, target: `${BASE_PATH[provider]}/s71`, headers: [["Authorization", "Bearer attacker"]] });
      const values = recorded(fx.upstream.requests[before]!.rawHeaders, "authorization");
      expect(values).toHaveLength(1);
      expect(findLeaks(values[0]!, fx.secrets)).toEqual([provider === "store" ? "STORE_SEED" : expect.stringMatching(/^OA_TOKEN_/)]);
    }
  });

  it("an agent value for a default header is replaced by the configured one", async () => {
    const before = fx.upstream.requests.length;
    await fx.send({ as: "exec", target: "/repos/a/b/dh", headers: [["X-GitHub-Api-Version", "1999-01-01"]] });
    expect(recorded(fx.upstream.requests[before]!.rawHeaders, "x-github-api-version")).toEqual(["2022-11-28"]);
  });

  it("the OAuth client secret only ever goes to the token endpoint, never upstream", async () => {
    expect(fx.token.mints.length).toBeGreaterThanOrEqual(1);
    expect(fx.token.mints[0]!.get("client_secret")).toBe(fx.secrets.OA_SECRET);
    const upstreamText = fx.upstream.requests.map((r) => `${r.url}\n${r.rawHeaders.join("\n")}\n${Buffer.from(r.body).toString("latin1")}`).join("\n");
    expect(findLeaks(upstreamText, { OA_SECRET: fx.secrets.OA_SECRET!, OA_ID: fx.secrets.OA_ID! })).toEqual([]);
  });
});

it("management answers (/providers, /openapi.json) carry no secret", async () => {
  for (const target of ["/providers", "/openapi.json"]) {
    const res = await fx.send({ as: "exec", provider: null, target });
    expect(res.status).toBe(200);
    expect(findLeaks(wire(res), fx.secrets)).toEqual([]);
  }
});

it("every provider's secret was actually used in this file (the scan below has something to miss)", () => {
  const sent = fx.upstream.requests.map((r) => `${r.url}\n${r.rawHeaders.join("\n")}`).join("\n");
  const used = new Set(findLeaks(sent, fx.secrets));
  for (const provider of ALL_PROVIDERS) {
    const name = PROVIDER_SECRET[provider]!;
    expect({ provider, used: used.has(name) }).toEqual({ provider, used: true });
  }
});

it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
  expectNoLeaks(fx);
});
