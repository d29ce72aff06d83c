import type { ConfigSource } from "../config/yaml-source.js";

/** One request as the agent sends it. */
export interface ScenarioRequest {
  /** @default "GET" */
  readonly method?: string;
  /** The request-target, sent verbatim (no URL normalisation). */
  readonly target: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Uint8Array | string;
  /** Client address: the socket's source address on Node, `CF-Connecting-IP` on Workers. */
  readonly from?: string;
}

export interface ScenarioResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
}

/** What the recording upstream saw, never normalised. */
export interface RecordedUpstreamRequest {
  readonly method: string;
  /** Raw request-target. */
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly body: Uint8Array;
  /** Epoch ms at which each SSE event was written (the `sse` behaviour). */
  readonly sseSentAt: readonly number[];
}

export interface ScenarioUpstream {
  /** `http://127.0.0.x:PORT` */
  readonly url: string;
  readonly requests: readonly RecordedUpstreamRequest[];
  clear(): void;
}

export interface ScenarioUpstreams {
  /** The recording upstream U (behaviours chosen by the last path segment). */
  readonly upstream: ScenarioUpstream;
  /** The evil origin E: anything it records fails the test. */
  readonly evil: ScenarioUpstream;
  /** An origin where nothing listens. */
  readonly closedUrl: string;
  stop(): Promise<void>;
}

export interface ProxyConfigTexts {
  readonly providers: readonly ConfigSource[];
  readonly hosts?: ConfigSource;
  readonly secrets: Readonly<Record<string, string>>;
  readonly trustedProxies?: string;
  readonly defaultProvider?: string;
}

export interface RawExchange {
  readonly status: number;
  readonly body: string;
}

export interface ProxyUnderTest {
  request(request: ScenarioRequest): Promise<ScenarioResponse>;
  /** Every log line the proxy wrote so far. */
  logLines(): readonly string[];
  /**
   * Exact bytes over one TCP connection, for parser-level cases. Absent where the runtime has no
   * raw sockets (workerd): those scenarios are reported as not applicable, with that reason.
   */
  readonly raw?: (data: string, from?: string) => Promise<readonly RawExchange[]>;
  /**
   * The request-target as the proxy will receive it, where the platform parses URLs before the
   * proxy runs (Workers: dot segments, `\` and `#` are resolved in `request.url`). Absent where the
   * proxy sees targets as sent. Spellings it changes are checked in their resolved form, and reported.
   */
  readonly platformTarget?: (target: string) => string;
  stop(): Promise<void>;
}

/** How a runtime plugs into the shared HTTP scenario suite (DESIGN §9). */
export interface ScenarioHarness {
  readonly name: string;
  startUpstreams(): Promise<ScenarioUpstreams>;
  startProxy(config: ProxyConfigTexts): Promise<ProxyUnderTest>;
}
