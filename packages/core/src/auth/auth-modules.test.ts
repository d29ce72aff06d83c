import { memoryStorage } from "../storage/memory-storage.js";
import { systemClock } from "../ports/clock.js";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { ConfigError } from "../errors/config-error.js";
import { secretsFromRecord } from "../ports/secrets.js";
import { AUTH_MODULES } from "./registry.js";
import type { AuthModule, AuthRequest } from "./types.js";

const REQUEST: AuthRequest = { method: "GET", path: "/v1/things", query: "a=1" };

/** Builds one provider with the given `auth:` YAML (flow or block) through the real loader. */
function moduleFor(auth: string | string[], env: Record<string, string> = {}): AuthModule {
  const authRows = Array.isArray(auth) ? ["auth:", ...auth.map((row) => `  ${row}`)] : [`auth: ${auth}`];
  const text = ["name: p", "base_url: https://api.example.com", ...authRows].join("\n");
  const config = loadConfig({ providers: [{ file: "p.yaml", text }], secrets: secretsFromRecord(env) });
  const provider = config.providers.get("p");
  if (!provider) throw new Error("provider not loaded");
  return provider.createAuth({ storage: memoryStorage(), clock: systemClock, fetch: () => Promise.reject(new Error("no network in this test")) });
}

const apply = async (module: AuthModule, request: AuthRequest = REQUEST) => module.apply(request);

