import { expect, it } from "vitest";
import { type ScenarioContext, recordedHeader } from "./context.js";

export function headerScenarios(ctx: ScenarioContext): void {
  it("hop-by-hop headers and every header named in Connection are not forwarded; the answer is the upstream's", async () => {
    const res = await ctx.send({
      target: "/repos/a/b",
      headers: [
        ["Connection", "keep-alive, X-Foo"],
        ["X-Foo", "1"],
        ["Keep-Alive", "timeout=5"],
        ["TE", "trailers"],
        ["Proxy-Authorization", "Basic eDp5"],
        ["Proxy-Connection", "keep-alive"],
        ["X-Kept", "yes"],
      ],
    });
    expect(res.status).toBe(200);
    const raw = ctx.upstream().requests[0]!.rawHeaders;
    for (const name of ["x-foo", "keep-alive", "te", "proxy-authorization", "proxy-connection"]) {
      expect({ name, values: recordedHeader(raw, name) }).toEqual({ name, values: [] });
    }
    expect(recordedHeader(raw, "x-kept")).toEqual(["yes"]);
  });

  it("Connection-nominated removal cannot strip the injected credential (SEC-121)", async () => {
    const github = await ctx.send({ target: "/repos/a/b", headers: [["Connection", "close, Authorization, X-Api-Key, X-Provider"]] });
    expect(github.status).toBe(200);
    const stripe = await ctx.send({ provider: "stripe", target: "/v1/x", headers: [["Connection", "close, Authorization, X-Api-Key, X-Provider"]] });
    expect(stripe.status).toBe(200);
    const [first, second] = ctx.upstream().requests;
    expect(recordedHeader(first!.rawHeaders, "authorization")).toEqual([`Bearer ${ctx.secrets.GH_TOKEN}`]);
    expect(recordedHeader(second!.rawHeaders, "x-api-key")).toEqual([ctx.secrets.STRIPE_KEY]);
  });

  it("spoofable forwarding and URL-rewrite headers from the agent never reach the upstream (SEC-124)", async () => {
    const spoofed: [string, string][] = [
      ["X-Forwarded-Host", "evil.example"],
      ["X-Forwarded-Proto", "http"],
      ["X-Forwarded-Port", "1"],
      ["X-Forwarded-Prefix", "/evil"],
      ["Forwarded", "host=evil;proto=http"],
      ["X-Original-URL", "/user/keys"],
      ["X-Rewrite-URL", "/user/keys"],
      ["X-Original-Host", "evil.example"],
      ["X-Real-IP", "1.2.3.4"],
      ["True-Client-IP", "1.2.3.4"],
      ["CF-Connecting-IP", "1.2.3.4"],
      ["Via", "1.1 evil"],
    ];
    const res = await ctx.send({ target: "/repos/a/b", headers: spoofed });
    expect(res.status).toBe(200);
    const raw = ctx.upstream().requests[0]!.rawHeaders;
    for (const [name] of spoofed) expect({ name, values: recordedHeader(raw, name) }).toEqual({ name, values: [] });
    expect(raw.join("\n")).not.toContain("evil");
  });

  it("upstream session and auth headers, hop-by-hop headers and imitations of the proxy's own never reach the agent", async () => {
    const res = await ctx.send({ target: "/repos/a/b/set-cookie" });
    expect(res.status).toBe(200);
    for (const name of ["set-cookie", "set-cookie2", "authentication-info", "proxy-authenticate", "x-hop", "keep-alive"]) {
      expect({ name, value: res.headers.get(name) }).toEqual({ name, value: null });
    }
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(res.headers.get("x-proxy-provider")).toBe("github");
    expect(res.headers.get("x-request-id")).not.toBe("spoofed");
  });
}
