/**
 * `@slack/web-api` through Outpost: `slackApiUrl` at Outpost, `X-Provider` in the client's
 * `headers`, a dummy bot token. Provider: the built-in providers/slack.yaml, whose `base_url`
 * already ends in `/api`, so the client's API URL is Outpost's root (`http://outpost/`), not
 * `http://outpost/api/`: method names are the paths the allow rules list (`/chat.postMessage`).
 */
import { WebClient } from "@slack/web-api";
import { createSentinels } from "@outpost/test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ApiRequest, type FakeApi, one, sendJson, startFakeApi } from "./support/fake-api.js";
import { expectDummyNeverForwarded, expectNoSecretReachedAgent, type OutpostUnderTest, startOutpost } from "./support/outpost.js";

const secrets = createSentinels(["slack_bot_token"]);
const REAL_TOKEN = secrets.slack_bot_token!;
const DUMMY_TOKEN = `xoxb-dummy-${createSentinels(["d"]).d}`;

const SLACK_HEADERS = {
  "x-slack-req-id": "6a1b2c3d4e5f60718293a4b5c6d7e8f9",
  "x-oauth-scopes": "chat:write,channels:read,channels:history,users:read,admin",
  "x-accepted-oauth-scopes": "chat:write",
  "x-slack-backend": "r",
};

describe("@slack/web-api through Outpost (providers/slack.yaml)", () => {
  let api: FakeApi;
  let outpost: OutpostUnderTest;
  let slack: WebClient;
  const seen: unknown[] = [];

  beforeAll(async () => {
    api = await startFakeApi({
      authorized: (req) => one(req, "authorization") === `Bearer ${REAL_TOKEN}`,
      // Slack answers 200 with ok: false for a bad token.
      unauthorized: (req, res) => void sendJson(req, res, 200, { ok: false, error: "invalid_auth" }, { "x-slack-req-id": "unauth" }),
      handle: (req, res) => {
        if (req.method === "POST" && req.path === "/api/chat.postMessage") {
          const form = new URLSearchParams(req.text);
          const ts = "1503435956.000247";
          const blocks = form.get("blocks");
          return void sendJson(
            req,
            res,
            200,
            {
              ok: true,
              channel: form.get("channel"),
              ts,
              message: {
                user: "U0123BOT",
                type: "message",
                ts,
                bot_id: "B0123BOT",
                app_id: "A0123APP",
                text: form.get("text"),
                team: "T0123TEAM",
                bot_profile: { id: "B0123BOT", app_id: "A0123APP", name: "outpost-agent", deleted: false, team_id: "T0123TEAM" },
                ...(blocks ? { blocks: JSON.parse(blocks) as unknown } : {}),
              },
              response_metadata: { warnings: [] },
            },
            SLACK_HEADERS,
          );
        }
        sendJson(req, res, 200, { ok: false, error: "unknown_method", req_method: req.path.slice("/api/".length) }, SLACK_HEADERS);
      },
    });
    outpost = await startOutpost({ providers: { slack: `${api.url}/api` }, env: { SLACK_BOT_TOKEN: REAL_TOKEN } });
    slack = new WebClient(DUMMY_TOKEN, { slackApiUrl: `${outpost.url}/`, headers: { "X-Provider": "slack" }, retryConfig: { retries: 0 } });
  });
  beforeEach(() => api.clear());
  afterAll(async () => {
    await outpost?.close();
    await api?.close();
  });

  it("chat.postMessage: the real token reaches the upstream, the dummy never does; the SDK gets Slack's answer", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*Build* passed :white_check_mark:" } }];
    const result = await slack.chat.postMessage({ channel: "C0123CHAN", text: "Build passed", blocks });
    seen.push(result);

    expect(result.ok).toBe(true);
    expect(result.channel).toBe("C0123CHAN");
    expect(result.ts).toBe("1503435956.000247");
    expect(result.message?.text).toBe("Build passed");
    expect(result.message?.blocks).toEqual(blocks);
    // strip_response_headers: the SDK copies x-oauth-scopes into response_metadata when it is present.
    expect(result.response_metadata?.scopes).toBeUndefined();
    expect(result.response_metadata?.acceptedScopes).toBeUndefined();

    expect(api.requests).toHaveLength(1);
    const [req] = api.requests as [ApiRequest];
    expect(`${req.method} ${req.url}`).toBe("POST /api/chat.postMessage");
    expect(req.headers.authorization).toEqual([`Bearer ${REAL_TOKEN}`]);
    expect(req.headers["x-provider"]).toBeUndefined();
    expect(one(req, "content-type")).toBe("application/x-www-form-urlencoded");
    const form = Object.fromEntries(new URLSearchParams(req.text));
    expect(form).toEqual({ channel: "C0123CHAN", text: "Build passed", blocks: JSON.stringify(blocks) });
    expectDummyNeverForwarded(api.requests, DUMMY_TOKEN);
  });

  it("a method the YAML denies (admin.*) is refused by Outpost and never reaches the upstream", async () => {
    const error = await slack.apiCall("admin.users.list").catch((e: unknown) => e);
    seen.push(error);
    expect(error).toMatchObject({ code: "slack_webapi_http_error", statusCode: 403 });
    // The SDK hands over the error body it read (parsed JSON here).
    expect((error as { body: unknown }).body).toMatchObject({ status: "FAILURE", error: { code: "PROXY_PATH_DENIED" } });
    expect(api.requests).toHaveLength(0);
  });

  it("no real token in anything the agent saw or in Outpost's log", () => {
    expect(seen.length).toBeGreaterThan(0);
    expectNoSecretReachedAgent(seen, secrets, outpost.log);
  });
});
