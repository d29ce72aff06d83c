import { expect, it } from "vitest";
import type { ScenarioContext } from "./context.js";
import { expectRefused } from "./errors.js";

/** Targets that must never be forwarded anywhere (DESIGN §4.1, security-cases A). */
export const BAD_PATHS = [
  "//evil.example/x",
  "///127.0.0.66/steal",
  "/a/%2e%2e/admin",
  "/repos/x/y/../../../user/keys",
  "/repos/x/y/%2e%2e/%2E%2e/%2e%2E/user/keys",
  "/repos/x/y/.%2e/%2e./.%2E/user/keys",
  "/repos/x%2F..%2F..%2Fuser%2Fkeys",
  "/a%2fb",
  "/repos/x%5C..%5Cuser%5Ckeys",
  "/a\\b",
  "/a;x=1",
  "/repos/a/b;jsessionid=1",
  "/user/keys%00",
  "/user/keys%00.json",
  "/repos/x/y%00/../../user/keys",
  "/repos/a//b",
  "/user/keys//",
  "/user/keys/.",
  "/repos/%252e%252e/x",
  "/repos/a/%zz",
  "/repos/a/%C0%AF",
  "/repos/a/b%3Bx",
  "/repos/a/b#frag",
];

/** Every spelling a deny entry `/user/keys` (or `/admin`, `/orgs/*\/members`) must catch. */
export const DENIED_SPELLINGS = [
  "/user/keys",
  "/USER/keys",
  "/user/KEYS",
  "/User/Keys",
  "/user/keys/",
  "/user/keys/x",
  "/user/keys.json",
  "/user/keys.",
  "/user/%6beys",
  "/%75ser/keys",
  "/user/ke%79s",
  "/admin",
  "/ADMIN/x",
  "/a%64min/x",
  "/orgs/acme/members",
  "/orgs/acme/Members.json",
  "/%EF%BD%95ser/keys",
];

export function pathScenarios(ctx: ScenarioContext): void {
  it("bad paths (traversal, encoded separators, parameters, NUL, empty segments, double encoding) get 400 PROXY_BAD_PATH and reach no upstream", async (test) => {
    const resolvedByPlatform: string[] = [];
    for (const target of BAD_PATHS) {
      const seen = ctx.proxy().platformTarget?.(target) ?? target;
      for (const provider of ["github", "stripe"]) {
        if (seen === target) await expectRefused(ctx, { provider, target }, "PROXY_BAD_PATH");
        else await expectDecidedAsResolved(ctx, provider, target, seen);
      }
      if (seen !== target) resolvedByPlatform.push(`${target} -> ${seen}`);
    }
    // Reported, never dropped: on such a platform these spellings cannot reach the proxy at all.
    if (resolvedByPlatform.length > 0) {
      await test.annotate(`not applicable as sent: the platform resolves these targets before the proxy runs; checked as resolved: ${resolvedByPlatform.join(", ")}`);
    }
  });

  it("deny entries match case-insensitively, cover their subtree and a format suffix: 403 PROXY_PATH_DENIED", async () => {
    for (const target of DENIED_SPELLINGS) {
      await expectRefused(ctx, { target }, "PROXY_PATH_DENIED");
    }
  });

  it("deny is checked before allow and for every method, also in transparent mode", async () => {
    await expectRefused(ctx, { method: "DELETE", target: "/user/keys/1" }, "PROXY_PATH_DENIED");
    await expectRefused(ctx, { provider: "stripe", target: "/v1/admin/users" }, "PROXY_PATH_DENIED");
    await expectRefused(ctx, { provider: "stripe", method: "POST", target: "/V1/Admin", body: "x" }, "PROXY_PATH_DENIED");
  });

  it("paths next to a denied one stay allowed", async () => {
    for (const target of ["/user/keysmith", "/user"]) {
      const res = await ctx.send({ target });
      expect(res.status).toBe(target === "/user" ? 404 : 200);
    }
  });
}

/**
 * A target the platform resolves before the proxy runs, sent as spelled and as resolved: the
 * answers and the upstream records are the same, so the proxy decided on exactly what it forwarded
 * (invariant 3), and no other origin was reached.
 */
async function expectDecidedAsResolved(ctx: ScenarioContext, provider: string, target: string, resolved: string): Promise<void> {
  const outcome = async (sent: string) => {
    ctx.upstream().clear();
    const res = await ctx.send({ provider, target: sent });
    const code = res.headers.get("content-type")?.startsWith("application/json") ? res.json()?.error?.code : undefined;
    return { status: res.status, code, forwarded: ctx.upstream().requests.map((r) => r.url) };
  };
  const asSent = await outcome(target);
  expect({ target, provider, ...asSent }).toEqual({ target, provider, ...(await outcome(resolved)) });
  ctx.upstream().clear();
  expect(ctx.evil().requests).toHaveLength(0);
}
