import { describe, expect, it } from "vitest";
import { ConfigError, type ConfigIssue } from "../errors/config-error.js";
import { parseYamlSource, parseYamlSourceForReuse } from "./yaml-source.js";

/** Joins rows into a YAML text: row i is line i + 1, which keeps expected lines readable. */
const yaml = (...rows: string[]) => `${rows.join("\n")}\n`;

function parseIssues(text: string, file = "github.yaml"): ConfigIssue[] {
  try {
    parseYamlSource({ file, text });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseYamlSource: values and lines", () => {
  const parsed = parseYamlSource({
    file: "github.yaml",
    text: yaml(
      "name: github", // 1
      "base_url: https://api.github.com", // 2
      "auth: {type: bearer_static, env: GH_TOKEN}", // 3
      "forwarding:", // 4
      "  mode: allowlist", // 5
      "  allow:", // 6
      "    - pattern: /repos/**", // 7
      "      methods: [GET, HEAD]", // 8
      "    - {pattern: /user, method: GET}", // 9
      "  deny:", // 10
      '    - "/user/keys"', // 11
    ),
  });

  it("returns the plain JS value", () => {
    expect(parsed.value).toEqual({
      name: "github",
      base_url: "https://api.github.com",
      auth: { type: "bearer_static", env: "GH_TOKEN" },
      forwarding: {
        mode: "allowlist",
        allow: [
          { pattern: "/repos/**", methods: ["GET", "HEAD"] },
          { pattern: "/user", method: "GET" },
        ],
        deny: ["/user/keys"],
      },
    });
  });

  it.each<[(string | number)[], number]>([
    [["name"], 1],
    [["base_url"], 2],
    [["auth"], 3],
    [["auth", "env"], 3], // a flow mapping on one line
    [["forwarding"], 4],
    [["forwarding", "mode"], 5],
    [["forwarding", "allow"], 6],
    [["forwarding", "allow", 0], 7],
    [["forwarding", "allow", 0, "methods"], 8],
    [["forwarding", "allow", 0, "methods", 1], 8],
    [["forwarding", "allow", 1, "method"], 9],
    [["forwarding", "deny", 0], 11],
  ])("lineOf(%j) = %i", (path, line) => {
    expect(parsed.lineOf(path)).toBe(line);
  });

  it("falls back to the nearest existing ancestor for a missing field", () => {
    expect(parsed.lineOf(["forwarding", "allow", 0, "nope"])).toBe(7);
    expect(parsed.lineOf(["forwarding", "allow", 5])).toBe(6);
    expect(parsed.lineOf(["forwarding", "timeout_ms"])).toBe(4);
    expect(parsed.lineOf(["missing"])).toBe(1);
    expect(parsed.lineOf([])).toBe(1);
  });

  it("keeps numbers, booleans and nulls as YAML 1.2 core types (no yes/no booleans)", () => {
    const { value } = parseYamlSource({ file: "x.yaml", text: yaml("a: 1", "b: true", "c: yes", "d: ~", "e: '010'", "f: 010") });
    expect(value).toEqual({ a: 1, b: true, c: "yes", d: null, e: "010", f: 10 });
  });

  it("parses an empty document to null", () => {
    expect(parseYamlSource({ file: "x.yaml", text: "" }).value).toBeNull();
  });
});

