/**
 * Outpost in-process for the SDK tests: the built-in provider YAMLs from `providers/`, enabled and
 * pointed at a loopback fake upstream, loaded through the Node adapter's own config loader (a
 * providers directory + an env record), served by the real Node server on a random port.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLineSink, findLeaks, type LineSink } from "@outpost/test-support";
import { expect } from "vitest";
import { createJsonLogger, loadNodeConfig, type RunningServer, startServer } from "../../../src/index.js";
import type { ApiRequest } from "./fake-api.js";

/** The repository's built-in provider catalogue. */
export const BUILT_IN_PROVIDERS = fileURLToPath(new URL("../../../../../providers/", import.meta.url));

/** Replaces the one line `^<key>: …$` of a top-level key; fails loudly if the YAML changed shape. */
function replaceTopLevel(text: string, key: string, value: string): string {
  const line = new RegExp(`^${key}:.*$`, "m");
  const matches = text.match(new RegExp(line.source, "gm")) ?? [];
  if (matches.length !== 1) throw new Error(`expected exactly one top-level "${key}:" line, found ${matches.length}`);
  return text.replace(line, `${key}: ${value}`);
}

/**
 * The text of `providers/<name>.yaml` with `enabled: true` and `base_url` set to the fake upstream
 * (comments, rules, auth and headers untouched). `extraTopLevel` appends whole top-level lines.
 */
export function builtInProviderText(name: string, baseUrl: string, extraTopLevel: readonly string[] = []): string {
  let text = readFileSync(join(BUILT_IN_PROVIDERS, `${name}.yaml`), "utf8");
  text = replaceTopLevel(text, "enabled", "true");
  text = replaceTopLevel(text, "base_url", baseUrl);
  return [text.trimEnd(), ...extraTopLevel, ""].join("\n");
}

export interface OutpostUnderTest {
  readonly url: string;
  readonly port: number;
  readonly log: LineSink;
  close(): Promise<void>;
}

export interface OutpostOptions {
  /** Provider name → base URL of its fake upstream. */
  readonly providers: Readonly<Record<string, string>>;
  /** Environment the secrets are read from (never `process.env`). */
  readonly env: Readonly<Record<string, string>>;
  /** A hosts file text; without it the default `local` host (loopback, sensitive allowed). */
  readonly hosts?: string;
  /** Extra top-level YAML lines per provider. */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Writes the edited built-in YAMLs to a temp providers directory and starts Outpost on it. */
export async function startOutpost(options: OutpostOptions): Promise<OutpostUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), "outpost-sdk-providers-"));
  let running: RunningServer | undefined;
  try {
    for (const [name, baseUrl] of Object.entries(options.providers)) {
      writeFileSync(join(dir, `${name}.yaml`), builtInProviderText(name, baseUrl, options.extra?.[name]));
    }
    const config = await loadNodeConfig({
      providerDirs: [dir],
      env: options.env,
      ...(options.hosts !== undefined ? { hosts: { file: "hosts.yaml", text: options.hosts } } : {}),
    });
    const log = createLineSink();
    const logger = createJsonLogger({ write: (line) => log.write(line), warn: (line) => log.write(line) });
    running = await startServer({ config, port: 0, logger });
    const server = running;
    return { url: server.url, port: server.port, log, close: () => server.close(1000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Everything an upstream received, as one latin1 string: request line, raw header lines, body. */
export function wireText(req: ApiRequest): string {
  const headerLines: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headerLines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return [`${req.method} ${req.url}`, ...headerLines, "", Buffer.from(req.body).toString("latin1")].join("\r\n");
}

/**
 * The dummy key the SDK was given never reached the upstream, in any request, raw or encoded
 * (URL-encoded, base64 as in a Basic header); and there was at least one request to look at.
 */
export function expectDummyNeverForwarded(requests: readonly ApiRequest[], dummy: string): void {
  expect(requests.length).toBeGreaterThan(0);
  for (const req of requests) expect(findLeaks(wireText(req), { dummy }), `${req.method} ${req.url}`).toEqual([]);
}

/** None of the real secrets appears in what the agent saw (SDK results, errors) or in the log. */
export function expectNoSecretReachedAgent(seen: readonly unknown[], secrets: Record<string, string>, log: LineSink): void {
  const text = seen.map((item) => (typeof item === "string" ? item : JSON.stringify(item, errorFields))).join("\n");
  expect(findLeaks(text, secrets)).toEqual([]);
  expect(findLeaks(log.text(), secrets)).toEqual([]);
}

/** JSON.stringify loses an Error's own message and stack; keep them, they are what an agent prints. */
function errorFields(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { ...value, name: value.name, message: value.message, stack: value.stack };
  if (value instanceof Headers) return Object.fromEntries(value);
  return value;
}
