import { Agent, request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import { createLineSink, type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { createJsonLogger, type RunningServer, startServer } from "../src/index.js";
import { paranoidDenied, strictlyAllowed } from "./support/paranoid-classifier.js";

const ALLOW = ["/repos/*/*", "/repos/*/*/issues", "/repos/*/*/pulls/*", "/user/*", "/search"];
const DENY = ["/user/keys", "/admin", "/repos/*/*/keys", "/orgs/*/members"];
const BASES = [
  "/repos/acme/app",
  "/repos/acme/app/issues",
  "/repos/acme/app/pulls/7",
  "/user/profile",
  "/search",
  "/user/keys",
  "/admin",
  "/admin/users",
  "/repos/acme/app/keys",
  "/repos/acme/app/keys/1",
  "/orgs/acme/members",
];

/** Mutations an attacker would try to slip a denied path past policy or to confuse an upstream. */
const mutation = fc.oneof(
  fc.constant((p: string) => p.toUpperCase()),
  fc.nat().map((n) => (p: string) => p.split("").map((c, i) => ((i * 7 + n) % 3 === 0 ? c.toUpperCase() : c)).join("")),
  fc.nat().map((n) => (p: string) => p.replace(/[a-z]/g, (c, i: number) => ((i + n) % 4 === 0 ? `%${c.charCodeAt(0).toString(16)}` : c))),
  fc.nat().map((n) => (p: string) => p.replace(/[a-z]/g, (c, i: number) => ((i + n) % 5 === 0 ? `%25${c.charCodeAt(0).toString(16)}` : c))),
  fc.constantFrom(
    (p: string) => `${p}/`,
    (p: string) => `${p}//`,
    (p: string) => `${p}/.`,
    (p: string) => `${p}/..`,
    (p: string) => `${p}.json`,
    (p: string) => `${p}.`,
    (p: string) => `${p};x=1`,
    (p: string) => `${p}%3Bx`,
    (p: string) => `${p}%00`,
    (p: string) => `/x/..${p}`,
    (p: string) => `/x/%2e%2e${p}`,
    (p: string) => `/x/.%2E${p}`,
    (p: string) => `/${p}`,
    (p: string) => p.replace(/\//g, "//"),
    (p: string) => p.replace(/\/(?=[^/]*$)/, "%2F"),
    (p: string) => p.replace(/\/(?=[^/]*$)/, "%2f"),
    (p: string) => p.replace(/\/(?=[^/]*$)/, "\\"),
    (p: string) => p.replace(/\/(?=[^/]*$)/, "%5C"),
    (p: string) => p.replace(/e/, "%EF%BD%85"),
    (p: string) => p.replace(/s/, "%C5%BF"),
    (p: string) => `${p}/x`,
    (p: string) => `${p}?next=/admin`,
  ),
);

describe("decide == forward (fast-check over HTTP, fixed seed)", () => {
  let upstream: RecordingUpstream;
  let server: RunningServer;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const config = loadConfig({
      providers: [
        {
          file: "prop.yaml",
          text: `name: prop\nbase_url: ${upstream.url}/api\nauth: {type: bearer_static, env: PROP_TOKEN}\nforwarding:\n  mode: allowlist\n  allow:\n${ALLOW.map((p) => `    - {pattern: "${p}", methods: [GET]}`).join("\n")}\n  deny: [${DENY.map((d) => `"${d}"`).join(", ")}]\n`,
        },
      ],
      secrets: secretsFromRecord({ PROP_TOKEN: "prop-token-value" }),
    });
    const sink = createLineSink();
    server = await startServer({ config, port: 0, logger: createJsonLogger({ write: sink.write, warn: sink.write }) });
  });
  afterAll(async () => {
    agent.destroy();
    await server.close(1000);
    await upstream.close();
  });

  const send = (target: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.port, path: target, agent, headers: { "X-Provider": "prop" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end();
    });

  it("every forwarded path is allowed and not denied by an independent paranoid classifier; refusals forward nothing", async () => {
    let forwarded = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BASES), fc.array(mutation, { minLength: 0, maxLength: 3 }), async (base, mutations) => {
        const target = mutations.reduce((p, m) => m(p), base);
        upstream.clear();
        const status = await send(target);
        if (status !== 200) {
          expect(status).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
          expect(upstream.requests).toHaveLength(0);
          refused++;
          return;
        }
        forwarded++;
        expect(upstream.requests).toHaveLength(1);
        const url = upstream.requests[0]!.url;
        const path = url.split("?")[0]!;
        expect(path.startsWith("/api/")).toBe(true);
        const relative = path.slice("/api".length);
        expect({ target, relative, denied: paranoidDenied(relative, DENY) }).toMatchObject({ denied: false });
        expect({ target, relative, allowed: strictlyAllowed(relative, ALLOW) }).toMatchObject({ allowed: true });
      }),
      { seed: 20261128, numRuns: 2000 },
    );
    // The property must exercise both outcomes, or it proves nothing.
    expect(forwarded).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(500);
  });
});