describe("parseYamlSource: invalid YAML is refused with file and line (SEC-109)", () => {
  it("a tab in the indentation", () => {
    const issues = parseIssues(
      yaml(
        "name: github", // 1
        "base_url: https://api.github.com", // 2
        "auth:", // 3
        "\ttype: none", // 4
      ),
    );
    expect(issues).toEqual([{ file: "github.yaml", line: 4, field: "", message: expect.stringContaining("invalid YAML: Tabs") }]);
  });

  it("a tab deeper in a block", () => {
    const issues = parseIssues(yaml("name: github", "forwarding:", "  deny:", "  \t- /a"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: "github.yaml", line: 4, message: expect.stringMatching(/^invalid YAML: /) });
  });

  it("an unclosed double quote names the line where the quote opens and the field", () => {
    const issues = parseIssues(
      yaml(
        "name: github", // 1
        'base_url: "https://api.github.com', // 2
        "auth: {type: none}", // 3
        "enabled: true", // 4
      ),
    );
    expect(issues).toEqual([
      { file: "github.yaml", line: 2, field: "base_url", message: 'invalid YAML: Missing closing "quote' },
    ]);
  });

  it("an unclosed single quote inside a list", () => {
    const issues = parseIssues(
      yaml(
        "name: github", // 1
        "forwarding:", // 2
        "  deny:", // 3
        "    - /a", // 4
        "    - '/b", // 5
        "    - /c", // 6
      ),
    );
    expect(issues).toEqual([
      { file: "github.yaml", line: 5, field: "forwarding.deny[1]", message: "invalid YAML: Missing closing 'quote" },
    ]);
  });

  it("duplicate keys in one mapping name the second key, its line and field", () => {
    const issues = parseIssues(
      yaml(
        "name: github", // 1
        "forwarding:", // 2
        '  deny: ["/a"]', // 3
        "  mode: allowlist", // 4
        '  deny: ["/b"]', // 5
      ),
    );
    expect(issues).toEqual([
      { file: "github.yaml", line: 5, field: "forwarding.deny", message: "invalid YAML: Map keys must be unique" },
    ]);
  });

  it("duplicate top-level keys", () => {
    const issues = parseIssues(yaml("name: github", "auth: {type: none}", "name: other"));
    expect(issues).toEqual([{ file: "github.yaml", line: 3, field: "name", message: "invalid YAML: Map keys must be unique" }]);
  });

  it("duplicate keys inside a flow mapping in a list", () => {
    const issues = parseIssues(yaml("forwarding:", "  allow:", "    - /x", "    - {pattern: /a, pattern: /b}"));
    expect(issues).toEqual([
      { file: "github.yaml", line: 4, field: "forwarding.allow[1].pattern", message: "invalid YAML: Map keys must be unique" },
    ]);
  });

  it("the same key in two different mappings is fine", () => {
    expect(() => parseYamlSource({ file: "x.yaml", text: yaml("a: {k: 1}", "b: {k: 2}") })).not.toThrow();
  });

  it("several documents in one file", () => {
    const issues = parseIssues(yaml("name: a", "---", "name: b"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: "github.yaml", line: 2, field: "" });
  });

  it("an unclosed flow sequence", () => {
    const issues = parseIssues(yaml("name: github", "forwarding:", "  deny: [/a, /b", "mode: x"));
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue).toMatchObject({ file: "github.yaml", line: expect.any(Number) });
  });

  it("an unresolved alias is a ConfigError, not a crash", () => {
    const issues = parseIssues(yaml("name: github", "auth: *nope"));
    expect(issues).toEqual([{ file: "github.yaml", line: undefined, field: "", message: expect.stringContaining("invalid YAML") }]);
  });

  it("an alias bomb is a ConfigError, not a crash", () => {
    const rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      rows.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const issues = parseIssues(yaml(...rows));
    expect(issues[0]).toMatchObject({ file: "github.yaml", message: expect.stringContaining("invalid YAML") });
  });

  it("the error message carries the file and the line", () => {
    try {
      parseYamlSource({ file: "providers/github.yaml", text: yaml("name: github", "auth:", "\ttype: none") });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^providers\/github\.yaml:3: invalid YAML: Tabs/);
    }
  });
});

describe("parseYamlSourceForReuse: one parse for the plugin references and the configuration", () => {
  // Start-up reads each provider file twice (plugin references, then the configuration); a parse
  // allocates about a thousand times the text in short-lived objects, so it must happen once, and
  // must not stay alive afterwards with a source object its caller keeps.
  it("the next parseYamlSource of the same object takes the kept parse; after that it parses anew", () => {
    const source = { file: "p.yaml", text: "name: p\nlist: [1, 2]\n" };
    const kept = parseYamlSourceForReuse(source);
    expect(parseYamlSource(source)).toBe(kept);
    const again = parseYamlSource(source);
    expect(again).not.toBe(kept);
    expect(again.value).toEqual(kept.value);
    expect(parseYamlSource({ ...source })).not.toBe(again);
  });

  it("a text that does not parse fails the same way both times", () => {
    const source = { file: "bad.yaml", text: "a: 1\na: 2\n" };
    let first: unknown;
    try {
      parseYamlSourceForReuse(source);
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(ConfigError);
    expect(() => parseYamlSource(source)).toThrow(first as Error);
  });
});
