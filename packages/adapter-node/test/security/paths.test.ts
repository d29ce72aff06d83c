/**
 * Path canonicalisation, traversal and allow/deny bypass (security-cases.md A and B; DESIGN §4.1;
 * invariants 2, 3 and 4). Every target is sent as exact bytes over TCP, so nothing between the
 * test and the proxy normalises it first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_PROVIDERS, BASE_PATH, expectNoLeaks, type Fixture, startFixture } from "./support/fixture.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  expect(fx.leaks()).toEqual({});
  await fx.close();
});

const BAD_PATH = { status: 400, code: "PROXY_BAD_PATH" } as const;
const DENIED = { status: 403, code: "PROXY_PATH_DENIED" } as const;

/** Each target, for each provider given, is refused with `outcome` and reaches neither U nor E. */
async function allRefused(targets: readonly string[], outcome: { status: number; code: string }, providers: readonly string[] = ["github"], as: "research" | "exec" = "research") {
  await fx.refusedAll(
    providers.flatMap((provider) => targets.map((target) => ({ as, provider, target }))),
    outcome.status,
    outcome.code,
  );
}

describe("A. traversal and separators", () => {
  it("SEC-1 plain dot segments into a denied path are refused before any URL parser resolves them", async () => {
    await allRefused(["/repos/x/y/../../../user/keys", "/repos/x/y/./../../user/keys", "/repos/a/b/..", "/repos/a/b/."], BAD_PATH);
  });

  it("SEC-1 percent-encoded dot segments (%2e%2e in every case) are refused", async () => {
    await allRefused(["/repos/x/y/%2e%2e/%2E%2e/%2e%2E/user/keys", "/repos/x/y/%2E%2E/%2E%2E/%2E%2E/admin", "/repos/x/y/%2e/x"], BAD_PATH);
  });

  it("SEC-1 half-encoded dot segments (.%2e, %2e.) are refused", async () => {
    await allRefused(["/repos/x/y/.%2e/%2e./.%2E/user/keys", "/repos/x/y/%2E./admin"], BAD_PATH);
  });

  it("SEC-1 dot segments are refused for every provider and every host, transparent mode included", async () => {
    await allRefused(["/v1/../v1/admin", "/v1/%2e%2e/v1/admin"], BAD_PATH, ALL_PROVIDERS, "exec");
  });

  it("SEC-2 an encoded slash traversal never reaches the upstream", async () => {
    await allRefused(["/repos/x%2F..%2F..%2Fuser%2Fkeys", "/repos/x%2fy", "/user%2Fkeys"], BAD_PATH);
  });

  it("SEC-2 an encoded backslash traversal never reaches the upstream", async () => {
    await allRefused(["/repos/x%5C..%5Cuser%5Ckeys", "/repos/x%5cy"], BAD_PATH);
  });

  it("SEC-2 a raw backslash (WHATWG URL reads it as /) is refused", async () => {
    await allRefused(["/repos/a\\..\\..\\user\\keys", "/repos/a/b\\c"], BAD_PATH, ["github", "stripe"], "exec");
  });

  it("SEC-7 a scheme-relative //E/steal target reaches neither U nor E, for every provider", async () => {
    const evilAuthority = `127.0.0.66:${fx.evil.port}`;
    await allRefused([`//${evilAuthority}/steal`, `//${evilAuthority}`], BAD_PATH, ALL_PROVIDERS, "exec");
  });

  it("SEC-7 ///E/steal (three slashes) reaches neither U nor E, for every provider", async () => {
    await allRefused([`///127.0.0.66:${fx.evil.port}/steal`], BAD_PATH, ALL_PROVIDERS, "exec");
  });

  it("SEC-7 an empty segment anywhere (merged-slash bypass of a deny rule) is refused", async () => {
    await allRefused(["/user//keys", "//user/keys", "/repos/a//b", "/user/keys//"], BAD_PATH);
  });

  it("SEC-10 an encoded NUL byte (truncation tricks) is refused", async () => {
    await allRefused(["/user/keys%00", "/user/keys%00.json", "/repos/x/y%00/../../user/keys"], BAD_PATH);
  });

  it("encoded control characters (CR LF header injection, TAB, DEL) are refused", async () => {
    await allRefused(["/repos/a/b%0d%0aX-Injected:%201", "/repos/a/b%0A", "/repos/a/%09b", "/repos/a/b%7F"], BAD_PATH, ["github", "stripe"], "exec");
  });

  it("double encoding (%252e, %252f, %2525) is refused", async () => {
    await allRefused(["/repos/%252e%252e/x", "/repos/a%252fb", "/repos/a/%2525", "/%2575ser/keys"], BAD_PATH, ["github", "stripe"], "exec");
  });

  it("malformed percent-encodings are refused", async () => {
    await allRefused(["/repos/a/%zz", "/repos/a/b%", "/repos/a/b%4", "/repos/a/%g0"], BAD_PATH);
  });

  it("invalid UTF-8 (overlong /, stray continuation byte, truncated sequence) is refused", async () => {
    await allRefused(["/repos/a/%C0%AF", "/repos/a/%E0%80%AF", "/repos/a/%80", "/repos/a/%C3"], BAD_PATH);
  });

  it("encoded delimiters (; ? #) that a decoding server would act on are refused", async () => {
    await allRefused(["/repos/a/b%3Bx", "/user/keys%3Fx=1", "/repos/a/b%23frag", "/user/keys%3b"], BAD_PATH);
  });

  it("a fragment in the raw target is refused", async () => {
    await allRefused(["/repos/a/b#frag", "/repos/a/b?q=1#frag"], BAD_PATH);
  });
});

