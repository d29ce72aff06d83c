import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import type { CompiledConfig, CompiledHost } from "../config/compiled-config.js";
import { ERROR_CODE_TO_STATUS } from "../errors/codes.js";
import { secretsFromRecord } from "../ports/secrets.js";
import { OUTPOST_VERSION } from "../version.js";
import { openApiDocument, patternToTemplate } from "./openapi.js";

const ENV = { GH_TOKEN: "gh-secret-1234", GL_TOKEN: "gl-secret-5678", STRIPE_KEY: "sk_live_abcdef", PSK_AGENT: "psk-agent-9999" };
const src = (file: string, text: string) => ({ file, text });

const github = src("github.yaml", `name: github
base_url: https://api.github.com/v3
docs_url: https://docs.github.com/rest
auth: { type: bearer_static, env: GH_TOKEN }
forwarding:
  mode: allowlist
  deny: ["/admin/**"]
  allow:
    - { pattern: "/repos/{owner}/{repo}", method: GET, category: core, cache_ttl: 60 }
    - { pattern: "/repos/{owner}/{repo}/contents/**", methods: [GET, PUT] }
    - { pattern: "/gists/*", methods: [GET, POST], category: gists }
    - { pattern: "/files/*.json", method: GET }
    - { pattern: "/a/{id}/b/{id}/{p1}", method: GET }
    - { pattern: "/user", method: GET }
    - { pattern: "/", method: GET }
`);
const gitlab = src("gitlab.yaml", `name: gitlab
base_url: https://gitlab.example.com/api/v4
auth: { type: api_key_header, env: GL_TOKEN, header: PRIVATE-TOKEN }
forwarding:
  mode: allowlist
  allow:
    - { pattern: "/user", methods: [GET, POST], sensitive: false }
    - { pattern: "/repos/*/*", method: GET }
`);
const stripe = src("stripe.yaml", `name: stripe
base_url: https://api.stripe.com
auth: { type: bearer_static, env: STRIPE_KEY }
forwarding:
  deny: ["/v1/secret-admin/**", "/v1/payouts"]
`);
const hosts = src("hosts.yaml", `hosts:
  - id: local
    cidrs: ["127.0.0.0/8"]
    can_call_sensitive: true
  - id: agent
    cidrs: ["10.0.0.0/8"]
    auth_token_env: PSK_AGENT
    providers: [gitlab]
`);

const config: CompiledConfig = loadConfig({ providers: [github, gitlab, stripe], hosts, secrets: secretsFromRecord(ENV) });
const host = (id: string): CompiledHost => config.hostList.find((h) => h.id === id)!;

type Doc = Record<string, any>;
const docFor = (id: string, options = {}) => openApiDocument(config, host(id), options) as Doc;

async function expectValid(doc: Doc) {
  const result = await new Validator().validate(structuredClone(doc));
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
}

const operations = (doc: Doc) =>
  Object.entries(doc.paths as Record<string, Doc>).flatMap(([path, item]) =>
    Object.entries(item).filter(([k]) => k !== "parameters").map(([method, op]) => ({ path, method, op: op as Doc })));
const providerOps = (doc: Doc) => operations(doc).filter(({ op }) => !op.tags.includes("Outpost"));
const xProvider = (op: Doc) => op.parameters.find((p: Doc) => p.name === "X-Provider")?.schema.enum;

