/**
 * Configuration problems surface on the first request as a 500 that says so, with the located
 * issues (file, line, field) in the Worker's logs: never a silent skip, never a partial start.
 */
import { afterEach, expect, it } from "vitest";
import { call, providerYaml } from "./support/calls.js";
import { startWorkerdProxy, type WorkerdProxy } from "./support/workerd-proxy.js";

let proxy: WorkerdProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

it("a missing secret: every request gets a 500 naming a configuration error; the log names file, line and field", async () => {
  const yaml = providerYaml("gh", "https://api.github.com", "auth:\n  type: bearer_static\n  env: GH_TOKEN");
  proxy = await startWorkerdProxy({ providers: [yaml], secrets: {} });
  for (const target of ["/repos/a/b", "/healthz"]) {
    const res = await call(proxy.request, "gh", target);
    expect([res.status, res.code]).toEqual([500, "PROXY_INTERNAL_ERROR"]);
    expect(JSON.parse(res.text).error.message).toMatch(/configuration error/);
    expect(res.text).not.toContain("GH_TOKEN");
  }
  const logs = proxy.logLines().join("\n");
  expect(logs).toContain("outpost: configuration error");
  expect(logs).toMatch(/gh\.yaml:5 auth\.env: .*GH_TOKEN/);
});

it("an invalid YAML field is reported with its line, as on Node", async () => {
  const yaml = providerYaml("gh", "https://api.github.com", "auth: {type: none}\nforwarding:\n  mode: allowlist\n  bogus_key: 1");
  proxy = await startWorkerdProxy({ providers: [yaml], secrets: {} });
  expect((await call(proxy.request, "gh", "/x")).status).toBe(500);
  expect(proxy.logLines().join("\n")).toMatch(/gh\.yaml:6 forwarding\.bogus_key/);
});

it("a missing KV or Durable Object binding is a configuration error, never a fallback to per-isolate memory", async () => {
  proxy = await startWorkerdProxy({ providers: [providerYaml("p", "https://example.com", "auth: {type: none}")], secrets: {} }, ["outpost"], {
    kvNamespaces: {},
    durableObjects: {},
  });
  const res = await call(proxy.request, "p", "/x");
  expect([res.status, res.code]).toEqual([500, "PROXY_INTERNAL_ERROR"]);
  const logs = proxy.logLines().join("\n");
  expect(logs).toContain('no KV namespace bound as "OUTPOST_KV"');
  expect(logs).toContain('no Durable Object namespace bound as "OUTPOST_COORDINATOR"');
});
