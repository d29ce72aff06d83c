/**
 * The official `@anthropic-ai/sdk` through Outpost: base URL, `X-Provider` default header, dummy
 * key. The SDK sends the key as `Authorization: Bearer …` and its own `anthropic-version`; the fake
 * Anthropic API requires the real key in `x-api-key`, no Authorization, and exactly one
 * `anthropic-version`, the one from the provider's `default_headers`. Provider: the built-in
 * providers/anthropic.yaml.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { createSentinels } from "@outpost/test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ApiRequest, clientGate, delay, type FakeApi, one, sendJson, startFakeApi, startSse } from "./support/fake-api.js";
import { BUILT_IN_PROVIDERS, expectDummyNeverForwarded, expectNoSecretReachedAgent, type OutpostUnderTest, startOutpost } from "./support/outpost.js";

const secrets = createSentinels(["anthropic_api_key"]);
const REAL_KEY = secrets.anthropic_api_key!;
const DUMMY_KEY = `sk-ant-dummy-${createSentinels(["d"]).d}`;

/** The version the built-in YAML pins (read from the file, so the test follows the catalogue). */
const YAML_VERSION = /^\s+anthropic-version:\s*"([^"]+)"\s*$/m.exec(readFileSync(join(BUILT_IN_PROVIDERS, "anthropic.yaml"), "utf8"))![1]!;

const MODEL = "claude-haiku-4-5";

function message(text: string) {
  return {
    id: "msg_01XFDUDYJgAACzvnptvVoYEL",
    type: "message",
    role: "assistant",
    model: MODEL,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 6, service_tier: "standard" },
  };
}

describe("@anthropic-ai/sdk through Outpost (providers/anthropic.yaml)", () => {
  let api: FakeApi;
  let outpost: OutpostUnderTest;
  let client: Anthropic;
  const seen: unknown[] = [];

  beforeAll(async () => {
    api = await startFakeApi({
      authorized: (req) => one(req, "x-api-key") === REAL_KEY && req.headers.authorization === undefined,
      unauthorized: (req, res) =>
        void sendJson(req, res, 401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" }, request_id: "req_011CSHoEeqs5C35K2UUqR7Fy" }),
      handle: () => {
        throw new Error("no handler set");
      },
    });
    outpost = await startOutpost({ providers: { anthropic: api.url }, env: { ANTHROPIC_API_KEY: REAL_KEY } });
    client = new Anthropic({ baseURL: outpost.url, apiKey: DUMMY_KEY, defaultHeaders: { "X-Provider": "anthropic" }, maxRetries: 0 });
  });
  beforeEach(() => api.clear());
  afterAll(async () => {
    await outpost?.close();
    await api?.close();
  });

  /** What every forwarded request must look like, whatever the SDK put in it. */
  function expectInjected(req: ApiRequest): void {
    expect(req.headers["x-api-key"]).toEqual([REAL_KEY]);
    expect(req.headers.authorization).toBeUndefined();
    // default_headers replaces the SDK's own value rather than adding a second one.
    expect(req.headers["anthropic-version"]).toEqual([YAML_VERSION]);
    expect(req.headers["x-provider"]).toBeUndefined();
  }

  it("a message: x-api-key injected, the SDK's Bearer dummy dropped, anthropic-version from default_headers", async () => {
    api.handle = (req, res) => {
      expect(`${req.method} ${req.path}`).toBe("POST /v1/messages");
      const body = JSON.parse(req.text) as { messages: { content: string }[] };
      sendJson(req, res, 200, message(`You said: ${body.messages[0]!.content}`), { "request-id": "req_018EeWyXxfu5pfWkrYcMdjWG", "anthropic-organization-id": "org-1" });
    };
    const { data, response } = await client.messages
      .create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hello, Claude" }] })
      .withResponse();
    seen.push(data, Object.fromEntries(response.headers));

    expect(data.type).toBe("message");
    expect(data.content).toEqual([{ type: "text", text: "You said: Hello, Claude" }]);
    expect(data.stop_reason).toBe("end_turn");
    expect(response.headers.get("x-proxy-provider")).toBe("anthropic");

    expect(api.requests).toHaveLength(1);
    const [req] = api.requests as [ApiRequest];
    expectInjected(req);
    expect(YAML_VERSION).toBe("2023-06-01");
    expect(JSON.parse(req.text)).toEqual({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hello, Claude" }] });
    expectDummyNeverForwarded(api.requests, DUMMY_KEY);
  });

  it("a streamed message: events relayed one by one (first text at the client before the upstream sends the last event)", async () => {
    const gate = clientGate();
    const order: string[] = [];
    const pieces = ["Once", " upon", " a", " time", "."];
    api.handle = async (req, res) => {
      expect((JSON.parse(req.text) as { stream?: boolean }).stream).toBe(true);
      const sse = startSse(res, { "request-id": "req_stream_1" });
      const start = { ...message(""), content: [], stop_reason: null, usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: "standard" } };
      sse.send(JSON.stringify({ type: "message_start", message: start }), "message_start");
      sse.send(JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }), "content_block_start");
      sse.send(JSON.stringify({ type: "ping" }), "ping");
      sse.send(JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: pieces[0] } }), "content_block_delta");
      order.push("upstream: first text sent");
      order.push((await gate.wait()) ? "upstream: client has the first text" : "upstream: gave up waiting");
      for (const piece of pieces.slice(1)) {
        await delay(15);
        sse.send(JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } }), "content_block_delta");
      }
      sse.send(JSON.stringify({ type: "content_block_stop", index: 0 }), "content_block_stop");
      sse.send(JSON.stringify({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 7 } }), "message_delta");
      order.push("upstream: last event sent");
      sse.send(JSON.stringify({ type: "message_stop" }), "message_stop");
      sse.end();
    };

    const stream = client.messages.stream({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Tell me a story" }] });
    const texts: string[] = [];
    stream.on("text", (delta) => {
      if (texts.length === 0) {
        order.push("client: first text");
        gate.open();
      }
      texts.push(delta);
    });
    const final = await stream.finalMessage();
    seen.push(final);

    expect(order).toEqual(["upstream: first text sent", "client: first text", "upstream: client has the first text", "upstream: last event sent"]);
    expect(texts.join("")).toBe("Once upon a time.");
    expect(final.content).toEqual([{ type: "text", text: "Once upon a time." }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBe(7);
    expect(api.requests).toHaveLength(1);
    expectInjected(api.requests[0]!);
    expectDummyNeverForwarded(api.requests, DUMMY_KEY);
  });

  it("an agent-chosen anthropic-version header is replaced as well, not sent twice", async () => {
    api.handle = (req, res) => void sendJson(req, res, 200, message("ok"));
    await client.messages.create(
      { model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "hi" }] },
      { headers: { "anthropic-version": "2099-01-01", "anthropic-beta": "token-efficient-tools-2025-02-19" } },
    );
    expect(api.requests).toHaveLength(1);
    expectInjected(api.requests[0]!);
    // The agent's beta opt-in is its own business and passes through.
    expect(api.requests[0]!.headers["anthropic-beta"]).toEqual(["token-efficient-tools-2025-02-19"]);
  });

  it("no real key in anything the agent saw or in Outpost's log", () => {
    expect(seen.length).toBeGreaterThan(0);
    expectNoSecretReachedAgent(seen, secrets, outpost.log);
  });
});