describe("B. allow and deny bypass", () => {
  it("SEC-15 case variants of a denied path are denied", async () => {
    await allRefused(["/USER/KEYS", "/User/Keys", "/user/KEYS", "/ADMIN/x", "/Orgs/acme/MEMBERS"], DENIED);
  });

  it("SEC-15 allow rules stay case-sensitive: /REPOS/a/b has no route", async () => {
    await allRefused(["/REPOS/a/b", "/Repos/a/b"], { status: 404, code: "PROXY_NO_ROUTE" });
  });

  it("SEC-16 a trailing slash on a denied path is denied (or refused as a bad path)", async () => {
    for (const target of ["/user/keys/", "/admin/", "/orgs/a/members/"]) {
      const res = await fx.nothingForwarded(() => fx.send({ target }));
      expect([`${res.status} ${res.code}`]).toEqual([expect.toBeOneOf(["403 PROXY_PATH_DENIED", "400 PROXY_BAD_PATH"])]);
    }
  });

  it("SEC-16 /user/keys// and /user/keys/. are bad paths", async () => {
    await allRefused(["/user/keys//", "/user/keys/."], BAD_PATH);
  });

  it("SEC-19 percent-encoded unreserved characters are decoded once before deny matching", async () => {
    await allRefused(["/user/%6beys", "/%75ser/keys", "/user/ke%79s", "/a%64min/x", "/%61%64%6d%69%6e", "/user/%6B%65%79%73"], DENIED);
  });

  it("SEC-19 the decoded form is what gets forwarded: /repos/%61/b reaches U as /api/repos/a/b", async () => {
    fx.upstream.clear();
    const res = await fx.send({ target: "/repos/%61/%62%7e" });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => r.url)).toEqual(["/api/repos/a/b~"]);
  });

  it("a deny entry covers its whole subtree", async () => {
    await allRefused(["/user/keys/1", "/user/keys/1/2/3", "/admin/x/y", "/orgs/acme/members/bob"], DENIED);
  });

  it("a deny entry covers a trailing format suffix", async () => {
    await allRefused(["/user/keys.json", "/user/keys.xml", "/user/keys.", "/orgs/acme/Members.json", "/ADMIN.json"], DENIED);
  });

  it("path parameters (;x) that Tomcat or Spring would strip are refused", async () => {
    await allRefused(["/user/keys;x=1", "/user;/keys", "/repos/a/b;jsessionid=1", "/admin;"], BAD_PATH);
  });

  it("Unicode compatibility forms (fullwidth letters) of a denied path are denied (NFKC)", async () => {
    // ｕ (U+FF55) and ａ (U+FF41), percent-encoded UTF-8.
    await allRefused(["/%EF%BD%95ser/keys", "/%EF%BD%81dmin", "/user/%EF%BD%8Beys"], DENIED);
  });

  it("compatibility characters that fold to ASCII (Kelvin sign, long s, fullwidth capitals) are denied", async () => {
    // K (U+212A) → K, ſ (U+017F) → s, ＫＥＹＳ (U+FF2B…) → KEYS; then ASCII case folding.
    await allRefused(["/user/%E2%84%AAeys", "/u%C5%BFer/keys", "/user/%EF%BC%AB%EF%BC%A5%EF%BC%B9%EF%BC%B3"], DENIED);
  });

  it("suffix and subtree combined, encoded trailing dots and double extensions are denied", async () => {
    await allRefused(["/user/keys.json/x", "/user/keys%2e", "/user/keys..json", "/user/keys.tar.gz", "/orgs/acme/members.xml"], DENIED);
    await fx.refused({ as: "exec", provider: "stripe", target: "/v1/Admin.json/x" }, 403, "PROXY_PATH_DENIED");
  });

  it("trailing spaces and dots that Windows and IIS drop from a segment cannot dodge a deny", async () => {
    await allRefused(["/user/keys%20", "/user/keys%20.%20", "/user%20/keys"], DENIED);
  });

  it("deny is checked before allow, for every method, also in transparent mode", async () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "POST", "DELETE", "PATCH"]) {
      await fx.refused({ as: "exec", provider: "stripe", method, target: "/v1/admin/users", ...(method === "POST" || method === "PATCH" ? { body: "{}" } : {}) }, 403, "PROXY_PATH_DENIED");
    }
    await fx.refused({ as: "exec", method: "DELETE", target: "/user/keys/1" }, 403, "PROXY_PATH_DENIED");
    await fx.refused({ as: "exec", provider: "stripe", target: "/V1/Admin" }, 403, "PROXY_PATH_DENIED");
  });

  it("paths next to a denied one stay allowed (deny is a segment match, not a prefix of characters)", async () => {
    fx.upstream.clear();
    const res = await fx.send({ target: "/user/keysmith" });
    expect(res.status).toBe(200);
    const other = await fx.send({ target: "/user/admin" });
    expect(other.status).toBe(200);
    expect(fx.upstream.requests.map((r) => r.url)).toEqual(["/api/user/keysmith", "/api/user/admin"]);
  });

  it("the query never influences path rules: a denied path with a query is denied, a query that spells one is inert", async () => {
    await fx.refused({ target: "/user/keys?x=/repos/a/b" }, 403, "PROXY_PATH_DENIED");
    fx.upstream.clear();
    const res = await fx.send({ target: "/repos/a/b?next=/../../user/keys" });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => r.url)).toEqual(["/api/repos/a/b?next=/../../user/keys"]);
  });
});

