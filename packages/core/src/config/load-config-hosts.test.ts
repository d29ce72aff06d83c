import { describe, expect, it } from "vitest";
import { src, github, load, issuesOf, hostsWith } from "./load-config-test-kit.js";

describe("loadConfig: CIDRs (SEC-114)", () => {
  const BAD: [string, RegExp][] = [
    ["10.0.3.10/3s", /prefix "3s"/],
    ["10.0.1.0/33", /longer than 32/],
    ["010.0.1.0/24", /leading zero/],
    ["10.0.1/24", /four dotted/],
    ["0x0a.0.1.0/24", /hex/],
    ["10.0.1.5/24", /host bits set; did you mean 10\.0\.1\.0\/24\?/],
  ];

  it.each(BAD)("%s in cidrs", (cidr, reason) => {
    const hosts = src("hosts.yaml", "hosts:", "  - id: a", "    cidrs:", '      - "10.9.0.0/16"', `      - "${cidr}"`);
    const issues = issuesOf({ hosts });
    expect(issues).toEqual([{ file: "hosts.yaml", line: 5, field: "hosts[0].cidrs[1]", message: expect.stringMatching(reason) }]);
    expect(issues[0]!.message).toContain(`"${cidr}"`);
    expect(issues[0]!.message).not.toMatch(/invalid CIDR.*invalid CIDR/);
  });

  it.each(BAD)("%s in trusted_proxies", (cidr, reason) => {
    const hosts = src("hosts.yaml", "trusted_proxies:", '  - "10.0.0.5/32"', `  - "${cidr}"`, "hosts:", "  - id: a", '    cidrs: ["10.0.1.0/24"]');
    expect(issuesOf({ hosts })).toEqual([
      { file: "hosts.yaml", line: 3, field: "trusted_proxies[1]", message: expect.stringMatching(reason) },
    ]);
  });

  it.each(BAD)("%s in the TRUSTED_PROXIES env string", (cidr, reason) => {
    const issues = issuesOf({ trustedProxies: `10.0.0.5/32, ${cidr}` });
    expect(issues).toEqual([{ file: "<env TRUSTED_PROXIES>", line: undefined, field: "[1]", message: expect.stringMatching(reason) }]);
    expect(issues[0]!.message).toContain(`"${cidr}"`);
  });

  it("accepts canonical v4, v6 and bare addresses everywhere", () => {
    const hosts = src(
      "hosts.yaml",
      'trusted_proxies: ["10.0.0.5/32", "10.0.0.6", "fd00::1/128"]',
      "hosts:",
      "  - id: a",
      '    cidrs: ["10.0.1.0/24", "0.0.0.0/0", "::/0", "2001:db8::/32", "192.168.1.1"]',
    );
    expect(() => load({ hosts, trustedProxies: "10.1.0.0/16,::1" })).not.toThrow();
  });

  it("an empty TRUSTED_PROXIES is no proxies", () => {
    expect(load({ trustedProxies: "  " }).hasTrustedProxies).toBe(false);
  });
});

describe("loadConfig: hosts", () => {
  it("duplicate host ids name the second", () => {
    const hosts = src("hosts.yaml", "hosts:", "  - id: a", '    cidrs: ["10.0.1.0/24"]', "  - id: a", '    cidrs: ["10.0.2.0/24"]');
    expect(issuesOf({ hosts })).toEqual([{ file: "hosts.yaml", line: 4, field: "hosts[1].id", message: 'duplicate host id "a"' }]);
  });

  it("a host granting an unknown provider; a disabled one is fine", () => {
    const off = src("slack.yaml", "name: slack", "enabled: false", "base_url: https://slack.com/api", "auth: {type: none}");
    const hosts = hostsWith('    cidrs: ["10.0.1.0/24"]', "    providers:", "      - github", "      - slack", "      - gitlab");
    expect(issuesOf({ providers: [github(), off], hosts })).toEqual([
      { file: "hosts.yaml", line: 7, field: "hosts[0].providers[2]", message: 'unknown provider "gitlab"' },
    ]);
  });
});
