import { freePort } from "./free-port.js";
import { type RecordingUpstream, startEvilOrigin, startRecordingUpstream } from "./recording-upstream.js";

/** The recording upstream U, the evil origin E (U's redirects point there) and a port where nothing listens. */
export interface LoopbackUpstreams {
  readonly upstream: RecordingUpstream;
  readonly evil: RecordingUpstream;
  /** `http://127.0.0.1:<closed port>` */
  readonly closedUrl: string;
  stop(): Promise<void>;
}

/** What every runtime's scenario harness starts in the Node test process (security-cases.md fixture). */
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
