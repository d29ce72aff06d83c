/**
 * Host identity and PSK (security-cases.md D and SEC-129; invariant 5: identity comes from the
 * socket, forwarding headers only from trusted proxies, read right to left). Requests come from
 * chosen source addresses in 127.0.0.0/8.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, type Fixture, FROM, recorded, startFixture } from "./support/fixture.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  expect(fx.leaks()).toEqual({});
  await fx.close();
});

const ISSUES = { method: "POST", target: "/repos/a/b/issues", body: '{"title":"t"}' } as const;

describe("SEC-34 / SEC-35 the socket decides who calls", () => {
  it("SEC-34 an unknown source address is 403 PROXY_HOST_DENIED naming no host id or CIDR", async () => {
    const res = await fx.refused({ from: FROM.unknown, target: "/repos/a/b" }, 403, "PROXY_HOST_DENIED");
    expect(res.text).not.toMatch(/research|exec|lan|127\.0\.0\.|\/32|\/28/);
  });

  it("SEC-34 an address just outside a host's block (127.0.0.16, next to lan's /28) is denied", async () => {
    await fx.refused({ from: "127.0.0.16", target: "/repos/a/b" }, 403, "PROXY_HOST_DENIED");
  });

  const SPOOFS = [
    ["X-Forwarded-For", "127.0.0.12"],
    ["X-Real-IP", "127.0.0.12"],
    ["Forwarded", "for=127.0.0.12"],
    ["CF-Connecting-IP", "127.0.0.12"],
    ["True-Client-IP", "127.0.0.12"],
    ["X-Client-IP", "127.0.0.12"],
    ["Fastly-Client-IP", "127.0.0.12"],
    ["X-Cluster-Client-IP", "127.0.0.12"],
  ] as const;
  it.each(SPOOFS)("SEC-35 %s from an untrusted peer does not make research exec (401 with exec's PSK)", async (name, value) => {
    await fx.refused({ ...ISSUES, psk: fx.secrets.PSK_X, headers: [[name, value]] }, 401, "PROXY_AUTH_REQUIRED");
  });

  it("SEC-35 X-Forwarded-For from an unknown address naming research is still 403 PROXY_HOST_DENIED", async () => {
    await fx.refused({ from: FROM.unknown, psk: fx.secrets.PSK_R, target: "/repos/a/b", headers: [["X-Forwarded-For", "127.0.0.11"]] }, 403, "PROXY_HOST_DENIED");
  });

  it("SEC-129 the Node adapter ignores CF-Connecting-IP (the host stays research)", async () => {
    await fx.refused({ ...ISSUES, psk: fx.secrets.PSK_X, headers: [["CF-Connecting-IP", "127.0.0.12"]] }, 401, "PROXY_AUTH_REQUIRED");
    // With research's own key the request is research's: sensitive, so refused at the gate, not the PSK.
    await fx.refused({ ...ISSUES, headers: [["CF-Connecting-IP", "127.0.0.12"]] }, 403, "PROXY_SENSITIVE_DENIED");
  });
});

describe("SEC-36 trusted proxies: X-Forwarded-For read right to left", () => {
  const XFF = ["X-Forwarded-For", "127.0.0.12, 127.0.0.11"] as const;

  it("SEC-36 a spoofed leftmost entry is ignored: the client is .11 (research), so a write is 403 PROXY_SENSITIVE_DENIED", async () => {
    await fx.refused({ ...ISSUES, from: FROM.trusted, psk: fx.secrets.PSK_R, headers: [XFF] }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it("SEC-36 with exec's PSK the chain still resolves to research: 401 PROXY_AUTH_REQUIRED", async () => {
    await fx.refused({ from: FROM.trusted, psk: fx.secrets.PSK_X, target: "/repos/a/b", headers: [XFF] }, 401, "PROXY_AUTH_REQUIRED");
  });

  it("SEC-36 a GET with research's PSK through the trusted proxy is forwarded; U records only it", async () => {
    fx.upstream.clear();
    const res = await fx.send({ from: FROM.trusted, psk: fx.secrets.PSK_R, target: "/repos/a/b/via-proxy", headers: [XFF] });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /api/repos/a/b/via-proxy"]);
  });

  it("X-Forwarded-For split over two lines from a trusted proxy is one list, read from the right end", async () => {
    await fx.refused(
      { ...ISSUES, from: FROM.trusted, psk: fx.secrets.PSK_X, headers: [["X-Forwarded-For", "127.0.0.12"], ["X-Forwarded-For", "127.0.0.11"]] },
      401,
      "PROXY_AUTH_REQUIRED",
    );
  });

  it("a trusted proxy forwarding for exec makes the client exec (the chain is believed from trusted peers)", async () => {
    fx.upstream.clear();
    const res = await fx.send({ ...ISSUES, from: FROM.trusted, psk: fx.secrets.PSK_X, headers: [["X-Forwarded-For", "127.0.0.12"]] });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests).toHaveLength(1);
  });

  it("a trusted proxy without X-Forwarded-For is identified by its own address (lan: no writes)", async () => {
    await fx.refused({ ...ISSUES, from: FROM.trusted, psk: null }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it("an IPv4-mapped IPv6 entry from a trusted proxy is compared as IPv4 (::ffff:127.0.0.11 is research)", async () => {
    await fx.refused({ ...ISSUES, from: FROM.trusted, psk: fx.secrets.PSK_R, headers: [["X-Forwarded-For", "::ffff:127.0.0.11"]] }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it("an IPv4-mapped spelling of the trusted proxy inside the chain is still a trusted hop, skipped", async () => {
    // Were ::ffff:127.0.0.14 not recognised as the trusted proxy, the client would be lan (no PSK: 200).
    await fx.refused({ from: FROM.trusted, psk: fx.secrets.PSK_X, target: "/repos/a/b", headers: [["X-Forwarded-For", "127.0.0.11, ::ffff:127.0.0.14"]] }, 401, "PROXY_AUTH_REQUIRED");
  });

  it("a chain of only trusted hops resolves to its leftmost entry, not to a more privileged default", async () => {
    await fx.refused({ ...ISSUES, from: FROM.trusted, psk: null, headers: [["X-Forwarded-For", "127.0.0.14, 127.0.0.14"]] }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it.each(["not-an-ip", "127.0.0.1:80", "", "127.0.0.11,,", "127.0.0.011", "127.0.0.11 127.0.0.12", "0x7f.0.0.11"])(
    "a malformed X-Forwarded-For entry (%j) from a trusted proxy is 400 PROXY_BAD_REQUEST",
    async (value) => {
      await fx.refused({ from: FROM.trusted, psk: null, target: "/repos/a/b", headers: [["X-Forwarded-For", value]] }, 400, "PROXY_BAD_REQUEST");
    },
  );

  it("an X-Forwarded-For chain of 65 entries from a trusted proxy is refused (the walk is bounded)", async () => {
    const chain = Array.from({ length: 65 }, () => "127.0.0.14").join(", ");
    await fx.refused({ from: FROM.trusted, psk: null, target: "/repos/a/b", headers: [["X-Forwarded-For", chain]] }, 400, "PROXY_BAD_REQUEST");
  });
});

describe("SEC-43 / SEC-48 the pre-shared key", () => {
  const variants: [string, (psk: string) => string | null][] = [
    ["missing", () => null],
    ["empty", () => ""],
    ["truncated by one character", (psk) => psk.slice(0, -1)],
    ["extended by one character", (psk) => `${psk}x`],
    ["8 KiB long", () => "x".repeat(8192)],
    ["re-cased", (psk) => psk.toLowerCase()],
    ["another host's key", () => fx.secrets.PSK_X!],
  ];
  it.each(variants)("SEC-43 a %s PSK is 401 PROXY_AUTH_REQUIRED with WWW-Authenticate, echoing neither key", async (_name, make) => {
    const presented = make(fx.secrets.PSK_R!);
    const res = await fx.refused({ psk: presented, target: "/repos/a/b" }, 401, "PROXY_AUTH_REQUIRED");
    expect(res.header("www-authenticate")).toBeTruthy();
    if (presented) expect(res.text).not.toContain(presented.slice(0, 20));
    expect(res.text).not.toContain(fx.secrets.PSK_R);
  });

  it("SEC-43 two X-Outpost-Auth lines are refused even when one carries the right key", async () => {
    await fx.refused({ psk: null, target: "/repos/a/b", headers: [["X-Outpost-Auth", fx.secrets.PSK_R!], ["X-Outpost-Auth", "wrong"]] }, 401, "PROXY_AUTH_REQUIRED");
    await fx.refused({ psk: null, target: "/repos/a/b", headers: [["X-Outpost-Auth", "wrong"], ["X-Outpost-Auth", fx.secrets.PSK_R!]] }, 401, "PROXY_AUTH_REQUIRED");
  });

  it("SEC-43 the PSK in another header (Authorization, X-Outpost-Key) does not authenticate", async () => {
    await fx.refused({ psk: null, target: "/repos/a/b", headers: [["Authorization", `Bearer ${fx.secrets.PSK_R}`]] }, 401, "PROXY_AUTH_REQUIRED");
    await fx.refused({ psk: null, target: "/repos/a/b?X-Outpost-Auth=" + fx.secrets.PSK_R }, 401, "PROXY_AUTH_REQUIRED");
  });

  it("SEC-48 the PSK is never forwarded, in any header name case or under any other name", async () => {
    fx.upstream.clear();
    const res = await fx.send({ psk: null, target: "/repos/a/b/psk", headers: [["x-OUTPOST-auth", fx.secrets.PSK_R!]] });
    expect(res.status).toBe(200);
    const raw = fx.upstream.requests[0]!.rawHeaders;
    expect(recorded(raw, "x-outpost-auth")).toEqual([]);
    expect(raw.join("\n")).not.toContain(fx.secrets.PSK_R);
  });

  it("a PSK failure is logged with its code but never with the presented or the real key", async () => {
    fx.logs.clear();
    await fx.refused({ psk: "guess-1234567890", target: "/repos/a/b" }, 401, "PROXY_AUTH_REQUIRED");
    expect(fx.logs.json()).toEqual([expect.objectContaining({ status: 401, error: "PROXY_AUTH_REQUIRED", host: "research" })]);
    expect(fx.logs.text()).not.toContain("guess-1234567890");
  });
});

describe("IPv4-mapped socket peers (a dual-stack listener)", () => {
  let dual: Fixture;
  beforeAll(async () => {
    dual = await startFixture({ host: "::" });
  });
  afterAll(async () => {
    await dual.close();
  });

  it("a peer seen as ::ffff:127.0.0.12 is exec, and ::ffff:127.0.0.11 is research", async () => {
    dual.upstream.clear();
    const asExec = await dual.send({ as: "exec", ...ISSUES });
    expect(asExec.status).toBe(200);
    await dual.refused({ as: "research", ...ISSUES }, 403, "PROXY_SENSITIVE_DENIED");
    await dual.refused({ from: FROM.unknown, target: "/repos/a/b" }, 403, "PROXY_HOST_DENIED");
    expect(dual.upstream.requests).toHaveLength(1);
    expect(dual.logs.json()).toContainEqual(expect.objectContaining({ host: "exec", client: "127.0.0.12" }));
    expectNoLeaks(dual);
  });
});

it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
  expectNoLeaks(fx);
});
