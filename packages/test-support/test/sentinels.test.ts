import { describe, expect, it } from "vitest";
import { assertNoLeaks, basicForms, createSentinels, findLeaks, sentinelForms } from "../src/index.js";

const secrets = createSentinels(["GH_TOKEN", "jira-token"]);
const gh = secrets["GH_TOKEN"] as string;

describe("sentinels", () => {
  it("are SNTL_<NAME>_<32 hex>, random per call", () => {
    expect(gh).toMatch(/^SNTL_GH_TOKEN_[0-9a-f]{32}$/);
    expect(secrets["jira-token"]).toMatch(/^SNTL_JIRA_TOKEN_[0-9a-f]{32}$/);
    expect(createSentinels(["GH_TOKEN"])["GH_TOKEN"]).not.toBe(gh);
  });

  it("have raw, URL-encoded, base64 and base64url forms", () => {
    expect(sentinelForms("a b/+")).toEqual(["a b/+", "a%20b%2F%2B", "YSBiLys=", "YSBiLys"]);
    expect(basicForms("u", "p")).toContain(Buffer.from("u:p").toString("base64"));
  });

  it("findLeaks finds every form and names the secret", () => {
    expect(findLeaks("nothing here", secrets)).toEqual([]);
    expect(findLeaks(`x ${gh} y`, secrets)).toEqual(["GH_TOKEN"]);
    expect(findLeaks(gh.toLowerCase(), secrets)).toEqual(["GH_TOKEN"]);
    expect(findLeaks(encodeURIComponent(`k=${gh}`), secrets)).toEqual(["GH_TOKEN"]);
    expect(findLeaks(Buffer.from(gh).toString("base64"), secrets)).toEqual(["GH_TOKEN"]);
    expect(findLeaks(Buffer.from(gh).toString("base64url"), secrets)).toEqual(["GH_TOKEN"]);
  });

  it("findLeaks finds a secret base64-encoded inside a larger text, at any alignment", () => {
    for (const prefix of ["", "u:", "us:", "user:"]) {
      const wrapped = Buffer.from(`${prefix}${gh}:tail`).toString("base64");
      expect(findLeaks(`Authorization: Basic ${wrapped}`, secrets)).toEqual(["GH_TOKEN"]);
    }
  });

  it("findLeaks scans bytes, even around invalid UTF-8", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(gh), Buffer.from([0xc3])]);
    expect(findLeaks(new Uint8Array(bytes), secrets)).toEqual(["GH_TOKEN"]);
  });

  it("reports extra forms by index", () => {
    const forms = basicForms("alice", "pw");
    expect(findLeaks(`user ${forms[0]}`, {}, forms)).toEqual(["extraForms[0]"]);
    // base64url of "alice:pw" is base64 without its padding, so both report.
    expect(findLeaks(`Basic ${forms[2]}`, {}, forms)).toEqual(["extraForms[2]", "extraForms[3]"]);
  });

  it("assertNoLeaks names the secret, never its value", () => {
    expect(() => assertNoLeaks("clean", secrets)).not.toThrow();
    let message = "";
    try {
      assertNoLeaks(`leak ${gh}`, secrets, [], "response body");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe("secret leak in response body: GH_TOKEN");
    expect(message).not.toContain(gh.slice(-32));
  });
});
