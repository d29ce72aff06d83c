import type { ProxyUnderTest, ScenarioRequest, ScenarioUpstream, ScenarioUpstreams } from "../scenario-harness.js";
import { FROM } from "./fixture.js";

export type Caller = "research" | "exec" | "lan" | "unknown" | "trustedProxy";

export interface AgentRequest extends ScenarioRequest {
  /** Which fixture host sends it; research and exec add their PSK unless `psk` says otherwise. @default "exec" */
  readonly as?: Caller;
  /** Overrides the PSK header: a value, or null for none. */
  readonly psk?: string | null;
  /** @default "github"; null sends no X-Provider. */
  readonly provider?: string | null;
}

export interface Exchange {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  readonly text: string;
  json(): any;
}

export interface ScenarioContext {
  readonly secrets: Readonly<Record<string, string>>;
  upstream(): ScenarioUpstream;
  evil(): ScenarioUpstream;
  upstreams(): ScenarioUpstreams;
  proxy(): ProxyUnderTest;
  /** Sends as a fixture host and reads the whole answer; every answer is kept for the leak scan. */
  send(request: AgentRequest): Promise<Exchange>;
  /** Everything every answer carried (status line, headers, body), for the leak scan. */
  transcript(): string;
}

export function agentHeaders(ctx: Pick<ScenarioContext, "secrets">, request: AgentRequest): [string, string][] {
  const as = request.as ?? "exec";
  const headers: [string, string][] = [];
  const provider = request.provider === undefined ? "github" : request.provider;
  if (provider !== null) headers.push(["X-Provider", provider]);
  const psk = request.psk !== undefined ? request.psk : as === "research" ? ctx.secrets.PSK_R : as === "exec" ? ctx.secrets.PSK_X : null;
  if (psk !== null && psk !== undefined) headers.push(["X-Outpost-Auth", psk]);
  return [...headers, ...(request.headers ?? []).map(([n, v]) => [n, v] as [string, string])];
}

export async function readAll(stream: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function toExchange(status: number, headers: Headers, body: Uint8Array): Exchange {
  const text = new TextDecoder().decode(body);
  return { status, headers, body, text, json: () => JSON.parse(text) };
}

export function fromAddress(request: AgentRequest): string {
  return request.from ?? FROM[request.as ?? "exec"];
}

/** Lower-case header name → values, from a recorded raw header list. */
export function recordedHeader(rawHeaders: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if ((rawHeaders[i] as string).toLowerCase() === lower) values.push(rawHeaders[i + 1] as string);
  return values;
}
