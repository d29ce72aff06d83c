import type { IncomingMessage, ServerResponse } from "node:http";
import type { Gateway, Outcome } from "@outpost/core";
import { forward } from "./forward.js";
import { readBody } from "./read-body.js";
import { requestInfoOf } from "./request-info.js";
import { sendAnswer } from "./send-answer.js";
import { createUpstreamClient, type UpstreamClient } from "./upstream-client.js";

export interface OutpostHandlerOptions {
  readonly gateway: Gateway;
  /** @default a keep-alive undici client owned by the handler */
  readonly upstream?: UpstreamClient;
}

export interface OutpostHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** The gateway (configuration) that decides requests starting now. */
  readonly gateway: Gateway;
  /**
   * Hot reload: requests that start from now on go to `next`; requests already started finish
   * on the gateway they started with (a stream keeps flowing). One reference changes, so a
   * request sees one configuration or the other, never a mix. Upstream pools are kept.
   */
  swap(next: Gateway): void;
  /** Closes the upstream connection pools (when the handler created them). */
  close(): Promise<void>;
}

const INTERNAL_ERROR = {
  status: 500,
  headers: ["Content-Type", "application/json; charset=utf-8"],
  body: JSON.stringify({ status: "FAILURE", error: { code: "PROXY_INTERNAL_ERROR", message: "internal error", metadata: null } }),
};

/**
 * A `(req, res)` handler for `node:http`, Express or any Connect-style server. Mounted under a
 * prefix (Express `app.use("/outpost", handler)`), it sees the path below the prefix.
 */
export function createOutpostHandler(options: OutpostHandlerOptions): OutpostHandler {
  const upstream = options.upstream ?? createUpstreamClient();
  let current = options.gateway;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    // Read once: everything below (body resume, forwarding, the log line) uses this request's gateway.
    // The common outcomes are acted on in the first reaction: no extra promise and turn per request.
    const act = (outcome: Outcome) => {
      if (outcome.kind === "answer") sendAnswer(req, res, outcome.answer);
      else if (outcome.kind === "forward") forward(outcome.plan, req, res, upstream);
      else sendAnswer(req, res, INTERNAL_ERROR);
    };
    const failed = () => sendAnswer(req, res, INTERNAL_ERROR);
    current.handle(requestInfoOf(req)).then((outcome) => {
      if (outcome.kind !== "read-body") return act(outcome);
      return readBody(req, outcome.maxBytes)
        .then((body) => outcome.resume(body))
        .then(act, failed);
    }, failed);
  };
  return Object.defineProperties(handler, {
    gateway: { get: () => current, enumerable: true },
    swap: { value: (next: Gateway) => void (current = next) },
    close: { value: () => (options.upstream ? Promise.resolve() : upstream.close()) },
  }) as OutpostHandler;
}