describe("auth modules", () => {
  it("the registry has exactly the built-in modules (bearer_redis is an alias of bearer_store)", () => {
    expect(Object.keys(AUTH_MODULES).sort()).toEqual(
      [
        "api_key_header",
        "api_key_query",
        "basic_auth",
        "bearer_redis",
        "bearer_static",
        "bearer_store",
        "custom_headers",
        "hmac_signed",
        "none",
        "oauth2_client_credentials",
      ].sort(),
    );
    expect(AUTH_MODULES.bearer_redis).toBe(AUTH_MODULES.bearer_store);
  });

  describe("none", () => {
    it("injects nothing and owns nothing", async () => {
      const module = moduleFor("{type: none}");
      expect(module.type).toBe("none");
      expect(await apply(module)).toEqual({ headers: [], query: [] });
      expect(module.headerNames).toEqual([]);
      expect(module.queryParams).toEqual([]);
      expect(module.secretValues()).toEqual([]);
    });
  });

  describe("bearer_static", () => {
    it("sets Authorization: Bearer <token> from env", async () => {
      const module = moduleFor("{type: bearer_static, env: TOKEN}", { TOKEN: "tok-123" });
      expect(module.type).toBe("bearer_static");
      expect(await apply(module)).toEqual({ headers: [["Authorization", "Bearer tok-123"]], query: [] });
      expect(module.headerNames).toEqual(["authorization"]);
      expect(module.queryParams).toEqual([]);
      expect(module.secretValues()).toEqual(["tok-123"]);
    });

    it("honours header and prefix, and lower-cases the owned header name", async () => {
      const module = moduleFor(["type: bearer_static", "env: TOKEN", "header: X-Api-Token", 'prefix: "token "'], { TOKEN: "t" });
      expect(await apply(module)).toEqual({ headers: [["X-Api-Token", "token t"]], query: [] });
      expect(module.headerNames).toEqual(["x-api-token"]);
      expect(module.secretValues()).toEqual(["t"]);
    });

    it("an empty prefix sends the bare token", async () => {
      const module = moduleFor('{type: bearer_static, env: TOKEN, prefix: ""}', { TOKEN: "bare" });
      expect(await apply(module)).toEqual({ headers: [["Authorization", "bare"]], query: [] });
    });

    it("an inline value is still treated as a secret", async () => {
      const module = moduleFor("{type: bearer_static, value: inline-tok}");
      expect(await apply(module)).toEqual({ headers: [["Authorization", "Bearer inline-tok"]], query: [] });
      expect(module.secretValues()).toEqual(["inline-tok"]);
    });
  });

  describe("api_key_header", () => {
    it("sets the named header to prefix + key", async () => {
      const module = moduleFor("{type: api_key_header, env: KEY, header: X-API-Key}", { KEY: "k-1" });
      expect(module.type).toBe("api_key_header");
      expect(await apply(module)).toEqual({ headers: [["X-API-Key", "k-1"]], query: [] });
      expect(module.headerNames).toEqual(["x-api-key"]);
      expect(module.queryParams).toEqual([]);
      expect(module.secretValues()).toEqual(["k-1"]);
    });

    it("with a prefix", async () => {
      const module = moduleFor('{type: api_key_header, env: KEY, header: Authorization, prefix: "Token "}', { KEY: "k-2" });
      expect(await apply(module)).toEqual({ headers: [["Authorization", "Token k-2"]], query: [] });
      expect(module.headerNames).toEqual(["authorization"]);
    });

    it("requires header", () => {
      expect(() => moduleFor("{type: api_key_header, env: KEY}", { KEY: "k" })).toThrow(/p\.yaml:3 auth\.header: is required/);
    });
  });

  describe("api_key_query", () => {
    it("adds the named query parameter and no header", async () => {
      const module = moduleFor("{type: api_key_query, env: KEY, param: api_key}", { KEY: "q-1" });
      expect(module.type).toBe("api_key_query");
      expect(await apply(module)).toEqual({ headers: [], query: [["api_key", "q-1"]] });
      expect(module.headerNames).toEqual([]);
      expect(module.queryParams).toEqual(["api_key"]);
      expect(module.secretValues()).toEqual(["q-1"]);
    });

    it("refuses a parameter name that would need encoding", () => {
      expect(() => moduleFor('{type: api_key_query, env: KEY, param: "a&b"}', { KEY: "k" })).toThrow(
        /p\.yaml:3 auth\.param: must be a plain query parameter name/,
      );
    });
  });

  describe("basic_auth", () => {
    // RFC 7617 §2: base64(user-id ":" password), UTF-8 (charset="UTF-8", §2.1).
    it("sends Basic base64(user:pass), the RFC 7617 example", async () => {
      const module = moduleFor("{type: basic_auth, username_env: U, password_env: P}", { U: "Aladdin", P: "open sesame" });
      expect(module.type).toBe("basic_auth");
      expect(await apply(module)).toEqual({ headers: [["Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="]], query: [] });
      expect(module.headerNames).toEqual(["authorization"]);
      expect(module.queryParams).toEqual([]);
      expect(module.secretValues()).toEqual(["Aladdin", "open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="]);
    });

    it("the user_env/pass_env aliases give the same header", async () => {
      const module = moduleFor(["type: basic_auth", "user_env: U", "pass_env: P"], { U: "Aladdin", P: "open sesame" });
      expect(await apply(module)).toEqual({ headers: [["Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="]], query: [] });
    });

    it("encodes non-ASCII as UTF-8 and keeps colons in the password", async () => {
      // RFC 7617 §2.1 uses "test" / "123£" -> dGVzdDoxMjPCow== ("£" is C2 A3 in UTF-8, not A3).
      const simple = moduleFor("{type: basic_auth, user_env: U, pass_env: P}", { U: "test", P: "123£" });
      expect(await apply(simple)).toEqual({ headers: [["Authorization", "Basic dGVzdDoxMjPCow=="]], query: [] });
      // Only the first colon separates the user-id; the password may contain more.
      const colon = moduleFor("{type: basic_auth, user_env: U, pass_env: P}", { U: "test", P: "123£:x" });
      expect(await apply(colon)).toEqual({ headers: [["Authorization", "Basic dGVzdDoxMjPCozp4"]], query: [] });
      expect(colon.secretValues()).toEqual(["test", "123£:x", "dGVzdDoxMjPCozp4"]);
    });
  });

  describe("custom_headers", () => {
    it("sets every header, env values are secrets, literal values are not", async () => {
      const module = moduleFor(
        ["type: custom_headers", "headers:", "  X-Api-Key: {env: KEY}", "  X-Api-Secret: {env: SECRET}", "  X-Team: {value: research}"],
        { KEY: "ck-1", SECRET: "cs-2" },
      );
      expect(module.type).toBe("custom_headers");
      expect(await apply(module)).toEqual({
        headers: [
          ["X-Api-Key", "ck-1"],
          ["X-Api-Secret", "cs-2"],
          ["X-Team", "research"],
        ],
        query: [],
      });
      expect(module.headerNames).toEqual(["x-api-key", "x-api-secret", "x-team"]);
      expect(module.queryParams).toEqual([]);
      expect(module.secretValues()).toEqual(["ck-1", "cs-2"]);
    });
  });

  it("apply does not depend on the request, and returns the same injection each time", async () => {
    const module = moduleFor("{type: bearer_static, env: TOKEN}", { TOKEN: "tok" });
    const a = await apply(module, { method: "POST", path: "/x", query: "" });
    const b = await apply(module, { method: "GET", path: "/y/z", query: "k=v" });
    expect(a).toEqual(b);
  });

  it("a missing secret stops loading rather than creating a module with an empty credential", () => {
    for (const [auth, field, variable] of [
      ["{type: bearer_static, env: T}", "auth.env", "T"],
      ["{type: api_key_header, env: T, header: X-K}", "auth.env", "T"],
      ["{type: api_key_query, env: T, param: k}", "auth.env", "T"],
      ["{type: basic_auth, user_env: T, pass_env: P}", "auth.user_env", "T"],
      ["{type: custom_headers, headers: {X-K: {env: T}}}", "auth.headers.X-K.env", "T"],
    ] as const) {
      let error: unknown;
      try {
        moduleFor(auth, { T: "", P: "p" });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([
        { file: "p.yaml", line: 3, field, message: `secret ${variable} is not set (or empty)` },
      ]);
    }
  });
});
