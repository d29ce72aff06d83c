/**
 * The official `openai` SDK through Outpost, configured only with a base URL, an `X-Provider`
 * default header and a dummy key, against a loopback fake of the OpenAI API that requires the real
 * key. Provider: the built-in providers/openai.yaml.
 */
import { createSentinels } from "@outpost/test-support";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ApiRequest, clientGate, delay, type FakeApi, one, sendJson, startFakeApi, startSse } from "./support/fake-api.js";
import { expectDummyNeverForwarded, expectNoSecretReachedAgent, type OutpostUnderTest, startOutpost } from "./support/outpost.js";

const secrets = createSentinels(["openai_api_key"]);
const REAL_KEY = secrets.openai_api_key!;
const DUMMY_KEY = `sk-dummy-${createSentinels(["d"]).d}`;

const CREATED = 1_741_570_283;

function completion(model: string, content: string) {
  return {
    id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    object: "chat.completion",
    created: CREATED,
    model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
    usage: {
      prompt_tokens: 19,
      completion_tokens: 10,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: "default",
    system_fingerprint: "fp_f33667828e",
  };
}

function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null) {
  return JSON.stringify({
    id: "chatcmpl-B9MHDzd9nGzpo1pBbmS2S1tvoUQ3y",
    object: "chat.completion.chunk",
    created: CREATED,
    model,
    service_tier: "default",
    system_fingerprint: "fp_f33667828e",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
}

const RATE_HEADERS = {
  "openai-organization": "org-secretive-name",
  "openai-project": "proj_abc123",
  "openai-processing-ms": "412",
  "openai-version": "2020-10-01",
  "x-request-id": "req_upstream_7f9",
  "x-ratelimit-limit-requests": "10000",
  "x-ratelimit-remaining-requests": "9999",
};

describe("openai SDK through Outpost (providers/openai.yaml)", () => {
  let api: FakeApi;
  let outpost: OutpostUnderTest;
  let client: OpenAI;
  const seen: unknown[] = [];

  beforeAll(async () => {
    api = await startFakeApi({
      authorized: (req) => one(req, "authorization") === `Bearer ${REAL_KEY}`,
      unauthorized: (req, res) =>
        void sendJson(req, res, 401, {
          error: { message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", type: "invalid_request_error", param: null, code: "invalid_api_key" },
        }),
      handle: () => {
        throw new Error("no handler set");
      },
    });
    outpost = await startOutpost({ providers: { openai: api.url }, env: { OPENAI_API_KEY: REAL_KEY } });
    client = new OpenAI({ baseURL: `${outpost.url}/v1`, apiKey: DUMMY_KEY, defaultHeaders: { "X-Provider": "openai" }, maxRetries: 0 });
  });
  beforeEach(() => api.clear());
  afterAll(async () => {
    await outpost?.close();
    await api?.close();
  });

  it("chat completion: the real key reaches the upstream, the dummy never does, the answer parses", async () => {
    let encoding = "";
    api.handle = (req, res) => {
      expect(`${req.method} ${req.path}`).toBe("POST /v1/chat/completions");
      const body = JSON.parse(req.text) as { model: string; messages: { content: string }[] };
      encoding = sendJson(req, res, 200, completion(body.model, `echo: ${body.messages.at(-1)!.content}`), RATE_HEADERS);
    };
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] })
      .withResponse();
    seen.push(data, Object.fromEntries(response.headers));

    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]!.message.content).toBe("echo: Say hello");
    expect(data.usage?.total_tokens).toBe(29);
    expect(response.headers.get("x-proxy-provider")).toBe("openai");
    expect(response.headers.get("x-request-id")).toMatch(/.+/);
    expect(response.headers.get("x-request-id")).not.toBe("req_upstream_7f9");
    // strip_response_headers in the YAML.
    expect(response.headers.get("openai-organization")).toBeNull();
    expect(response.headers.get("openai-project")).toBeNull();
    expect(response.headers.get("openai-processing-ms")).toBe("412");

    expect(api.requests).toHaveLength(1);
    const [req] = api.requests as [ApiRequest];
    expect(req.headers.authorization).toEqual([`Bearer ${REAL_KEY}`]);
    expect(req.headers["x-provider"]).toBeUndefined();
    expect(one(req, "content-type")).toBe("application/json");
    expect(JSON.parse(req.text)).toEqual({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] });
    // Response scrubbing is on (the default), so Outpost asks for the identity encoding.
    expect(encoding).toBe("identity");
    expectDummyNeverForwarded(api.requests, DUMMY_KEY);
  });

  it("streamed completion: SSE relayed event by event (first chunk at the client before the upstream sends the last)", async () => {
    const gate = clientGate();
    const order: string[] = [];
    const words = ["Hel", "lo", " from", " the", " stream", "."];
    api.handle = async (req, res) => {
      const body = JSON.parse(req.text) as { model: string; stream: boolean; stream_options?: unknown };
      expect(body.stream).toBe(true);
      const sse = startSse(res, { "openai-processing-ms": "95", "x-request-id": "req_upstream_s1" });
      sse.send(chunk(body.model, { role: "assistant", content: "", refusal: null }));
      sse.send(chunk(body.model, { content: words[0] }));
      order.push("upstream: first chunks sent");
      order.push((await gate.wait()) ? "upstream: client has the first chunk" : "upstream: gave up waiting");
      for (const word of words.slice(1)) {
        await delay(15);
        sse.send(chunk(body.model, { content: word }));
      }
      sse.send(chunk(body.model, {}, "stop"));
      order.push("upstream: last chunk sent");
      sse.send("[DONE]");
      sse.end();
    };

    const { data: stream, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Stream please" }], stream: true })
      .withResponse();
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-proxy-provider")).toBe("openai");
    const received: string[] = [];
    let finish: string | null = null;
    for await (const part of stream) {
      seen.push(part);
      if (received.length === 0 && !gate.opened()) {
        order.push("client: first chunk");
        gate.open();
      }
      const choice = part.choices[0]!;
      if (choice.delta.content !== undefined && choice.delta.content !== null) received.push(choice.delta.content);
      finish = choice.finish_reason ?? finish;
    }

    expect(order).toEqual(["upstream: first chunks sent", "client: first chunk", "upstream: client has the first chunk", "upstream: last chunk sent"]);
    expect(received.join("")).toBe("Hello from the stream.");
    expect(finish).toBe("stop");
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]!.headers.authorization).toEqual([`Bearer ${REAL_KEY}`]);
    expectDummyNeverForwarded(api.requests, DUMMY_KEY);
  });

  it("with response scrubbing off, a gzip answer passes through compressed and the SDK decodes it", async () => {
    // Not the built-in default: shows that the agent's Accept-Encoding and the upstream's
    // Content-Encoding travel untouched together (TOOLCHAIN §6: decompressing but keeping the header
    // would break the SDK).
    const api2 = await startFakeApi({
      authorized: (req) => one(req, "authorization") === `Bearer ${REAL_KEY}`,
      unauthorized: (req, res) => void sendJson(req, res, 401, { error: { message: "bad key", type: "invalid_request_error", param: null, code: "invalid_api_key" } }),
      handle: (req, res) => {
        const body = JSON.parse(req.text) as { model: string };
        encoding = sendJson(req, res, 200, completion(body.model, "compressed hello"));
      },
    });
    let encoding = "";
    const outpost2 = await startOutpost({ providers: { openai: api2.url }, env: { OPENAI_API_KEY: REAL_KEY }, extra: { openai: ["scrub_responses: false"] } });
    try {
      const client2 = new OpenAI({ baseURL: `${outpost2.url}/v1`, apiKey: DUMMY_KEY, defaultHeaders: { "X-Provider": "openai" }, maxRetries: 0 });
      const { data, response } = await client2.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).withResponse();
      expect(encoding).toBe("gzip");
      expect(api2.requests[0]!.headers["accept-encoding"]?.join(",")).toMatch(/gzip/);
      expect(response.headers.get("x-proxy-provider")).toBe("openai");
      expect(data.choices[0]!.message.content).toBe("compressed hello");
      expectDummyNeverForwarded(api2.requests, DUMMY_KEY);
    } finally {
      await outpost2.close();
      await api2.close();
    }
  });

  it("a model call the YAML does not allow is refused by Outpost and never reaches the upstream", async () => {
    api.handle = () => {
      throw new Error("must not be called");
    };
    const error = await client.files.list().catch((e: unknown) => e);
    seen.push(error);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ code: "PROXY_NO_ROUTE" });
    expect(api.requests).toHaveLength(0);
  });

  it("no real key in anything the agent saw or in Outpost's log", () => {
    expect(seen.length).toBeGreaterThan(0);
    expectNoSecretReachedAgent(seen, secrets, outpost.log);
  });
});
