import { createGateway, type Gateway, loadConfig, secretsFromRecord, type Storage } from "../../src/index.js";
import { memoryStorage } from "../../src/storage/memory-storage.js";
import { createFakeClock, type FakeClock } from "../../src/testing/fake-clock.js";

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: string;
}

/** Scripted answers by the last path segment, like the Node recording upstream. */
export type Script = (path: string, request: Request) => Response | undefined | Promise<Response | undefined>;

export interface Fixture {
  readonly gateway: Gateway;
  readonly clock: FakeClock;
  readonly storage: Storage;
  readonly upstream: Recorded[];
  /** Sends from a host: "a" (10.0.0.1, sensitive allowed) or "b" (10.0.0.2). */
  send(target: string, init?: { from?: "a" | "b"; method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
}

const HOSTS = `hosts:
  - {id: a, cidrs: ["10.0.0.1/32"], can_call_sensitive: true}
  - {id: b, cidrs: ["10.0.0.2/32"], can_call_sensitive: true}
`;

/** A gateway over a fake clock and a stub upstream `fetch` that records what it receives (R10). */
export function createFixture(providerYaml: string, options: { storage?: Storage; script?: Script } = {}): Fixture {
  const clock = createFakeClock(Date.UTC(2026, 10, 28));
  const storage = options.storage ?? memoryStorage({ clock });
  const upstream: Recorded[] = [];
  let counter = 0;
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    upstream.push({ method: request.method, url: url.pathname + url.search, headers: request.headers, body: await request.text() });
    counter++;
    return (await options.script?.(url.pathname, request)) ?? new Response(JSON.stringify({ n: counter }), { headers: { "content-type": "application/json" } });
  };
  const config = loadConfig({
    providers: [{ file: "p.yaml", text: providerYaml }],
    hosts: { file: "hosts.yaml", text: HOSTS },
    secrets: secretsFromRecord({ P_TOKEN: "p-token" }),
  });
  const gateway = createGateway(config, { clock, storage, fetch });
  return {
    gateway,
    clock,
    storage,
    upstream,
    send: (target, init = {}) =>
      gateway.fetch(
        new Request(`http://outpost${target}`, {
          method: init.method ?? "GET",
          headers: { "X-Provider": "p", ...init.headers },
          ...(init.body !== undefined ? { body: init.body } : {}),
        }),
        { clientAddress: init.from === "b" ? "10.0.0.2" : "10.0.0.1", rawTarget: target },
      ),
  };
}

/** Lets queued microtasks and background writes settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 5));
}
