import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { ConfigError, type ConfigIssue } from "../errors/config-error.js";
import { secretsFromRecord } from "../ports/secrets.js";
import { memoryStorage } from "../storage/memory-storage.js";
import { createFakeClock } from "../testing/fake-clock.js";
import { authModule } from "./auth-test-kit.js";
import { staticAuthModule } from "./static-injection.js";
import { type AuthPlugin, defineAuthPlugin } from "./types.js";

/** A registry plugin written with valibot: one header from a secret. */
const echoPlugin = defineAuthPlugin({
  type: "echo",
  schema: v.strictObject({ header: v.string(), env: v.string(), times: v.optional(v.number(), 1) }),
  secretRefs: (c) => [{ path: ["env"], env: c.env }],
  create: (c, { secrets, provider }) => {
    const value = `${secrets.get(c.env)}`.repeat(c.times);
    return staticAuthModule(`echo:${provider}`, [[c.header, value]], [], [value]);
  },
});

/** A plugin whose schema is a hand-written Standard Schema (no valibot), as a plugin file may ship. */
const standardPlugin: AuthPlugin<{ token_env: string }> = {
  type: "standard",
  schema: {
    "~standard": {
      version: 1,
      vendor: "hand-written",
      validate: (value) => {
        const env = (value as { token_env?: unknown }).token_env;
        return typeof env === "string" ? { value: { token_env: env } } : { issues: [{ message: "must name a variable", path: [{ key: "token_env" }] }] };
      },
    },
  },
  secretRefs: (c) => [{ path: ["token_env"], env: c.token_env }],
  create: (c, { secrets }) => staticAuthModule("standard", [["X-Std", secrets.get(c.token_env) ?? ""]], [], []),
};

function issuesOf(text: string, plugins: Record<string, AuthPlugin> = {}, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    loadConfig({ providers: [{ file: "p.yaml", text }], secrets: secretsFromRecord(env), plugins });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

const provider = (...auth: string[]) => ["name: p", "base_url: https://api.example.com", "auth:", ...auth.map((r) => `  ${r}`)].join("\n");

describe("auth plugins", () => {
  const clock = createFakeClock();
  const storage = memoryStorage({ clock });

  it("a plugin added through LoadConfigOptions.plugins drives the module, with the provider's context", async () => {
    const module = authModule(["type: plugin", "module: echo", "config: {header: X-Echo, env: E, times: 2}"], {
      env: { E: "ab" },
      storage,
      clock,
      plugins: { echo: echoPlugin },
    });
    expect(module.type).toBe("echo:p");
    expect(await module.apply({ method: "GET", path: "/", query: "" })).toEqual({ headers: [["X-Echo", "abab"]], query: [] });
  });

  it("secret refs are relative to auth.config; a missing secret is reported there, and is a static secret", () => {
    expect(issuesOf(provider("type: plugin", "module: echo", "config:", "  header: X", "  env: MISSING"), { echo: echoPlugin })).toEqual([
      { file: "p.yaml", line: 8, field: "auth.config.env", message: "secret MISSING is not set (or empty)" },
    ]);
    const config = loadConfig({
      providers: [{ file: "p.yaml", text: provider("type: plugin", "module: echo", "config: {header: X, env: E}") }],
      secrets: secretsFromRecord({ E: "plugin-secret" }),
      plugins: { echo: echoPlugin },
    });
    expect(config.secretValues).toContain("plugin-secret");
  });

  it("the plugin's schema checks config, with fields and lines under auth.config", () => {
    expect(issuesOf(provider("type: plugin", "module: echo", "config:", "  header: 5", "  env: E", "  extra: 1"), { echo: echoPlugin }, { E: "x" })).toEqual([
      { file: "p.yaml", line: 7, field: "auth.config.header", message: "must be string (got 5)" },
      { file: "p.yaml", line: 9, field: "auth.config.extra", message: "unknown key" },
    ]);
    expect(issuesOf(provider("type: plugin", "module: totp", "config: {secret_env: S, digits: 9}"), {}, { S: "GEZDGNBV" })).toEqual([
      { file: "p.yaml", line: 6, field: "auth.config.digits", message: "must be 6 to 8" },
    ]);
  });

  it("a Standard Schema plugin reports its own messages at auth.config paths", async () => {
    expect(issuesOf(provider("type: plugin", "module: std", "config: {}"), { std: standardPlugin })).toEqual([
      { file: "p.yaml", line: 6, field: "auth.config.token_env", message: "must name a variable" },
    ]);
    const module = authModule(["type: plugin", "module: std", "config: {token_env: T}"], { env: { T: "tv" }, storage, clock, plugins: { std: standardPlugin } });
    expect((await module.apply({ method: "GET", path: "/", query: "" })).headers).toEqual([["X-Std", "tv"]]);
  });

  it("an unknown module is an error at auth.module that lists the registered names", () => {
    expect(issuesOf(provider("type: plugin", "module: nope"), { echo: echoPlugin })).toEqual([
      { file: "p.yaml", line: 5, field: "auth.module", message: 'unknown plugin "nope" (registered: echo, totp)' },
    ]);
  });

  it("a plugin file that no adapter loaded says so (Workers use registered plugins only)", () => {
    expect(issuesOf(provider("type: plugin", "module: ./my-plugin.mjs"))).toEqual([
      {
        file: "p.yaml",
        line: 5,
        field: "auth.module",
        message: 'plugin file "./my-plugin.mjs" is not loaded: only the Node adapter loads plugin files (Workers use registered plugins)',
      },
    ]);
  });

  it("is checked for disabled providers too, but their secrets are not required", () => {
    expect(issuesOf(["name: p", "base_url: https://api.example.com", "enabled: false", "auth: {type: plugin, module: nope}"].join("\n"))).toHaveLength(1);
    expect(issuesOf(["name: p", "base_url: https://api.example.com", "enabled: false", "auth: {type: plugin, module: totp, config: {secret_env: S}}"].join("\n"))).toEqual([]);
  });

  it("the plugin block itself is strict", () => {
    expect(issuesOf(provider("type: plugin", "module: totp", "options: {}"))).toContainEqual(
      expect.objectContaining({ field: "auth.options", message: "unknown key" }),
    );
    expect(issuesOf(provider("type: plugin"))).toContainEqual(expect.objectContaining({ field: "auth.module", message: "is required" }));
  });
});
