import type { ScenarioHarness } from "@outpost/core/testing";
import { startLoopbackUpstreams } from "@outpost/test-support";
import { startWorkerdProxy } from "./workerd-proxy.js";

/** The shared HTTP scenario suite against the Worker in workerd, on KV + Durable Object storage. */
export const workerdHarness: ScenarioHarness = {
  name: "workerd (the Worker in Miniflare, KV + Durable Object storage)",
  startUpstreams: startLoopbackUpstreams,
  startProxy: (texts) => startWorkerdProxy(texts),
};
