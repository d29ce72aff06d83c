import type { ScenarioRequest, ScenarioResponse } from "@outpost/core/testing";

export interface Answered {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The error code of a proxy-made answer, if it is one. */
  readonly code: string | undefined;
}

type Send = (request: ScenarioRequest) => Promise<ScenarioResponse>;

/** One request from a loopback client (the default hosts allow loopback) to `provider`, read whole. */
export async function call(send: Send, provider: string, target: string, init: Omit<Partial<ScenarioRequest>, "target"> = {}): Promise<Answered> {
  const res = await send({ ...init, target, headers: [["X-Provider", provider], ...(init.headers ?? [])], from: init.from ?? "127.0.0.1" });
  const text = await new Response(res.body).text();
  let code: string | undefined;
  try {
    code = JSON.parse(text)?.error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, headers: res.headers, text, code };
}

/** Provider YAML for a loopback upstream, with `extra` appended (indented as given). */
export function providerYaml(name: string, baseUrl: string, extra: string): { file: string; text: string } {
  return { file: `${name}.yaml`, text: `name: ${name}\nbase_url: ${baseUrl}\n${extra}\n` };
}

/** Polls `probe` until it returns a value (background writes land via `waitUntil`), up to `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 3_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
