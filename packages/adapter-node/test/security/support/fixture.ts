/**
 * The adversarial fixture of security-cases.md ("Test fixture"), started once per test file: the
 * recording upstream U, the evil origin E on 127.0.0.66, the OAuth token endpoint T, random
 * sentinel secrets, and the real Node server on a random port over a storage whose every write is
 * kept, with its JSON log lines captured. Every answer the agent receives is kept too, so a file
 * can end by scanning answers, logs and storage for any sentinel (invariant 1).
 */
import { once } from "node:events";
import { type ConfigSource, loadConfig, secretsFromRecord, type Storage } from "@outpost/core";
import { createRedisClient, redisStorage } from "@outpost/storage-redis";
import {
  basicForms,
  createLineSink,
  createSentinels,
  findLeaks,
  type LineSink,
  rawRequest,
  type RawResponses,
  type RecordingUpstream,
  startEvilOrigin,
  startRecordingUpstream,
  startTokenEndpoint,
  type TokenEndpoint,
} from "@outpost/test-support";
import { expect } from "vitest";
import { createJsonLogger, type RunningServer, type ServerLimits, startServer } from "../../../src/index.js";
import { type Caller, FROM, HOSTS, MINTED_NAMES, providerTexts, SECRET_NAMES } from "./fixture-config.js";
import { clearPrefix, REDIS_URL, testPrefix } from "../../support/redis.js";
import { type RecordingStorage, recordingStorage } from "./recording-storage.js";

export { ALL_PROVIDERS, BASE_PATH, type Caller, FROM, PROVIDER_SECRET, RESEARCH_GRANTS } from "./fixture-config.js";

export interface AgentRequest {
  /** Fixture host sending it; research and exec add their PSK unless `psk` says otherwise. @default "research" (D0) */
  readonly as?: Caller;
  /** Source address, overriding `as`. */
  readonly from?: string;
  /** @default "GET" */
  readonly method?: string;
  /** Sent verbatim on the request line. */
  readonly target: string;
  /** @default "github"; null sends no X-Provider. */
  readonly provider?: string | null;
  /** Overrides the PSK header: a value, or null for none. */
  readonly psk?: string | null;
  /** Extra header lines, verbatim and in order. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string | Uint8Array;
  /** Timeout for the whole exchange. @default 5000 */
  readonly timeoutMs?: number;
}

export interface Exchange {
  readonly status: number;
  header(name: string): string | undefined;
  readonly headers: [string, string][];
  readonly text: string;
  /** The DESIGN §3 error code when the body is the proxy's envelope. */
  readonly code: string | undefined;
  json(): any;
  /** Everything received, framing included. */
  readonly responses: RawResponses;
}

export interface Fixture {
  readonly secrets: Readonly<Record<string, string>>;
  readonly upstream: RecordingUpstream;
  readonly evil: RecordingUpstream;
  readonly token: TokenEndpoint;
  readonly server: RunningServer;
  readonly port: number;
  /** Request log lines (one JSON object each, DESIGN §8). */
  readonly logs: LineSink;
  /** Operator warnings (`outpost: …` lines). */
  readonly warnings: LineSink;
  readonly storage: RecordingStorage;
  /** Every answer's bytes (status line, headers, body), latin1. */
  readonly transcript: string[];
  /** The request bytes for `req` (head and body). */
  bytesOf(req: AgentRequest): Buffer;
  /** Sends exact bytes from a source address; records what came back. */
  raw(data: string | Uint8Array, from?: string, options?: { expectResponses?: number; timeoutMs?: number; idleMs?: number; headRequests?: number[] }): Promise<RawResponses>;
  /** One request over a fresh connection from the caller's address. */
  send(req: AgentRequest): Promise<Exchange>;
  /**
   * Sends `req` and asserts the refusal: this status, this code in the DESIGN §3 envelope, and
   * neither U nor E received anything for it.
   */
  refused(req: AgentRequest, status: number, code: string | readonly string[]): Promise<Exchange>;
  /**
   * `refused` for many requests at once (sent concurrently): each gets this status and code, and
   * U and E receive nothing; a forwarded one is named by its URL in the failure.
   */
  refusedAll(reqs: readonly AgentRequest[], status: number, code: string | readonly string[]): Promise<Exchange[]>;
  /** Asserts nothing reached U or E while `run` ran. */
  nothingForwarded<T>(run: () => Promise<T>): Promise<T>;
  /** Sentinel names found in answers, logs, storage (outside token keys) or at E, by place. */
  leaks(): Record<string, string[]>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  readonly limits?: Partial<ServerLimits>;
  /** More providers (one YAML text each), given U's URL; every secret of the fixture is available. */
  readonly extraProviders?: (upstreamUrl: string) => ConfigSource[];
  /** Listen address. @default 127.0.0.1 */
  readonly host?: string;
  /** Storage behind the recording wrapper: in memory, or the shared Redis under a random prefix. @default "memory" */
  readonly storage?: StorageKind;
}

