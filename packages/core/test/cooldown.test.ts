import { describe, expect, it } from "vitest";
import { createFixture } from "./support/gateway-fixture.js";

const PROVIDER = `name: p
base_url: https://api.example.com
auth: {type: bearer_static, env: P_TOKEN}
forwarding:
  allow:
    - {pattern: "/other/**", methods: [GET], category: other}
`;

function upstream429(retryAfter: string | undefined) {
  return (path: string) =>
    path.endsWith("/limited")
      ? new Response('{"error":"slow down","token":"p-token"}', {
          status: 429,
          headers: { ...(retryAfter === undefined ? {} : { "Retry-After": retryAfter }), "Set-Cookie": "s=1", "X-Upstream-Secret": "p-token" },
        })
      : undefined;
}

describe("upstream 429 cooldown (DESIGN §5.1, SEC-106), fake clock", () => {
  it("Retry-After: 3 → 429 PROXY_UPSTREAM_RATE_LIMITED; requests within 3 s never reach the upstream; after 3 s they do", async () => {
    const f = createFixture(PROVIDER, { script: upstream429("3") });
    const first = await f.send("/limited");
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("3");
    const body = await first.json();
    expect(body.error).toEqual({ code: "PROXY_UPSTREAM_RATE_LIMITED", message: expect.any(String), metadata: { retry_after: 3, category: "default" } });
    // None of the upstream's headers or body reach the agent.
    expect(first.headers.get("set-cookie")).toBeNull();
    expect(first.headers.get("x-upstream-secret")).toBeNull();
    expect(JSON.stringify(body)).not.toContain("p-token");
    expect(f.upstream).toHaveLength(1);

    await f.clock.advance(2_000);
    const during = await f.send("/anything");
    expect(during.status).toBe(429);
    expect(during.headers.get("retry-after")).toBe("1");
    expect(f.upstream).toHaveLength(1);

    await f.clock.advance(1_000);
    expect((await f.send("/anything")).status).toBe(200);
    expect(f.upstream).toHaveLength(2);
  });

  it("the cooldown is per provider and category: other categories are not affected", async () => {
    const f = createFixture(PROVIDER, { script: upstream429("30") });
    await f.send("/limited");
    expect((await f.send("/other/x")).status).toBe(200);
    expect((await f.send("/x")).status).toBe(429);
  });

  it.each([
    ["999999999", "600"],
    ["1e308", "1"],
    ["-5", "1"],
    ["NaN", "1"],
    [undefined, "1"],
    ["0", "1"],
  ])("Retry-After %s is clamped to 0.1–600 s (not delay-seconds: 1 s): the agent gets Retry-After %s", async (upstreamValue, expected) => {
    const f = createFixture(PROVIDER, { script: upstream429(upstreamValue) });
    const res = await f.send("/limited");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe(expected);
  });

  it("an HTTP-date Retry-After an hour ahead is clamped to 600 s, and the cooldown ends after it", async () => {
    const f = createFixture(PROVIDER, { script: upstream429(undefined) });
    const date = new Date(f.clock.now() + 3_600_000).toUTCString();
    const g = createFixture(PROVIDER, { script: upstream429(date) });
    const res = await g.send("/limited");
    expect(res.headers.get("retry-after")).toBe("600");
    await g.clock.advance(599_000);
    expect((await g.send("/x")).status).toBe(429);
    await g.clock.advance(1_000);
    expect((await g.send("/x")).status).toBe(200);
    expect(f.upstream).toHaveLength(0);
  });
});