describe("openApiDocument", () => {
  it("the validator rejects a broken document (it really validates)", async () => {
    const result = await new Validator().validate({ openapi: "3.1.0", info: { title: "x" }, paths: { "no-slash": {} } });
    expect(result.valid).toBe(false);
  });

  it("is a valid OpenAPI 3.1 document for every host", async () => {
    for (const h of config.hostList) await expectValid(docFor(h.id, { serverUrl: "http://127.0.0.1:8080" }));
    const doc = docFor("local");
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.version).toBe(OUTPOST_VERSION);
    expect(docFor("local", { serverUrl: "http://outpost:8080" }).servers).toEqual([{ url: "http://outpost:8080" }]);
    expect(doc.servers).toBeUndefined();
  });

  it("turns *, ** and {name} into path parameters", () => {
    expect(patternToTemplate("/gists/*").path).toBe("/gists/{p1}");
    expect(patternToTemplate("/repos/{owner}/{repo}/contents/**")).toMatchObject({
      path: "/repos/{owner}/{repo}/contents/{p1}",
      params: [{ name: "owner", multi: false }, { name: "repo", multi: false }, { name: "p1", multi: true }],
    });
    // A repeated name and a literal {p1} both force fresh, unique names.
    expect(patternToTemplate("/a/{id}/b/{id}/{p1}").path).toBe("/a/{id}/b/{p2}/{p1}");
    expect(patternToTemplate("/files/*.json").path).toBe("/files/{p1}.json");

    const doc = docFor("local");
    const contents = doc.paths["/repos/{owner}/{repo}/contents/{p1}"];
    expect(Object.keys(contents)).toEqual(["get", "put"]);
    const glob = contents.get.parameters.find((p: Doc) => p.name === "p1");
    expect(glob).toMatchObject({ in: "path", required: true, "x-outpost-glob": "**" });
    expect(glob.description).toMatch(/one or more path segments/i);
    expect(contents.put.parameters.map((p: Doc) => p.$ref ?? p.name)).toContain("#/components/parameters/IdempotencyKey");
    expect(contents.get.parameters.map((p: Doc) => p.$ref ?? p.name)).not.toContain("#/components/parameters/IdempotencyKey");
    expect(contents.put["x-outpost-sensitive"]).toBe(true);
    expect(doc.paths["/gists/{p1}"].get).toMatchObject({ "x-outpost-sensitive": false, "x-outpost-category": "gists" });
    // Merged with gitlab's rule of another category: both are listed, and each rule stays visible.
    const repo = doc.paths["/repos/{owner}/{repo}"].get;
    expect(repo["x-outpost-category"]).toEqual(["core", "default"]);
    expect(repo["x-outpost-rules"][0]).toEqual({ provider: "github", pattern: "/repos/{owner}/{repo}", mode: "allowlist", category: "core", sensitive: false, cache_ttl: 60 });
  });

  it("shares a path between providers with an X-Provider enum per method", () => {
    const doc = docFor("local");
    expect(xProvider(doc.paths["/user"].get)).toEqual(["github", "gitlab"]);
    expect(xProvider(doc.paths["/user"].post)).toEqual(["gitlab"]);
    expect(doc.paths["/user"].get.tags).toEqual(["github", "gitlab"]);
    expect(doc.paths["/user"].post["x-outpost-sensitive"]).toBe(false);
    // gitlab's /repos/*/* has the same shape as github's /repos/{owner}/{repo}: one path item.
    expect(xProvider(doc.paths["/repos/{owner}/{repo}"].get)).toEqual(["github", "gitlab"]);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/repos/") && p.split("/").length === 4)).toHaveLength(1);
    const params = doc.paths["/repos/{owner}/{repo}"].get.parameters.find((p: Doc) => p.name === "X-Provider");
    expect(params).toMatchObject({ in: "header", required: true });
  });

  it("documents a transparent provider as one catch-all path", () => {
    const doc = docFor("local");
    const item = doc.paths["/{path}"];
    expect(Object.keys(item).sort()).toEqual(["delete", "get", "head", "options", "patch", "post", "put"]);
    expect(item.get["x-outpost-mode"]).toBe("transparent");
    expect(xProvider(item.post)).toEqual(["stripe"]);
    expect(item.post.description).toContain("/v1/payouts");
    expect(item.post["x-outpost-sensitive"]).toBe(true);
    expect(item.get["x-outpost-sensitive"]).toBe(false);
  });

  it("counts one operation per method and shape, with unique operationIds", () => {
    const doc = docFor("local");
    // github: 1 + 2 + 2 + 1 + 1 + 1(/user shared) + 1(/) ; gitlab adds POST /user ; stripe: 7
    expect(providerOps(doc)).toHaveLength(9 + 1 + 7);
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/gists/{p1}"].post.operationId).toBe("github_post_gists_p1");
    expect(doc.paths["/"].get.operationId).toBe("github_get_root");
  });

  it("documents errors, 429 Retry-After and the proxy's response headers", () => {
    const doc = docFor("local");
    const envelope = doc.components.schemas.ErrorEnvelope;
    expect(envelope.properties.status).toEqual({ const: "FAILURE" });
    expect(envelope.properties.error.properties.code.enum).toEqual(Object.keys(ERROR_CODE_TO_STATUS));
    expect(doc.components.responses.Error429.headers["Retry-After"]).toEqual({ $ref: "#/components/headers/Retry-After" });
    expect(doc.components.headers["Retry-After"].schema.type).toBe("integer");
    expect(doc.components.headers["X-Proxy-Cache"].schema.enum).toEqual(["HIT", "MISS", "BYPASS", "IDEMPOTENT-HIT"]);
    expect(Object.keys(doc.components.responses.Upstream.headers)).toEqual(["X-Proxy-Provider", "X-Proxy-Cache", "X-Request-Id"]);
    const post = doc.paths["/gists/{p1}"].post.responses;
    expect(Object.keys(post).sort()).toEqual(["400", "403", "404", "409", "413", "422", "429", "502", "503", "504", "default"]);
    expect(post["429"]).toEqual({ $ref: "#/components/responses/Error429" });
    expect(doc.paths["/gists/{p1}"].get.responses["409"]).toBeUndefined();
    expect(doc.security).toBeUndefined();
    expect(doc.components.securitySchemes).toBeUndefined();
  });

  it("documents the management endpoints", () => {
    const doc = docFor("local");
    for (const p of ["/healthz", "/readyz", "/providers", "/openapi.json", "/docs"]) expect(doc.paths[p]?.get).toBeDefined();
    expect(doc.paths["/docs"].get.responses["200"].content["text/html"]).toBeDefined();
  });

  it("for a host with a PSK and restricted providers: only what it may use, no secrets", async () => {
    const doc = docFor("agent");
    await expectValid(doc);
    expect(doc.components.securitySchemes.outpostPsk).toEqual(expect.objectContaining({ type: "apiKey", in: "header", name: "X-Outpost-Auth" }));
    expect(doc.security).toEqual([{ outpostPsk: [] }]);
    expect(doc.paths["/healthz"].get.security).toEqual([]);
    expect(doc.paths["/providers"].get.security).toBeUndefined();
    expect(doc.paths["/user"].get.responses["401"]).toEqual({ $ref: "#/components/responses/Error401" });
    expect(doc.tags.map((t: Doc) => t.name)).toEqual(["Outpost", "gitlab"]);
    expect(providerOps(doc).every(({ op }) => xProvider(op).join() === "gitlab")).toBe(true);
    expect(providerOps(doc)).toHaveLength(3);
    expect(doc.paths["/{path}"]).toBeUndefined();

    const text = JSON.stringify(doc);
    for (const [name, value] of Object.entries(ENV)) {
      expect(text).not.toContain(name);
      expect(text).not.toContain(value);
    }
    for (const leak of ["github", "stripe", "/admin/", "/v1/payouts", "secret-admin"]) expect(text).not.toContain(leak);
  });

  it("never names env vars or secret values, even for the host that sees everything", () => {
    const text = JSON.stringify(docFor("local"));
    for (const [name, value] of Object.entries(ENV)) {
      expect(text).not.toContain(name);
      expect(text).not.toContain(value);
    }
    expect(text).toContain("https://api.github.com/v3"); // base URL, as /providers shows it
  });
});
