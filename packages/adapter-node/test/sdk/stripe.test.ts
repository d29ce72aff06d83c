/**
 * The official `stripe` SDK through Outpost. Stripe has no client-wide extra header, so `X-Provider`
 * comes from a custom `httpClient` wrapping the SDK's own Node client (TOOLCHAIN §6); the proxy is
 * set with `host`/`port`/`protocol`. The SDK keys every POST with its own `Idempotency-Key`
 * (`stripe-node-retry-<uuid>`) and reuses it when it retries; Outpost replays the stored answer
 * (DESIGN §5.3). Provider: the built-in providers/stripe.yaml.
 */
import { createSentinels } from "@outpost/test-support";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ApiRequest, type FakeApi, one, sendJson, startFakeApi } from "./support/fake-api.js";
import { expectDummyNeverForwarded, expectNoSecretReachedAgent, type OutpostUnderTest, startOutpost } from "./support/outpost.js";

const secrets = createSentinels(["stripe_secret_key"]);
const REAL_KEY = secrets.stripe_secret_key!;
const DUMMY_KEY = `sk_test_dummy_${createSentinels(["d"]).d}`;

function customer(id: string, email: string, name: string | null, created: number) {
  return {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email,
    invoice_prefix: "0759376C",
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

type Wire = Parameters<Stripe.HttpClient["makeRequest"]>;
type WireAnswer = ReturnType<Stripe.HttpClient["makeRequest"]>;

/**
 * The SDK's own Node HTTP client plus `X-Provider`. `loseNextAnswer` simulates an answer lost on
 * the way back: the request goes through and its answer is read in full, then the SDK is told the
 * connection was reset, the failure it retries with the same Idempotency-Key.
 */
class OutpostHttpClient extends Stripe.HttpClient {
  private readonly inner = Stripe.createNodeHttpClient();
  loseNextAnswer = false;
  /** Status and headers of every answer that came back (including a lost one). */
  readonly answers: { status: number; headers: Record<string, string> }[] = [];

  override getClientName(): string {
    return "outpost-node";
  }

  override async makeRequest(...[host, port, path, method, headers, data, protocol, timeout]: Wire): WireAnswer {
    const res = await this.inner.makeRequest(host, port, path, method, { ...headers, "X-Provider": "stripe" }, data, protocol, timeout);
    this.answers.push({ status: res.getStatusCode(), headers: res.getHeaders() as Record<string, string> });
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      await res.toJSON();
      throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    }
    return res;
  }
}

describe("stripe SDK through Outpost (providers/stripe.yaml)", () => {
  let api: FakeApi;
  let outpost: OutpostUnderTest;
  let http: OutpostHttpClient;
  let stripe: Stripe;
  const seen: unknown[] = [];
  let nextId = 0;

  beforeAll(async () => {
    api = await startFakeApi({
      authorized: (req) => one(req, "authorization") === `Bearer ${REAL_KEY}`,
      unauthorized: (req, res) =>
        void sendJson(req, res, 401, { error: { message: "Invalid API Key provided: sk_test_****", type: "invalid_request_error" } }, { "request-id": "req_unauth" }),
      handle: (req, res) => {
        const common = { "request-id": `req_${++nextId}`, "stripe-version": one(req, "stripe-version") ?? "2025-01-27.acacia" };
        if (req.method === "GET" && req.path === "/v1/customers") {
          const list = {
            object: "list",
            url: "/v1/customers",
            has_more: false,
            data: [customer("cus_NffrFeUfNV2Hib", "jennyrosen@example.com", "Jenny Rosen", 1_680_893_993), customer("cus_NffrXA1p2b3C4d", "ada@example.com", "Ada", 1_680_893_900)],
          };
          return void sendJson(req, res, 200, list, common);
        }
        if (req.method === "POST" && req.path === "/v1/customers") {
          const form = new URLSearchParams(req.text);
          const key = one(req, "idempotency-key");
          return void sendJson(req, res, 200, customer(`cus_new${nextId}`, form.get("email")!, form.get("name"), 1_680_894_000 + nextId), {
            ...common,
            ...(key ? { "idempotency-key": key, "original-request": common["request-id"] } : {}),
          });
        }
        sendJson(req, res, 404, { error: { message: `Unrecognized request URL (${req.method}: ${req.path}).`, type: "invalid_request_error" } }, common);
      },
    });
    outpost = await startOutpost({ providers: { stripe: api.url }, env: { STRIPE_SECRET_KEY: REAL_KEY } });
    http = new OutpostHttpClient();
    const { port } = new URL(outpost.url);
    stripe = new Stripe(DUMMY_KEY, { host: "127.0.0.1", port, protocol: "http", httpClient: http, maxNetworkRetries: 0, telemetry: false });
  });
  beforeEach(() => {
    api.clear();
    http.answers.length = 0;
  });
  afterAll(async () => {
    await outpost?.close();
    await api?.close();
  });

  const posts = () => api.requests.filter((r) => r.method === "POST");

  it("list customers: the real key reaches the upstream, the dummy never does", async () => {
    const list = await stripe.customers.list({ limit: 2, email: "jennyrosen@example.com" });
    seen.push(list);

    expect(list.object).toBe("list");
    expect(list.data.map((c) => c.id)).toEqual(["cus_NffrFeUfNV2Hib", "cus_NffrXA1p2b3C4d"]);
    expect(list.lastResponse.statusCode).toBe(200);
    expect(list.lastResponse.headers["x-proxy-provider"]).toBe("stripe");
    expect(list.lastResponse.requestId).toMatch(/^req_/);

    expect(api.requests).toHaveLength(1);
    const [req] = api.requests as [ApiRequest];
    expect(req.url).toBe("/v1/customers?limit=2&email=jennyrosen%40example.com");
    expect(req.headers.authorization).toEqual([`Bearer ${REAL_KEY}`]);
    expect(req.headers["stripe-version"]).toHaveLength(1);
    expect(req.headers["x-provider"]).toBeUndefined();
    expectDummyNeverForwarded(api.requests, DUMMY_KEY);
  });

  it("the same create twice with one Idempotency-Key: the second is answered by Outpost (IDEMPOTENT-HIT), the upstream saw one", async () => {
    const params = { email: "grace@example.com", name: "Grace Hopper" };
    const key = `outpost-sdk-${crypto.randomUUID()}`;
    const first = await stripe.customers.create(params, { idempotencyKey: key });
    const second = await stripe.customers.create(params, { idempotencyKey: key });
    seen.push(first, second);

    expect(second.id).toBe(first.id);
    expect(second.email).toBe("grace@example.com");
    expect(first.lastResponse.headers["x-proxy-cache"]).not.toBe("IDEMPOTENT-HIT");
    expect(second.lastResponse.headers["x-proxy-cache"]).toBe("IDEMPOTENT-HIT");

    expect(posts()).toHaveLength(1);
    const [req] = posts() as [ApiRequest];
    // Outpost honours the key and still forwards it: Stripe honours it too.
    expect(req.headers["idempotency-key"]).toEqual([key]);
    expect(req.headers.authorization).toEqual([`Bearer ${REAL_KEY}`]);
    expect(Object.fromEntries(new URLSearchParams(req.text))).toEqual(params);
    expectDummyNeverForwarded(api.requests, DUMMY_KEY);
  });

  it("the SDK's own key: an answer lost on the way back, the SDK retries with it, Outpost replays; the upstream saw one", async () => {
    http.loseNextAnswer = true;
    const created = await stripe.customers.create({ email: "linus@example.com", name: "Linus" });
    seen.push(created);

    expect(http.answers).toHaveLength(2);
    expect(http.answers[0]!.status).toBe(200);
    expect(http.answers[0]!.headers["x-proxy-cache"]).not.toBe("IDEMPOTENT-HIT");
    expect(http.answers[1]!.headers["x-proxy-cache"]).toBe("IDEMPOTENT-HIT");
    expect(created.email).toBe("linus@example.com");

    expect(posts()).toHaveLength(1);
    const key = posts()[0]!.headers["idempotency-key"];
    expect(key).toHaveLength(1);
    expect(key![0]).toMatch(/^stripe-node-retry-[0-9a-f-]{36}$/);
    expect(created.id).toBe(`cus_new${nextId}`);
    expectDummyNeverForwarded(api.requests, DUMMY_KEY);
  });

  it("the same key with a different body: 422 PROXY_IDEMPOTENCY_KEY_REUSED from Outpost, nothing forwarded", async () => {
    const key = `outpost-sdk-${crypto.randomUUID()}`;
    await stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: key });
    api.clear();
    const error = await stripe.customers.create({ email: "b@example.com" }, { idempotencyKey: key }).catch((e: unknown) => e);
    seen.push(error);
    expect(error).toBeInstanceOf(Stripe.errors.StripeError);
    expect(error).toMatchObject({ statusCode: 422, code: "PROXY_IDEMPOTENCY_KEY_REUSED" });
    expect(api.requests).toHaveLength(0);
  });

  it("no real key in anything the agent saw or in Outpost's log", () => {
    expect(seen.length).toBeGreaterThan(0);
    expectNoSecretReachedAgent(seen, secrets, outpost.log);
  });
});
