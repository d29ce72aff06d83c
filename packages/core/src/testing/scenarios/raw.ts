import { expect, it } from "vitest";
import type { RawExchange } from "../scenario-harness.js";
import type { ScenarioContext } from "./context.js";

const NO_RAW_SOCKETS = "the runtime has no raw sockets: its platform parses HTTP before the proxy runs";

/** Parser-level cases need exact bytes on a socket; where that is impossible they are reported, not dropped. */
function rawCase(ctx: ScenarioContext, name: string, body: (raw: NonNullable<ReturnType<ScenarioContext["proxy"]>["raw"]>) => Promise<void>) {
  it(name, async (test) => {
    const raw = ctx.proxy().raw;
    if (!raw) {
      test.annotate(`not applicable: ${NO_RAW_SOCKETS}`);
      test.skip(`not applicable: ${NO_RAW_SOCKETS}`);
      return;
    }
    await body(raw);
  });
}

function request(ctx: ScenarioContext, target: string, extra: string[] = [], method = "GET"): string {
  return [`${method} ${target} HTTP/1.1`, "Host: proxy", "X-Provider: github", `X-Outpost-Auth: ${ctx.secrets.PSK_X}`, ...extra, "", ""].join("\r\n");
}

function codeOf(exchange: RawExchange | undefined): string | undefined {
  try {
    return JSON.parse(exchange?.body ?? "").error?.code;
  } catch {
    return undefined;
  }
}

export function rawScenarios(ctx: ScenarioContext): void {
  rawCase(ctx, "absolute-form request targets get 400 PROXY_BAD_REQUEST and reach no origin (SEC-8)", async (raw) => {
    const evil = ctx.evil().url;
    for (const target of [`${evil}/repos/x/y`, `https://127.0.0.66/repos/x/y`, `ftp://127.0.0.66/repos/x/y`]) {
      const [res] = await raw(request(ctx, target), "127.0.0.12");
      expect({ target, status: res?.status, code: codeOf(res) }).toEqual({ target, status: 400, code: "PROXY_BAD_REQUEST" });
    }
    expect(ctx.upstream().requests).toHaveLength(0);
    expect(ctx.evil().requests).toHaveLength(0);
  });

  rawCase(ctx, "dot segments in the raw target are seen and refused before any URL parser resolves them (SEC-1)", async (raw) => {
    const [res] = await raw(request(ctx, "/repos/x/y/../../../user/keys"), "127.0.0.12");
    expect([res?.status, codeOf(res)]).toEqual([400, "PROXY_BAD_PATH"]);
    expect(ctx.upstream().requests).toHaveLength(0);
  });

  rawCase(ctx, "duplicate X-Provider lines are refused on the raw lines, not the joined value (SEC-28)", async (raw) => {
    const [res] = await raw(request(ctx, "/repos/a/b", ["X-Provider: stripe"]), "127.0.0.12");
    expect([res?.status, codeOf(res)]).toEqual([400, "PROXY_BAD_REQUEST"]);
    expect(ctx.upstream().requests).toHaveLength(0);
  });

  rawCase(ctx, "pipelined requests are each routed and checked on their own (SEC-91)", async (raw) => {
    const responses = await raw(request(ctx, "/repos/a/b") + request(ctx, "/user/keys"), "127.0.0.12");
    expect(responses.map((r) => r.status)).toEqual([200, 403]);
    expect(codeOf(responses[1])).toBe("PROXY_PATH_DENIED");
    expect(ctx.upstream().requests.map((r) => r.url)).toEqual(["/api/repos/a/b"]);
  });

  rawCase(ctx, "Content-Length with Transfer-Encoding is refused and a smuggled request is never evaluated (SEC-86)", async (raw) => {
    const smuggle =
      ["POST /search/code HTTP/1.1", "Host: proxy", "X-Provider: github", `X-Outpost-Auth: ${ctx.secrets.PSK_X}`, "Content-Length: 4", "Transfer-Encoding: chunked", "", "0", "", ""].join("\r\n") +
      request(ctx, "/user/keys");
    const responses = await raw(smuggle, "127.0.0.12");
    expect(responses[0]?.status).toBe(400);
    expect(responses).toHaveLength(1);
    expect(ctx.upstream().requests).toHaveLength(0);
  });

  rawCase(ctx, "lower-case methods, TRACK and a raw NUL in the target are refused by the parser (SEC-10, SEC-54)", async (raw) => {
    for (const data of [request(ctx, "/repos/a/b", [], "get"), request(ctx, "/v1/x", [], "TRACK"), request(ctx, "/user/keys\0")]) {
      const [res] = await raw(data, "127.0.0.12");
      expect(res?.status).toBeGreaterThanOrEqual(400);
      expect(res?.status).toBeLessThan(500);
    }
    expect(ctx.upstream().requests).toHaveLength(0);
  });

  rawCase(ctx, "oversized headers get 431 and nothing is forwarded (SEC-92)", async (raw) => {
    const [big] = await raw(request(ctx, "/repos/a/b", [`X-Big: ${"a".repeat(20 * 1024)}`]), "127.0.0.12");
    expect(big?.status).toBe(431);
    const many = Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${"v".repeat(16)}`);
    const [lots] = await raw(request(ctx, "/repos/a/b", many), "127.0.0.12");
    expect(lots?.status).toBe(431);
    expect(ctx.upstream().requests).toHaveLength(0);
  });

  rawCase(ctx, "Trailer, Upgrade and Expect from the agent are never forwarded; the answer is the upstream's (SEC-123)", async (raw) => {
    const [res] = await raw(request(ctx, "/repos/a/b", ["Trailer: X-A", "Upgrade: h2c", "Connection: Upgrade", "Expect: 100-continue"]), "127.0.0.12");
    expect(res?.status).toBe(200);
    const rawHeaders = ctx.upstream().requests[0]!.rawHeaders.map((h) => h.toLowerCase());
    for (const name of ["trailer", "upgrade", "expect"]) expect(rawHeaders).not.toContain(name);
  });

  rawCase(ctx, "a query with quotes and angle brackets is forwarded exactly as decided: percent-encoded once", async (raw) => {
    const [res] = await raw(request(ctx, `/repos/a/b?q="x"&t=<y>&s='z'&keep=%41`), "127.0.0.12");
    expect(res?.status).toBe(200);
    expect(ctx.upstream().requests.map((r) => r.url)).toEqual(["/api/repos/a/b?q=%22x%22&t=%3Cy%3E&s=%27z%27&keep=%41"]);
  });

  rawCase(ctx, "a huge declared body gets 413 at once without the body being read (SEC-95)", async (raw) => {
    const data = request(ctx, "/upload/x", ["Content-Length: 10737418240", "Content-Type: application/octet-stream"], "POST") + "0123456789";
    const [res] = await raw(data, "127.0.0.12");
    expect([res?.status, codeOf(res)]).toEqual([413, "PROXY_PAYLOAD_TOO_LARGE"]);
    expect(ctx.upstream().requests).toHaveLength(0);
  });
}
