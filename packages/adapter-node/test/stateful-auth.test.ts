/**
 * Stateful auth modules and plugins end to end: the real Node server on a random port, the
 * recording upstream, and (for OAuth2) a small token endpoint that counts mints.
 */
import { createHmac } from "node:crypto";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type AuthPlugin, ConfigError, defineAuthPlugin, loadConfig, secretsFromRecord } from "@outpost/core";
import {
  createLineSink,
  createSentinels,
  findLeaks,
  type LineSink,
  type RecordingUpstream,
  startEvilOrigin,
  startRecordingUpstream,
  startTokenEndpoint,
  type TokenEndpoint,
} from "@outpost/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger, loadNodeConfig, type RunningServer, startServer } from "../src/index.js";
import { providerDir } from "./support/spawn-outpost.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "plugins");

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

async function call(server: RunningServer, provider: string, path: string): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, { headers: { "X-Provider": provider } });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

const everything = (answers: readonly Answer[]) => answers.map((a) => `${a.status}\n${JSON.stringify(a.headers)}\n${a.body}`).join("\n");

describe("stateful auth end to end (Node server)", () => {
  let upstream: RecordingUpstream;
  let server: RunningServer | undefined;
  let sink: LineSink;
  const logger = () => {
    sink = createLineSink();
    return createJsonLogger({ write: (line) => sink.write(line), warn: (line) => sink.write(line) });
  };

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterEach(async () => {
    await server?.close(1000);
    server = undefined;
    upstream.clear();
  });
  afterAll(async () => {
    await upstream.close();
  });

  describe("oauth2_client_credentials", () => {
    const sentinels = createSentinels(["client_secret", "token_one", "token_two", "token_three"]);
    let endpoint: TokenEndpoint;
    // One server (one token cache) for the whole describe: its tests run in order on it.
    let proxy: RunningServer;

    beforeAll(async () => {
      endpoint = await startTokenEndpoint([sentinels.token_one!, sentinels.token_two!, sentinels.token_three!]);
      const text = [
        "name: oauth",
        `base_url: ${upstream.url}/api`,
        "auth:",
        "  type: oauth2_client_credentials",
        "  client_id_env: OAUTH_CLIENT_ID",
        "  client_secret_env: OAUTH_CLIENT_SECRET",
        `  token_url: ${endpoint.url}`,
        "  scope: read",
      ].join("\n");
      const config = loadConfig({
        providers: [{ file: "oauth.yaml", text }],
        secrets: secretsFromRecord({ OAUTH_CLIENT_ID: "client-e2e", OAUTH_CLIENT_SECRET: sentinels.client_secret }),
      });
      proxy = await startServer({ config, port: 0, logger: logger() });
    });
    afterAll(async () => {
      await proxy.close(1000);
      await endpoint.close();
    });

    const answers: Answer[] = [];

    it("50 concurrent requests with a cold cache: one mint, every forwarded request carries it", async () => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => call(proxy, "oauth", `/v1/items/${i}`)));
      answers.push(...results);
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(endpoint.mints).toHaveLength(1);
      expect(Object.fromEntries(endpoint.mints[0]!)).toEqual({
        grant_type: "client_credentials",
        scope: "read",
        client_id: "client-e2e",
        client_secret: sentinels.client_secret,
      });
      const seen = upstream.requests.filter((r) => r.url.startsWith("/api/v1/items/"));
      expect(seen).toHaveLength(50);
      for (const rec of seen) expect(rec.headers.authorization).toEqual([`Bearer ${sentinels.token_one}`]);
    });

    it("an upstream 401 drops the token: the next request mints a new one", async () => {
      const rejected = await call(proxy, "oauth", "/v1/status/401");
      answers.push(rejected);
      expect(rejected.status).toBe(401);
      expect(endpoint.mints).toHaveLength(1);
      const next = await call(proxy, "oauth", "/v1/after");
      answers.push(next);
      expect(next.status).toBe(200);
      expect(endpoint.mints).toHaveLength(2);
      expect(upstream.requests.at(-1)?.headers.authorization).toEqual([`Bearer ${sentinels.token_two}`]);
    });

    it("the client secret and the tokens never appear in any answer or log line", async () => {
      expect(findLeaks(everything(answers), sentinels)).toEqual([]);
      expect(sink.lines.length).toBeGreaterThanOrEqual(52);
      expect(findLeaks(sink.text(), sentinels)).toEqual([]);
    });

    it("an upstream that echoes the minted token back is scrubbed (needs the response scrubber)", async () => {
      const echoed = await call(proxy, "oauth", "/v1/echo-secret");
      expect(echoed.status).toBe(200);
      expect(findLeaks(everything([echoed]), sentinels)).toEqual([]);
      expect(findLeaks(sink.text(), sentinels)).toEqual([]);
    });
  });

  it("SEC-132: a token endpoint answering 307 is a failed mint (502 PROXY_AUTH_ERROR); the secret never reaches the redirect target", async () => {
    const evil = await startEvilOrigin();
    const sentinels = createSentinels(["client_secret"]);
    const redirecting = await startTokenEndpoint([], evil.url);
    try {
      const tokenUrl = redirecting.url;
      const text = `name: o\nbase_url: ${upstream.url}\nauth: {type: oauth2_client_credentials, client_id_env: ID, client_secret_env: SECRET, token_url: "${tokenUrl}"}`;
      const config = loadConfig({ providers: [{ file: "o.yaml", text }], secrets: secretsFromRecord({ ID: "id", SECRET: sentinels.client_secret }) });
      server = await startServer({ config, port: 0, logger: logger() });
      const answer = await call(server, "o", "/v1/x");
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.body).error.code).toBe("PROXY_AUTH_ERROR");
      expect(redirecting.mints).toHaveLength(1);
      expect(evil.requests).toHaveLength(0);
      expect(upstream.requests).toHaveLength(0);
      expect(findLeaks(everything([answer]) + sink.text(), sentinels)).toEqual([]);
    } finally {
      await redirecting.close();
      await evil.close();
    }
  });

  describe("plugins drive real forwarded requests", () => {
    it("the built-in totp plugin (RFC 6238 code in a header)", async () => {
      const secret = "12345678901234567890";
      const base32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
      // Independent of core's implementation: node:crypto HMAC-SHA1, RFC 4226 truncation.
      const totp = (ms: number) => {
        const counter = Buffer.alloc(8);
        counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
        const mac = createHmac("sha1", secret).update(counter).digest();
        const offset = mac[mac.length - 1]! & 0x0f;
        return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1e8).padStart(8, "0");
      };
      const text = [`name: otp`, `base_url: ${upstream.url}`, "auth: {type: plugin, module: totp, config: {secret_env: TOTP_SECRET, digits: 8}}"].join("\n");
      const config = loadConfig({ providers: [{ file: "otp.yaml", text }], secrets: secretsFromRecord({ TOTP_SECRET: base32 }) });
      server = await startServer({ config, port: 0, logger: logger() });
      const before = totp(Date.now());
      const answer = await call(server, "otp", "/v1/thing");
      const after = totp(Date.now());
      expect(answer.status).toBe(200);
      expect([before, after]).toContain(upstream.requests.at(-1)?.headers["x-totp"]?.[0]);
      expect(findLeaks(everything([answer]) + sink.text(), { base32 })).toEqual([]);
    });

    it("a plugin file named by a path relative to the provider YAML", async () => {
      const dir = providerDir({});
      const module = `./${relative(dir, join(FIXTURES, "signed-header.mjs"))}`.replace(/^\.\/\.\.\//, "../");
      const yaml = [`name: filed`, `base_url: ${upstream.url}/base`, "auth:", "  type: plugin", `  module: ${module}`, "  config: {key_env: PLUGIN_KEY, stamp_prefix: t}"];
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(dir, "filed.yaml"), `${yaml.join("\n")}\n`);
      const sentinels = createSentinels(["plugin_key"]);
      const config = await loadNodeConfig({ providerDirs: [dir], env: { PLUGIN_KEY: sentinels.plugin_key! } });
      expect(config.providers.get("filed")?.authType).toBe("plugin");
      server = await startServer({ config, port: 0, logger: logger() });
      const answer = await call(server, "filed", "/v2/x?q=1");
      expect(answer.status).toBe(200);
      const rec = upstream.requests.at(-1)!;
      expect(rec.url).toBe("/base/v2/x?q=1");
      expect(rec.headers["x-plugin-key"]).toEqual([sentinels.plugin_key]);
      expect(rec.headers["x-plugin-stamp"]).toEqual(["t-GET-/base/v2/x"]);
      expect(findLeaks(everything([answer]) + sink.text(), sentinels)).toEqual([]);
    });

    it("a plugin registered in code (NodeConfigOptions.plugins)", async () => {
      const stamp: AuthPlugin = defineAuthPlugin({
        type: "stamp",
        schema: { "~standard": { version: 1, vendor: "test", validate: (value) => ({ value: value as { tag: string } }) } },
        secretRefs: () => [],
        create: (config: { tag: string }, { provider }) => ({
          type: "stamp",
          headerNames: ["x-stamp"],
          queryParams: ["stamp"],
          secretValues: () => [],
          apply: () => ({ headers: [["X-Stamp", `${provider}:${config.tag}`]], query: [["stamp", config.tag]] }),
        }),
      });
      const config = await loadNodeConfig({
        providers: [{ name: "reg", base_url: upstream.url, auth: { type: "plugin", module: "stamp", config: { tag: "r1" } } }],
        env: {},
        plugins: { stamp },
      });
      server = await startServer({ config, port: 0, logger: logger() });
      const answer = await call(server, "reg", "/things?stamp=agent&a=1");
      expect(answer.status).toBe(200);
      const rec = upstream.requests.at(-1)!;
      expect(rec.headers["x-stamp"]).toEqual(["reg:r1"]);
      expect(rec.url).toBe("/things?a=1&stamp=r1");
    });
  });

  describe("plugin files that cannot be used stop start-up with a located error", () => {
    const load = (module: string) => {
      const dir = providerDir({ "p.yaml": `name: p\nbase_url: ${upstream.url}\nauth:\n  type: plugin\n  module: ${module}\n` });
      return loadNodeConfig({ providerDirs: [dir], env: {} }).then(
        () => undefined,
        (error: unknown) => error,
      );
    };

    it("a missing file", async () => {
      const error = await load("./nowhere.mjs");
      expect(error).toBeInstanceOf(ConfigError);
      const [issue] = (error as ConfigError).issues;
      expect(issue).toMatchObject({ line: 5, field: "auth.module" });
      expect(issue?.file).toMatch(/p\.yaml$/);
      expect(issue?.message).toMatch(/cannot load plugin file .*nowhere\.mjs \(ERR_MODULE_NOT_FOUND\)|cannot load plugin file .*nowhere\.mjs/);
    });

    it("a file whose default export is not a plugin", async () => {
      const error = await load(join(FIXTURES, "not-a-plugin.mjs"));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues[0]).toMatchObject({ line: 5, field: "auth.module" });
      expect((error as ConfigError).message).toMatch(/must default-export an auth plugin/);
    });

    it("the plugin's own schema is applied to config", async () => {
      const dir = providerDir({});
      const { writeFileSync } = await import("node:fs");
      writeFileSync(
        join(dir, "p.yaml"),
        `name: p\nbase_url: ${upstream.url}\nauth:\n  type: plugin\n  module: ${join(FIXTURES, "signed-header.mjs")}\n  config:\n    stamp_prefix: 5\n`,
      );
      const error = await loadNodeConfig({ providerDirs: [dir], env: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => [i.line, i.field, i.message])).toEqual([
        [6, "auth.config.key_env", "must name an environment variable"],
        [7, "auth.config.stamp_prefix", "must be a string"],
      ]);
    });
  });
});
