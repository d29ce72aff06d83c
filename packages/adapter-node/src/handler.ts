import type { IncomingMessage, ServerResponse } from "node:http";
import type { Gateway } from "@outpost/core";
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
  const { gateway } = options;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    gateway
      .handle(requestInfoOf(req))
      .then((outcome) => (outcome.kind === "read-body" ? readBody(req, outcome.maxBytes).then((body) => outcome.resume(body)) : outcome))
      .then(
        (outcome) => {
          if (outcome.kind === "answer") sendAnswer(req, res, outcome.answer);
          else if (outcome.kind === "forward") forward(outcome.plan, req, res, upstream);
          else sendAnswer(req, res, INTERNAL_ERROR);
        },
        () => sendAnswer(req, res, INTERNAL_ERROR),
      );
  };
  return Object.assign(handler, { close: () => (options.upstream ? Promise.resolve() : upstream.close()) });
}