export type StorageKind = "memory" | "redis";

/** The storages the storage-dependent threat files run on (scoping must hold on both). */
export const STORAGE_KINDS: readonly StorageKind[] = ["memory", "redis"];

async function innerStorage(kind: StorageKind): Promise<{ storage: Storage | undefined; close(): Promise<void> }> {
  if (kind === "memory") return { storage: undefined, close: async () => {} };
  const client = createRedisClient(REDIS_URL);
  // Commands are not queued before the connection is up (enableOfflineQueue: false): wait for it.
  if (client.status !== "ready") await once(client, "ready");
  const prefix = testPrefix("security");
  return {
    storage: redisStorage({ client, keyPrefix: prefix }),
    close: async () => {
      client.disconnect();
      await clearPrefix(prefix);
    },
  };
}

function toExchange(responses: RawResponses): Exchange {
  // Interim 1xx answers (100 Continue) are not the answer.
  const first = responses.find((r) => r.status >= 200);
  if (!first) throw new Error(`no HTTP response (connection ${responses.closed ? "closed" : "open"}, error ${responses.error ?? "none"})`);
  let code: string | undefined;
  try {
    const parsed = first.json() as { error?: { code?: unknown } };
    code = typeof parsed?.error?.code === "string" ? parsed.error.code : undefined;
  } catch {
    code = undefined;
  }
  return {
    status: first.status,
    header: (name) => first.header(name),
    headers: first.headers,
    text: first.text(),
    code,
    json: () => first.json(),
    responses,
  };
}

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const secrets = createSentinels([...SECRET_NAMES, ...MINTED_NAMES]);
  const evil = await startEvilOrigin();
  const upstream = await startRecordingUpstream({ evilUrl: evil.url });
  const token = await startTokenEndpoint(MINTED_NAMES.map((n) => secrets[n]!));
  const envSecrets = Object.fromEntries(SECRET_NAMES.map((n) => [n, secrets[n]!]));
  const config = loadConfig({
    providers: [...providerTexts(upstream.url, token.url), ...(options.extraProviders?.(upstream.url) ?? [])],
    hosts: { file: "hosts.yaml", text: HOSTS },
    secrets: secretsFromRecord(envSecrets),
  });
  const logs = createLineSink();
  const warnings = createLineSink();
  const backing = await innerStorage(options.storage ?? "memory");
  const storage = recordingStorage(backing.storage);
  // As `outpost serve` builds it: JSON lines, with the configured secrets as a last-resort filter.
  const logger = createJsonLogger({ write: (line) => logs.write(line), warn: (line) => warnings.write(line), secrets: config.secretValues });
  const server = await startServer({ config, port: 0, host: options.host ?? "127.0.0.1", logger, storage, ...(options.limits ? { limits: options.limits } : {}) });
  const transcript: string[] = [];

  const bytesOf = (req: AgentRequest): Buffer => {
    const as = req.as ?? "research";
    const lines = [`${req.method ?? "GET"} ${req.target} HTTP/1.1`, "Host: proxy"];
    const provider = req.provider === undefined ? "github" : req.provider;
    if (provider !== null) lines.push(`X-Provider: ${provider}`);
    const psk = req.psk !== undefined ? req.psk : as === "research" ? secrets.PSK_R : as === "exec" ? secrets.PSK_X : null;
    if (psk !== null && psk !== undefined) lines.push(`X-Outpost-Auth: ${psk}`);
    for (const [name, value] of req.headers ?? []) lines.push(`${name}: ${value}`);
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
    const hasLength = (req.headers ?? []).some(([n]) => /^(content-length|transfer-encoding)$/i.test(n));
    if (req.body !== undefined && !hasLength) lines.push(`Content-Length: ${body.length}`);
    return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body]);
  };

  const raw: Fixture["raw"] = async (data, from = FROM.research, opts = {}) => {
    const responses = await rawRequest({ port: server.port, data, localAddress: from, timeoutMs: opts.timeoutMs ?? 5000, ...opts });
    transcript.push(Buffer.from(responses.raw).toString("latin1"));
    return responses;
  };

  const send = async (req: AgentRequest): Promise<Exchange> => {
    const from = req.from ?? FROM[req.as ?? "research"];
    const head = (req.method ?? "GET") === "HEAD";
    return toExchange(await raw(bytesOf(req), from, { expectResponses: 1, timeoutMs: req.timeoutMs ?? 5000, ...(head ? { headRequests: [0] } : {}) }));
  };

  const nothingForwarded = async <T>(run: () => Promise<T>): Promise<T> => {
    const before = { u: upstream.requests.length, e: evil.requests.length };
    const result = await run();
    expect({ upstream: upstream.requests.slice(before.u).map((r) => `${r.method} ${r.url}`), evil: evil.requests.length - before.e }).toEqual({
      upstream: [],
      evil: 0,
    });
    return result;
  };

  const refused: Fixture["refused"] = async (req, status, code) => {
    const res = await nothingForwarded(() => send(req));
    expectRefusal(req, res, status, code);
    return res;
  };

  const refusedAll: Fixture["refusedAll"] = async (reqs, status, code) => {
    const answers = await nothingForwarded(() => Promise.all(reqs.map((req) => send(req))));
    answers.forEach((res, i) => expectRefusal(reqs[i]!, res, status, code));
    return answers;
  };

  function expectRefusal(req: AgentRequest, res: Exchange, status: number, code: string | readonly string[]): void {
    const codes = typeof code === "string" ? [code] : code;
    if (req.method === "HEAD") {
      // A HEAD answer has no body to carry the envelope; its status and type still must match.
      expect({ target: req.target, status: res.status, type: res.header("content-type") }).toEqual({ target: req.target, status, type: expect.stringMatching(/^application\/json/) });
      return;
    }
    expect({ target: req.target, status: res.status, code: res.code }).toEqual({ target: req.target, status, code: expect.toBeOneOf([...codes]) });
    const body = res.json();
    expect(body.status).toBe("FAILURE");
    expect(typeof body.error.message).toBe("string");
    expect(body.error).toHaveProperty("metadata");
  }

  const leaks = (): Record<string, string[]> => {
    const extra = basicForms(secrets.JIRA_USER!, secrets.JIRA_TOKEN!);
    // Token keys hold credentials by design (bearer_store, oauth2 mints); nothing else may.
    const stored = storage.writes.filter((w) => !/^(token|oauth2):/.test(w.key)).map((w) => `${w.key}\n${w.value}`);
    const places: Record<string, string> = {
      answers: transcript.join("\n"),
      logs: logs.text(),
      warnings: warnings.text(),
      storage: stored.join("\n"),
      evil: JSON.stringify(evil.requests.map((r) => ({ ...r, body: Buffer.from(r.body).toString("latin1") }))),
    };
    const found: Record<string, string[]> = {};
    for (const [place, text] of Object.entries(places)) {
      const names = findLeaks(text, secrets, extra);
      if (names.length > 0) found[place] = names;
    }
    return found;
  };

  return {
    secrets,
    upstream,
    evil,
    token,
    server,
    port: server.port,
    logs,
    warnings,
    storage,
    transcript,
    bytesOf,
    raw,
    send,
    refused,
    refusedAll,
    nothingForwarded,
    leaks,
    close: async () => {
      await server.close(500);
      await upstream.close();
      await evil.close();
      await token.close();
      await backing.close();
    },
  };
}

/**
 * The end-of-file check every file runs: no sentinel anywhere the agent, an operator reading the
 * logs, or storage could hold it, and the evil origin never contacted. The haystacks must be
 * non-trivial, so an empty transcript cannot pass by accident.
 */
export function expectNoLeaks(fx: Fixture): void {
  expect(fx.transcript.length).toBeGreaterThan(0);
  expect(fx.logs.lines.length).toBeGreaterThan(0);
  // Every request line is one JSON object, whatever the agents sent (no log injection).
  expect(fx.logs.json().every((line) => typeof line === "object" && line !== null)).toBe(true);
  expect(fx.leaks()).toEqual({});
  expect(fx.evil.requests).toHaveLength(0);
}

/** A header's values as U recorded them (case-insensitive name). */
export function recorded(rawHeaders: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === lower) out.push(rawHeaders[i + 1]!);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
