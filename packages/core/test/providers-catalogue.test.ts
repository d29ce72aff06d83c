/**
 * The built-in provider catalogue (`providers/*.yaml`): every file must load through the real
 * config loader once switched on, ship switched off, explain itself in a leading comment, and
 * keep the policy facts operators rely on.
 */
import { memoryStorage, systemClock } from "@outpost/core";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadConfig, secretsFromRecord, type CompiledConfig, type RouteDecision } from "../src/index.js";

const PROVIDERS_DIR = fileURLToPath(new URL("../../../providers/", import.meta.url));

const REQUIRED = ["github", "slack", "jira", "stripe", "openai", "anthropic", "notion", "linear", "twilio", "sendgrid"];

interface CatalogueFile {
  readonly file: string;
  readonly name: string;
  readonly text: string;
  readonly parsed: Record<string, unknown>;
  readonly envVars: string[];
}

/** Every env var name an auth block refers to (`env`, `*_env`, nested `headers.X.env`). */
function envRefs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(envRefs);
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) =>
    (key === "env" || key.endsWith("_env")) && typeof value === "string" ? [value] : envRefs(value),
  );
}

const catalogue: CatalogueFile[] = readdirSync(PROVIDERS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((file) => {
    const text = readFileSync(PROVIDERS_DIR + file, "utf8");
    const parsed = parseYaml(text) as Record<string, unknown>;
    return { file, name: String(parsed.name), text, parsed, envVars: envRefs(parsed.auth) };
  });

const fakeSecret = (env: string) => `fake-${env.toLowerCase()}-value-0123456789`;

/** The file as an operator would enable it, with a fake value for every secret it needs. */
function loadEnabled(entries: readonly CatalogueFile[]): CompiledConfig {
  const secrets: Record<string, string> = {};
  for (const entry of entries) for (const env of entry.envVars) secrets[env] = fakeSecret(env);
  return loadConfig({
    providers: entries.map((e) => ({ file: `providers/${e.file}`, text: e.text.replace(/^enabled: false$/m, "enabled: true") })),
    secrets: secretsFromRecord(secrets),
  });
}

const all = loadEnabled(catalogue);

function decide(provider: string, method: string, path: string): RouteDecision {
  const compiled = all.providers.get(provider);
  if (!compiled) throw new Error(`provider ${provider} is not loaded`);
  return compiled.policy.evaluate(method, path);
}

function expectAllowed(provider: string, method: string, path: string, sensitive: boolean): void {
  const decision = decide(provider, method, path);
  expect(decision, `${provider} ${method} ${path}`).toMatchObject({ effect: "allow", sensitive });
}

function expectDenied(provider: string, method: string, path: string): void {
  expect(decide(provider, method, path), `${provider} ${method} ${path}`).toMatchObject({ effect: "deny", code: "PROXY_PATH_DENIED" });
}

function expectNoRoute(provider: string, method: string, path: string): void {
  expect(decide(provider, method, path), `${provider} ${method} ${path}`).toMatchObject({ effect: "deny", code: "PROXY_NO_ROUTE" });
}

describe("provider catalogue: files", () => {
  it("includes at least the core providers", () => {
    const names = catalogue.map((c) => c.name);
    for (const name of REQUIRED) expect(names).toContain(name);
  });

  it("names each file after its provider", () => {
    for (const entry of catalogue) expect(entry.file).toBe(`${entry.name}.yaml`);
  });

  it.each(catalogue.map((c) => [c.file, c] as const))("%s ships disabled", (_file, entry) => {
    expect(entry.parsed.enabled).toBe(false);
    expect(entry.text).toMatch(/^enabled: false$/m);
  });

  it.each(catalogue.map((c) => [c.file, c] as const))("%s starts with a comment block explaining auth and policy", (_file, entry) => {
    const lines = entry.text.split("\n");
    const header: string[] = [];
    for (const line of lines) {
      if (!line.startsWith("#")) break;
      header.push(line);
    }
    expect(header.length).toBeGreaterThanOrEqual(8);
    const comment = header.join("\n");
    expect(comment).toMatch(/auth/i);
    expect(comment).toMatch(/polic/i);
    // Every secret the file needs is named where the operator reads first.
    for (const env of entry.envVars) expect(comment).toContain(env);
  });

  it.each(catalogue.map((c) => [c.file, c] as const))("%s has an https base_url, a description and docs", (_file, entry) => {
    expect(String(entry.parsed.base_url)).toMatch(/^https:\/\//);
    expect(entry.parsed.description).toEqual(expect.any(String));
    expect(String(entry.parsed.docs_url)).toMatch(/^https:\/\//);
    expect(entry.envVars.length).toBeGreaterThan(0);
  });

  it.each(catalogue.map((c) => [c.file, c] as const))("%s loads once enabled", (_file, entry) => {
    const config = loadEnabled([entry]);
    const provider = config.providers.get(entry.name);
    expect(provider).toBeDefined();
    expect(provider!.policy.mode).toBe("allowlist");
    // Every secret is known for scrubbing.
    for (const env of entry.envVars) expect(config.secretValues).toContain(fakeSecret(env));
  });

  it("loads as shipped (disabled) without any secrets", () => {
    const config = loadConfig({
      providers: catalogue.map((e) => ({ file: `providers/${e.file}`, text: e.text })),
      secrets: secretsFromRecord({}),
    });
    expect(config.providers.size).toBe(0);
  });

  it("loads all together (no duplicate names)", () => {
    expect([...all.providers.keys()].sort()).toEqual(catalogue.map((c) => c.name).sort());
  });

  it("is listed in providers/README.md with its env vars", () => {
    const readme = readFileSync(PROVIDERS_DIR + "README.md", "utf8");
    for (const entry of catalogue) {
      expect(readme).toContain(`\`${entry.name}\``);
      for (const env of entry.envVars) expect(readme).toContain(env);
    }
  });
});

describe("provider catalogue: auth", () => {
  const auth = (name: string) => all.providers.get(name)!.config.auth;

  it("uses the documented credential shapes", () => {
    expect(auth("github")).toMatchObject({ type: "bearer_static", env: "GITHUB_TOKEN" });
    expect(auth("slack")).toMatchObject({ type: "bearer_static", env: "SLACK_BOT_TOKEN" });
    expect(auth("jira")).toMatchObject({ type: "basic_auth", username_env: "JIRA_EMAIL", password_env: "JIRA_API_TOKEN" });
    expect(auth("stripe")).toMatchObject({ type: "bearer_static", env: "STRIPE_SECRET_KEY" });
    expect(auth("openai")).toMatchObject({ type: "bearer_static", env: "OPENAI_API_KEY" });
    expect(auth("anthropic")).toMatchObject({ type: "api_key_header", header: "x-api-key", env: "ANTHROPIC_API_KEY" });
    expect(auth("notion")).toMatchObject({ type: "bearer_static", env: "NOTION_TOKEN" });
    expect(auth("linear")).toMatchObject({ type: "api_key_header", header: "Authorization", env: "LINEAR_API_KEY", prefix: "" });
    expect(auth("twilio")).toMatchObject({ type: "basic_auth", username_env: "TWILIO_ACCOUNT_SID", password_env: "TWILIO_AUTH_TOKEN" });
    expect(auth("sendgrid")).toMatchObject({ type: "bearer_static", env: "SENDGRID_API_KEY" });
  });

  it("injects the credential in the provider's header", async () => {
    const inject = async (name: string) => (await all.providers.get(name)!.createAuth({ storage: memoryStorage(), clock: systemClock, fetch }).apply({ method: "GET", path: "/", query: "" })).headers;
    expect(await inject("github")).toEqual([["Authorization", `Bearer ${fakeSecret("GITHUB_TOKEN")}`]]);
    expect(await inject("anthropic")).toEqual([["x-api-key", fakeSecret("ANTHROPIC_API_KEY")]]);
    // Linear personal keys go raw, without "Bearer ".
    expect(await inject("linear")).toEqual([["Authorization", fakeSecret("LINEAR_API_KEY")]]);
    const [[name, value]] = (await inject("jira")) as [[string, string]];
    expect(name).toBe("Authorization");
    expect(atob(value.replace(/^Basic /, ""))).toBe(`${fakeSecret("JIRA_EMAIL")}:${fakeSecret("JIRA_API_TOKEN")}`);
  });

  it("pins API versions through default headers", () => {
    const headers = (name: string) => Object.fromEntries(all.providers.get(name)!.defaultHeaders);
    expect(headers("anthropic")).toMatchObject({ "anthropic-version": "2023-06-01" });
    expect(headers("notion")).toMatchObject({ "Notion-Version": "2022-06-28" });
    expect(headers("github")).toMatchObject({ "X-GitHub-Api-Version": "2022-11-28" });
  });

  it("keeps LLM providers' timeouts long enough for slow generations", () => {
    for (const name of ["openai", "anthropic"]) {
      expect(all.providers.get(name)!.config.forwarding.timeout_ms).toBeGreaterThanOrEqual(120000);
    }
  });
});

describe("provider catalogue: policy", () => {
  it("github", () => {
    expectDenied("github", "GET", "/user/keys");
    expectDenied("github", "POST", "/user/keys");
    expectDenied("github", "GET", "/User/Keys.json");
    expectDenied("github", "GET", "/repos/a/b/keys");
    expectDenied("github", "GET", "/repos/a/b/actions/secrets/public-key");
    expectDenied("github", "GET", "/repos/a/b/environments/prod/secrets");
    expectDenied("github", "POST", "/repos/a/b/actions/runners/registration-token");
    expectDenied("github", "PUT", "/repos/a/b/branches/feature/x/protection");
    expectDenied("github", "GET", "/orgs/acme/members");
    expectDenied("github", "POST", "/app/installations/1/access_tokens");
    expectDenied("github", "GET", "/admin/users");
    expectDenied("github", "POST", "/authorizations");
    expectAllowed("github", "GET", "/repos/a/b", false);
    expectAllowed("github", "GET", "/repos/a/b/issues", false);
    expectAllowed("github", "GET", "/repos/a/b/issues/1/comments", false);
    expectAllowed("github", "GET", "/repos/a/b/pulls/2/files", false);
    expectAllowed("github", "GET", "/repos/a/b/contents/src/index.ts", false);
    expectAllowed("github", "GET", "/search/issues", false);
    expectAllowed("github", "POST", "/repos/a/b/issues", true);
    expectAllowed("github", "POST", "/repos/a/b/issues/1/comments", true);
    expectAllowed("github", "POST", "/repos/a/b/pulls", true);
    expect(decide("github", "POST", "/repos/a/b/issues")).toMatchObject({ category: "writes" });
    expect(decide("github", "GET", "/search/code")).toMatchObject({ category: "search_code" });
    expectNoRoute("github", "DELETE", "/repos/a/b");
    expectNoRoute("github", "PUT", "/repos/a/b/contents/README.md");
    expectNoRoute("github", "POST", "/graphql");
  });

  it("slack", () => {
    expectAllowed("slack", "POST", "/chat.postMessage", true);
    expectAllowed("slack", "GET", "/conversations.history", false);
    expectAllowed("slack", "POST", "/conversations.history", false);
    expectAllowed("slack", "POST", "/conversations.list", false);
    expectAllowed("slack", "GET", "/auth.test", false);
    expectDenied("slack", "POST", "/admin.users.list");
    expectDenied("slack", "POST", "/auth.revoke");
    expectDenied("slack", "POST", "/oauth.v2.access");
    expectDenied("slack", "POST", "/apps.connections.open");
    expectDenied("slack", "POST", "/files.sharedPublicURL");
    expectNoRoute("slack", "POST", "/chat.delete");
    expectNoRoute("slack", "POST", "/conversations.archive");
  });

  it("jira", () => {
    expectAllowed("jira", "GET", "/rest/api/3/issue/ABC-1", false);
    expectAllowed("jira", "GET", "/rest/api/2/issue/ABC-1/comment", false);
    expectAllowed("jira", "POST", "/rest/api/3/search/jql", false);
    expectAllowed("jira", "POST", "/rest/api/3/issue", true);
    expectAllowed("jira", "POST", "/rest/api/3/issue/ABC-1/comment", true);
    expectAllowed("jira", "POST", "/rest/api/3/issue/ABC-1/transitions", true);
    expectDenied("jira", "POST", "/rest/api/3/group/user");
    expectDenied("jira", "GET", "/rest/api/3/webhook");
    expectDenied("jira", "POST", "/rest/auth/1/session");
    expectNoRoute("jira", "DELETE", "/rest/api/3/issue/ABC-1");
    expectNoRoute("jira", "GET", "/wiki/rest/api/content");
  });

  it("stripe", () => {
    expectDenied("stripe", "GET", "/v1/account");
    expectDenied("stripe", "GET", "/v1/apps/secrets");
    expectDenied("stripe", "POST", "/v1/apps/secrets/delete");
    expectDenied("stripe", "POST", "/v1/webhook_endpoints");
    expectDenied("stripe", "POST", "/v1/accounts/acct_1/login_links");
    expectDenied("stripe", "GET", "/v1/issuing/cards/ic_1");
    expectAllowed("stripe", "GET", "/v1/customers", false);
    expectAllowed("stripe", "GET", "/v1/customers/search", false);
    expectAllowed("stripe", "POST", "/v1/customers", true);
    expectAllowed("stripe", "POST", "/v1/refunds", true);
    expect(decide("stripe", "POST", "/v1/refunds")).toMatchObject({ category: "money" });
    expectNoRoute("stripe", "POST", "/v1/payouts");
    expectNoRoute("stripe", "POST", "/v1/transfers");
    expectNoRoute("stripe", "DELETE", "/v1/customers/cus_1");
  });

  it("openai", () => {
    expectAllowed("openai", "POST", "/v1/chat/completions", false);
    expectAllowed("openai", "POST", "/v1/responses", false);
    expectAllowed("openai", "POST", "/v1/embeddings", false);
    expectAllowed("openai", "GET", "/v1/models", false);
    expectDenied("openai", "GET", "/v1/organization/api_keys");
    expectDenied("openai", "GET", "/v1/organization/projects/p/api_keys");
    expectDenied("openai", "POST", "/v1/realtime/client_secrets");
    expectNoRoute("openai", "POST", "/v1/files");
    expectNoRoute("openai", "POST", "/v1/fine_tuning/jobs");
  });

  it("anthropic", () => {
    expectAllowed("anthropic", "POST", "/v1/messages", false);
    expectAllowed("anthropic", "POST", "/v1/messages/count_tokens", false);
    expectAllowed("anthropic", "GET", "/v1/models", false);
    expectDenied("anthropic", "GET", "/v1/organizations/api_keys");
    expectNoRoute("anthropic", "POST", "/v1/files");
  });

  it("notion", () => {
    expectAllowed("notion", "POST", "/v1/search", false);
    expectAllowed("notion", "POST", "/v1/databases/abc/query", false);
    expectAllowed("notion", "GET", "/v1/pages/abc", false);
    expectAllowed("notion", "PATCH", "/v1/blocks/abc/children", true);
    expectAllowed("notion", "POST", "/v1/pages", true);
    expectDenied("notion", "POST", "/v1/oauth/token");
    expectNoRoute("notion", "DELETE", "/v1/blocks/abc");
    // One shared category: Notion's 3 requests/second budget covers reads and writes together.
    expect(decide("notion", "POST", "/v1/pages")).toMatchObject({ category: "default" });
  });

  it("linear", () => {
    // One GraphQL endpoint for queries and mutations: it stays sensitive.
    expectAllowed("linear", "POST", "/graphql", true);
    expectDenied("linear", "POST", "/oauth/token");
    expectNoRoute("linear", "GET", "/");
  });

  it("twilio", () => {
    expectAllowed("twilio", "POST", "/2010-04-01/Accounts/AC123/Messages.json", true);
    expectAllowed("twilio", "GET", "/2010-04-01/Accounts/AC123/Messages.json", false);
    expectAllowed("twilio", "GET", "/2010-04-01/Accounts/AC123/Messages/SM1.json", false);
    expectDenied("twilio", "POST", "/2010-04-01/Accounts/AC123/Keys.json");
    expectDenied("twilio", "GET", "/2010-04-01/Accounts/AC123/SigningKeys/SK1.json");
    // The account resources carry auth tokens: not routable.
    expectNoRoute("twilio", "GET", "/2010-04-01/Accounts/AC123.json");
    expectNoRoute("twilio", "GET", "/2010-04-01/Accounts.json");
    expectNoRoute("twilio", "POST", "/2010-04-01/Accounts/AC123/Calls.json");
  });

  it("sendgrid", () => {
    expectAllowed("sendgrid", "POST", "/v3/mail/send", true);
    expectAllowed("sendgrid", "GET", "/v3/templates/d-123", false);
    expectDenied("sendgrid", "POST", "/v3/api_keys");
    expectDenied("sendgrid", "PUT", "/v3/user/password");
    expectDenied("sendgrid", "PATCH", "/v3/mail_settings/bcc");
    expectNoRoute("sendgrid", "DELETE", "/v3/templates/d-123");
  });

  it("every provider: explicit methods, known rate-limit categories, no allow rule swallowed by deny", () => {
    for (const [name, provider] of all.providers) {
      const forwarding = provider.config.forwarding;
      expectNoRoute(name, "DELETE", "/definitely/not/a/route");
      for (const rule of forwarding.allow) {
        const where = `${name} ${rule.pattern}`;
        expect(rule.methods, `${where} must list its methods`).not.toContain("*");
        const category = rule.category ?? forwarding.default_category;
        if (Object.keys(forwarding.rate_limits).length > 0) {
          expect(Object.keys(forwarding.rate_limits), `${where}: category ${category} has no limits`).toContain(category);
        }
        // A concrete path the rule matches must not be caught by the deny list.
        const sample = rule.pattern.replace(/\*\*/g, "x/y").replace(/\*|\{[A-Za-z_][A-Za-z0-9_]*\}/g, "x");
        const decision = decide(name, rule.methods[0]!, sample);
        expect(decision, `${where} (${sample})`).toMatchObject({ effect: "allow" });
      }
    }
  });
});
