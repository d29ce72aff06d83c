import { describe, expect, it } from "vitest";
import { createGateway, loadConfig, type RequestInfo, secretsFromRecord } from "../src/index.js";

// Adapters call `handle(info).then(…)` with no try around it: whatever goes wrong, including the
// logger the host supplied, must arrive as a promise, never as a synchronous throw that would
// escape a node:http request listener and take the process down.
const PROVIDER = `name: p
base_url: https://api.example.com
auth: {type: bearer_static, env: P_TOKEN}
forwarding:
  mode: allowlist
  allow:
    - {pattern: "/items/**", methods: [GET]}
`;
const HOSTS = `hosts:
  - {id: a, cidrs: ["10.0.0.1/32"], auth_token_env: A_PSK}
`;
const TOKEN = "p-upstream-token-0123456789";
const PSK = "a-pre-shared-key-0123456789";

function gateway(logger: { request(): void; warn(): void }) {
  const config = loadConfig({
    providers: [{ file: "p.yaml", text: PROVIDER }],
    hosts: { file: "hosts.yaml", text: HOSTS },
    secrets: secretsFromRecord({ P_TOKEN: TOKEN, A_PSK: PSK }),
  });
  return createGateway(config, { logger });
}

const info = (over: Partial<RequestInfo>): RequestInfo => ({
  method: "GET",
  target: "/items/1",
  headers: ["X-Provider", "p", "X-Outpost-Auth", PSK],
  peer: "10.0.0.1",
  contentLength: undefined,
  ...over,
});

const broken = {
  request() {
    throw new Error("log sink broken");
  },
  warn() {
    throw new Error("log sink broken");
  },
};

describe("Gateway.handle never throws synchronously", () => {
  it.each([
    ["an unknown address", { peer: "10.9.9.9" }],
    ["a malformed target", { target: "items" }],
    ["a path outside the allowlist", { target: "/admin" }],
    ["no X-Provider and an unknown management path", { headers: ["X-Outpost-Auth", PSK], target: "/nope" }],
  ])("%s, with a logger that throws: a rejected promise", async (_, over) => {
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = gateway(broken).handle(info(over));
    }).not.toThrow();
    await expect(result).rejects.toThrow("log sink broken");
  });

  it("a forward plan shows neither the agent's key nor its request when inspected or serialised", async () => {
    const outcome = await gateway({ request() {}, warn() {} }).handle(info({}));
    expect(outcome.kind).toBe("forward");
    const plan = (outcome as Extract<typeof outcome, { kind: "forward" }>).plan;
    expect(Object.keys(plan).join(",")).not.toMatch(/\b(rt|req|parts)\b/);
    // What the plan holds of its own (not the shared host and provider configuration, and not the
    // headers to send upstream, which carry the credential by design) shows neither secret.
    const own = JSON.stringify({ ...plan, host: undefined, provider: undefined, headers: [] });
    expect(own).not.toContain(PSK);
    expect(own).not.toContain(TOKEN);
  });
});
