import { expect, it } from "vitest";
import type { ErrorCode } from "../../errors/codes.js";
import { ERROR_CODE_TO_STATUS } from "../../errors/codes.js";
import type { AgentRequest, Exchange, ScenarioContext } from "./context.js";

/** The DESIGN §3 envelope with this code, and nothing reached any upstream. */
export async function expectRefused(ctx: ScenarioContext, request: AgentRequest, code: ErrorCode): Promise<Exchange> {
  const res = await ctx.send(request);
  expect({ target: request.target, status: res.status, code: res.json()?.error?.code }).toEqual({
    target: request.target,
    status: ERROR_CODE_TO_STATUS[code],
    code,
  });
  const body = res.json();
  expect(body.status).toBe("FAILURE");
  expect(typeof body.error.message).toBe("string");
  expect(body.error).toHaveProperty("metadata");
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(ctx.upstream().requests).toHaveLength(0);
  expect(ctx.evil().requests).toHaveLength(0);
  return res;
}

export function errorScenarios(ctx: ScenarioContext): void {
  it("step 1: method-override headers are refused with 400 PROXY_BAD_REQUEST, whatever the host", async () => {
    for (const [name, method] of [["X-HTTP-Method-Override", "GET"], ["X-HTTP-Method", "POST"], ["X-Method-Override", "POST"]] as const) {
      for (const as of ["research", "exec"] as const) {
        await expectRefused(ctx, { as, method, target: "/search/code", headers: [[name, "DELETE"]] }, "PROXY_BAD_REQUEST");
      }
    }
  });

  it("step 1: two X-Provider lines are refused with 400 PROXY_BAD_REQUEST", async () => {
    await expectRefused(ctx, { provider: null, target: "/repos/a/b", headers: [["X-Provider", "github"], ["X-Provider", "github"]] }, "PROXY_BAD_REQUEST");
    await expectRefused(ctx, { provider: null, target: "/repos/a/b", headers: [["X-Provider", "github"], ["X-Provider", "stripe"]] }, "PROXY_BAD_REQUEST");
  });

  it("step 1: one X-Provider line naming two providers is refused", async () => {
    const res = await ctx.send({ provider: "github, stripe", target: "/repos/a/b" });
    expect([400]).toContain(res.status);
    expect(["PROXY_BAD_REQUEST", "PROXY_UNKNOWN_PROVIDER"]).toContain(res.json().error.code);
    expect(ctx.upstream().requests).toHaveLength(0);
  });

  it("step 1: TRACE is refused with 405 PROXY_METHOD_NOT_ALLOWED for every host (it would reflect the credential)", async () => {
    for (const [provider, target] of [["github", "/repos/x/y"], ["stripe", "/v1/x"]] as const) {
      const res = await ctx.send({ method: "TRACE", provider, target });
      // Fetch-based platforms cannot even construct a TRACE request (a forbidden method); they
      // refuse it before the proxy runs, with a bare 4xx. Wherever the proxy sees it, it is a 405.
      if (res.headers.get("content-type")?.startsWith("application/json")) {
        expect([res.status, res.json().error.code]).toEqual([405, "PROXY_METHOD_NOT_ALLOWED"]);
      } else {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
      expect(ctx.upstream().requests).toHaveLength(0);
    }
  });

  it("step 2: an unknown source address gets 403 PROXY_HOST_DENIED naming no host, CIDR or provider", async () => {
    const res = await expectRefused(ctx, { as: "unknown", target: "/repos/a/b" }, "PROXY_HOST_DENIED");
    expect(res.text).not.toMatch(/research|exec|127\.0\.0\.|github|stripe/);
    const unknownProvider = await expectRefused(ctx, { as: "unknown", provider: "gitlab", target: "/x" }, "PROXY_HOST_DENIED");
    expect(unknownProvider.json().error.metadata).toBeNull();
  });

  it("step 3: a missing, empty, wrong, truncated, extended or re-cased PSK gets 401 PROXY_AUTH_REQUIRED with WWW-Authenticate", async () => {
    const psk = ctx.secrets.PSK_R!;
    for (const presented of [null, "", psk.slice(0, -1), `${psk}x`, "x".repeat(8192), psk.toLowerCase(), ctx.secrets.PSK_X!]) {
      const res = await expectRefused(ctx, { as: "research", psk: presented, target: "/repos/a/b" }, "PROXY_AUTH_REQUIRED");
      expect(res.headers.get("www-authenticate")).toBeTruthy();
    }
  });

  it("step 4: an unknown or disabled provider gets 400 PROXY_UNKNOWN_PROVIDER listing only the host's grants", async () => {
    for (const provider of ["gitlab", "off", "<script>"]) {
      const res = await expectRefused(ctx, { as: "research", provider, target: "/x" }, "PROXY_UNKNOWN_PROVIDER");
      expect(res.json().error.metadata.available).toEqual(["dead", "github", "jira", "legacy", "stripe"]);
      expect(res.text).not.toContain("<script>");
    }
  });

  it("step 4: a request without X-Provider and no default provider gets 400 PROXY_UNKNOWN_PROVIDER", async () => {
    await expectRefused(ctx, { provider: null, target: "/repos/a/b" }, "PROXY_UNKNOWN_PROVIDER");
  });

  it("step 4: a provider the host is not granted gets 403 PROXY_PROVIDER_DENIED", async () => {
    await expectRefused(ctx, { as: "research", provider: "custom", target: "/x" }, "PROXY_PROVIDER_DENIED");
  });

  it("step 7: allowlist mode without a matching rule gets 404 PROXY_NO_ROUTE (method and case matter)", async () => {
    await expectRefused(ctx, { method: "DELETE", target: "/repos/x/y" }, "PROXY_NO_ROUTE");
    await expectRefused(ctx, { method: "PUT", target: "/repos/x/y/issues", body: "{}" }, "PROXY_NO_ROUTE");
    await expectRefused(ctx, { target: "/REPOS/a/b" }, "PROXY_NO_ROUTE");
    await expectRefused(ctx, { target: "/gists" }, "PROXY_NO_ROUTE");
  });

  it("step 8: a sensitive call from a host without can_call_sensitive gets 403 PROXY_SENSITIVE_DENIED", async () => {
    await expectRefused(ctx, { as: "research", method: "POST", target: "/repos/a/b/issues", body: "{}" }, "PROXY_SENSITIVE_DENIED");
    await expectRefused(ctx, { as: "research", target: "/repos/a/b/secrets" }, "PROXY_SENSITIVE_DENIED");
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "PROPFIND", "MKCOL", "PURGE"]) {
      await expectRefused(ctx, { as: "research", provider: "stripe", method, target: "/v1/x" }, "PROXY_SENSITIVE_DENIED");
    }
  });

  it("step 8: the same sensitive call from a host with can_call_sensitive is forwarded exactly once", async () => {
    const res = await ctx.send({ as: "exec", method: "POST", target: "/repos/a/b/issues", body: '{"title":"t"}' });
    expect(res.status).toBe(200);
    expect(ctx.upstream().requests.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /api/repos/a/b/issues"]);
  });

  it("step 9: a declared body over max_body_bytes gets 413 PROXY_PAYLOAD_TOO_LARGE before anything is forwarded", async () => {
    const res = await expectRefused(ctx, { provider: "stripe", method: "POST", target: "/v1/charges", body: "x".repeat(2000) }, "PROXY_PAYLOAD_TOO_LARGE");
    expect(res.json().error.metadata).toEqual({ max_body_bytes: 1024 });
  });
}
