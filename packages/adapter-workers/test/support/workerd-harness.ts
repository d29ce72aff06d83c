import type { ScenarioHarness, ScenarioUpstreams } from "@outpost/core/testing";
import { freePort, type RecordingUpstream, startEvilOrigin, startRecordingUpstream } from "@outpost/test-support";
import { startWorkerdProxy } from "./workerd-proxy.js";

/** The recording upstream U, the evil origin E and a closed port, all on loopback in this process. */
export type LoopbackUpstreams = Omit<ScenarioUpstreams, "upstream" | "evil"> & { readonly upstream: RecordingUpstream; readonly evil: RecordingUpstream };

export async function startLoopbackUpstreams(): Promise<LoopbackUpstreams> {
  const evil = await startEvilOrigin();
  const upstream = await startRecordingUpstream({ evilUrl: evil.url });
  const closedPort = await freePort();
  return {
    upstream,
    evil,
    closedUrl: `http://127.0.0.1:${closedPort}`,
    stop: async () => {
      await upstream.close();
      await evil.close();
    },
  };
}

/** The shared HTTP scenario suite against the Worker in workerd, on KV + Durable Object storage. */
export const workerdHarness: ScenarioHarness = {
  name: "workerd (the Worker in Miniflare, KV + Durable Object storage)",
  startUpstreams: startLoopbackUpstreams,
  startProxy: (texts) => startWorkerdProxy(texts),
};
