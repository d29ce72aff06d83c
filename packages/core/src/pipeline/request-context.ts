import type { AuthModule } from "../auth/types.js";
import type { CompiledPatterns } from "../scrub/scrubber.js";
import type { CompiledConfig, CompiledHost, CompiledProvider } from "../config/compiled-config.js";
import type { ErrorCode } from "../errors/codes.js";
import type { Emit } from "../events/emit.js";
import type { Answer } from "../http/answer.js";
import type { RequestLogState } from "../logging/request-log.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { Storage } from "../ports/storage.js";
import type { AllowedRoute, Target } from "./authorize.js";
import type { ForwardOutcome } from "./forward-plan.js";

/** A provider with its runtime parts, built once per gateway. */
export interface ProviderRuntime {
  readonly provider: CompiledProvider;
  readonly auth: AuthModule;
  /** Lower-case header names the proxy sets itself (default headers, credential). */
  readonly owned: ReadonlySet<string>;
  /** Patterns scrubbed from this provider's answers; undefined when scrubbing is off or nothing to scrub. */
  scrubPatterns(): CompiledPatterns | undefined;
}

/** What every request shares: configuration and ports. */
export interface GatewayRuntime {
  readonly config: CompiledConfig;
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Reports a gateway event; undefined when nobody observes, so no event is even built. */
  readonly emit: Emit | undefined;
  /** Emits the request's log line (and its events). */
  log(state: RequestLogState, status: number, errorCode: ErrorCode | undefined, outcome?: ForwardOutcome): void;
  /** Headers every answer carries: `X-Request-Id`, and `X-Proxy-Provider` once known. */
  proxyHeaders(state: RequestLogState): string[];
  answer(state: RequestLogState, answer: Answer, errorCode?: ErrorCode): { kind: "answer"; answer: Answer };
}

/** One authorised request, after steps 1–9. */
export interface AuthorisedRequest {
  readonly method: string;
  readonly headers: readonly string[];
  readonly contentLength: number | undefined;
  readonly state: RequestLogState;
  readonly host: CompiledHost;
  readonly runtime: ProviderRuntime;
  readonly target: Target;
  readonly route: AllowedRoute;
}
