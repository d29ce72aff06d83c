import type { ProxyConfigTexts, ProxyUnderTest, ScenarioRequest, ScenarioResponse } from "@outpost/core/testing";
import { Miniflare, type WorkerOptions } from "miniflare";
import { testWorkerScript } from "./bundle.js";
import { edgeHeaders, socketRequest } from "./edge-request.js";

export const COMPATIBILITY_DATE = "2026-04-20";

/** Workers' bindings for the test Worker: config texts as a var, secrets as secrets, KV and the DO. */
export async function workerOptions(name: string, texts: ProxyConfigTexts, doScript?: string): Promise<WorkerOptions> {
  const vars: Record<string, string> = { ...texts.secrets };
  if (texts.trustedProxies !== undefined) vars.TRUSTED_PROXIES = texts.trustedProxies;
  if (texts.defaultProvider !== undefined) vars.DEFAULT_PROVIDER = texts.defaultProvider;
  return {
    name,
    modules: true,
    script: await testWorkerScript(),
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { ...vars, OUTPOST_TEST_CONFIG: JSON.stringify({ providers: texts.providers, hosts: texts.hosts }) },
    // One namespace id, so several workers (isolates) of one Miniflare share the same KV.
    kvNamespaces: { OUTPOST_KV: "outpost-kv" },
    durableObjects: { OUTPOST_COORDINATOR: { className: "OutpostCoordinator", useSQLite: true, ...(doScript ? { scriptName: doScript } : {}) } },
    // Miniflare strips CF-Connecting-IP from subrequests like the platform does; keep it, so the
    // scenarios prove that core itself never forwards the agent's address headers.
    stripCfConnectingIp: false,
  };
}

export interface WorkerdProxy extends ProxyUnderTest {
  readonly mf: Miniflare;
  /** Sends to a named worker (isolate) of this Miniflare; `request` goes to the first. */
  requestTo(worker: string, request: ScenarioRequest): Promise<ScenarioResponse>;
  /** Every KV put/delete the gateway made so far, and a reset of that count. */
  kvWrites(): Promise<string[]>;
  resetKvWrites(): Promise<void>;
  /** Every gateway event the Worker's `onEvent` received so far. */
  events(): Promise<Record<string, unknown>[]>;
}

/** The Worker in workerd, one isolate per name in `workers` (the first one when omitted). */
export async function startWorkerdProxy(
  texts: ProxyConfigTexts,
  workers: readonly string[] = ["outpost"],
  overrides: Partial<WorkerOptions> = {},
): Promise<WorkerdProxy> {
  const lines: string[] = [];
  const options = await Promise.all(
    workers.map(async (name, i) => ({ ...(await workerOptions(name, texts, i === 0 ? undefined : workers[0])), ...overrides }) as WorkerOptions),
  );
  const mf = new Miniflare({
    workers: options,
    handleStructuredLogs: ({ message }) => {
      lines.push(...message.split("\n").filter((l) => l !== ""));
    },
  });
  const url = await mf.ready;
  const testHook = async <T = string[]>(path: string) => (await (await mf.dispatchFetch(`http://outpost.test${path}`)).json()) as T;
  return {
    mf,
    request: (request) => socketRequest(url, request),
    requestTo: (worker, request) => dispatchTo(mf, worker, request),
    logLines: () => lines,
    // Workers only see the WHATWG-parsed URL (the edge, and Miniflare's entry, parse it first).
    platformTarget: (target) => {
      const parsed = new URL(`http://outpost.test${target}`);
      return parsed.pathname + parsed.search;
    },
    kvWrites: () => testHook("/__test__/kv-writes"),
    resetKvWrites: async () => void (await testHook("/__test__/kv-writes/reset")),
    events: () => testHook<Record<string, unknown>[]>("/__test__/events"),
    stop: () => mf.dispose(),
  };
}

/** `mf.getWorker()` is typed against workers-types, which this package does not install. */
type WorkerFetcher = { fetch(url: string, init: RequestInit): Promise<Response> };

/** A request straight to one named worker (isolate), bypassing the socket: headers are simple here. */
async function dispatchTo(mf: Miniflare, worker: string, request: ScenarioRequest): Promise<ScenarioResponse> {
  const body = request.body === undefined ? undefined : typeof request.body === "string" ? request.body : new Uint8Array(request.body);
  const headers = edgeHeaders(request.headers ?? [], request.from ?? "127.0.0.1");
  const fetcher = (await mf.getWorker(worker)) as unknown as WorkerFetcher;
  const res = await fetcher.fetch(`http://outpost.test${request.target}`, { method: request.method ?? "GET", headers, body, redirect: "manual" });
  return { status: res.status, headers: new Headers([...res.headers]), body: res.body as ReadableStream<Uint8Array> | null };
}