describe("decide == forward (invariants 2 and 3)", () => {
  it("for every provider, the forwarded target stays under base_url's path prefix on U's origin", async () => {
    const prefix: Record<string, string> = { github: "/api/", stripe: "/stripe/", legacy: "/legacy/", jira: "/jira/", binance: "/bn/", oauthsvc: "/oa/", custom: "/custom/", store: "/store/" };
    for (const provider of ALL_PROVIDERS) {
      fx.upstream.clear();
      const res = await fx.send({ as: "exec", provider, target: `${BASE_PATH[provider]}/c` });
      expect({ provider, status: res.status }).toEqual({ provider, status: 200 });
      const [rec] = fx.upstream.requests;
      expect({ provider, url: rec?.url.split("?")[0] }).toEqual({ provider, url: `${prefix[provider]}${BASE_PATH[provider]!.slice(1)}/c` });
    }
    expect(fx.evil.requests).toHaveLength(0);
  });

  it("reserved sub-delimiters are forwarded byte for byte as evaluated", async () => {
    fx.upstream.clear();
    const res = await fx.send({ as: "exec", provider: "stripe", target: "/v1/a!$&'()*+,=:@b/c" });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => r.url)).toEqual(["/stripe/v1/a!$&'()*+,=:@b/c"]);
  });

  it("non-ASCII is matched and forwarded in one canonical spelling (uppercase percent-encoded UTF-8)", async () => {
    fx.upstream.clear();
    const lower = await fx.send({ target: "/%c3%bcn%c3%af/x" });
    const upper = await fx.send({ target: "/%C3%BCn%C3%AF/x" });
    expect([lower.status, upper.status]).toEqual([200, 200]);
    expect(fx.upstream.requests.map((r) => r.url)).toEqual(["/api/%C3%BCn%C3%AF/x", "/api/%C3%BCn%C3%AF/x"]);
  });

  it("a @ in the path cannot turn into userinfo pointing at another host", async () => {
    fx.upstream.clear();
    const res = await fx.send({ as: "exec", provider: "stripe", target: `/@127.0.0.66:${fx.evil.port}/steal` });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => r.url)).toEqual([`/stripe/@127.0.0.66:${fx.evil.port}/steal`]);
    expect(fx.evil.requests).toHaveLength(0);
  });

  it("a query with characters a URL serialiser would re-encode is forwarded exactly as the proxy decided", async () => {
    fx.upstream.clear();
    const res = await fx.send({ as: "exec", provider: "stripe", target: `/v1/x?q="ab"&t=<y>&k=%41&s='z'` });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => r.url)).toEqual(["/stripe/v1/x?q=%22ab%22&t=%3Cy%3E&k=%41&s=%27z%27"]);
  });
});

it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
  expectNoLeaks(fx);
});
