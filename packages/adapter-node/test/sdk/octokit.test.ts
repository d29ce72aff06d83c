/**
 * `@octokit/rest` through Outpost. Octokit ignores constructor `headers`, so `X-Provider` is added
 * with a request hook (TOOLCHAIN §6). Provider: the built-in providers/github.yaml, where opening
 * an issue is a write rule and therefore sensitive: only hosts with `can_call_sensitive: true` may
 * call it (DESIGN §2.1, §2.2, pipeline step 8). Two agents on two loopback addresses, one per host
 * entry, show both sides of that gate.
 */
import { createSentinels } from "@outpost/test-support";
import { Octokit } from "@octokit/rest";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ApiRequest, type FakeApi, one, sendJson, startFakeApi } from "./support/fake-api.js";
import { expectDummyNeverForwarded, expectNoSecretReachedAgent, type OutpostUnderTest, startOutpost } from "./support/outpost.js";

const secrets = createSentinels(["github_token"]);
const REAL_TOKEN = secrets.github_token!;
const DUMMY_TOKEN = `ghp_dummy_${createSentinels(["d"]).d}`;

const HOSTS = [
  "hosts:",
  "  - id: triage-bot",
  '    cidrs: ["127.0.0.1/32"]',
  "    can_call_sensitive: false",
  "  - id: maintainer-bot",
  '    cidrs: ["127.0.0.2/32"]',
  "    can_call_sensitive: true",
].join("\n");

const OWNER = "octo-org";
const REPO = "hello-world";

function user(login: string) {
  return {
    login,
    id: 583231,
    node_id: "MDQ6VXNlcjU4MzIzMQ==",
    avatar_url: "https://avatars.githubusercontent.com/u/583231?v=4",
    url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`,
    type: "User",
    site_admin: false,
  };
}

function issue(number: number, title: string, body: string | null) {
  const url = `https://api.github.com/repos/${OWNER}/${REPO}/issues/${number}`;
  return {
    id: 1_000_000 + number,
    node_id: `I_kwDOABCD${number}`,
    url,
    repository_url: `https://api.github.com/repos/${OWNER}/${REPO}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `https://github.com/${OWNER}/${REPO}/issues/${number}`,
    number,
    state: "open",
    title,
    body,
    user: user("octocat"),
    labels: [{ id: 208045946, node_id: "MDU6TGFiZWwyMDgwNDU5NDY=", url: `https://api.github.com/repos/${OWNER}/${REPO}/labels/bug`, name: "bug", description: "Something isn't working", color: "f29513", default: true }],
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: 0,
    closed_at: null,
    created_at: "2025-04-10T20:09:31Z",
    updated_at: "2025-04-10T20:09:31Z",
    author_association: "COLLABORATOR",
    state_reason: null,
  };
}

const GITHUB_HEADERS = {
  "x-github-media-type": "github.v3; format=json",
  "x-github-request-id": "CDE4:2C1B:1A2B3C:1D2E3F:67F8A1B2",
  "x-ratelimit-limit": "5000",
  "x-ratelimit-remaining": "4999",
  "x-ratelimit-resource": "core",
  "x-oauth-scopes": "repo, admin:org, delete_repo",
  "x-accepted-oauth-scopes": "repo",
};

const dispatchers: Agent[] = [];

/**
 * An Octokit pointed at Outpost. `localAddress` picks the loopback source address, hence the host
 * entry the agent is identified as (undici's own fetch, since Node's global one takes no dispatcher
 * of another undici version).
 */
function octokitFrom(outpostUrl: string, localAddress?: string): Octokit {
  const dispatcher = localAddress ? new Agent({ localAddress }) : undefined;
  if (dispatcher) dispatchers.push(dispatcher);
  const octokit = new Octokit({
    auth: DUMMY_TOKEN,
    baseUrl: outpostUrl,
    // Refusals are asserted; keep Octokit from printing them.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    ...(dispatcher ? { request: { fetch: ((url: string, init: object) => undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch } } : {}),
  });
  octokit.hook.before("request", (options) => {
    options.headers["x-provider"] = "github";
  });
  return octokit;
}

describe("@octokit/rest through Outpost (providers/github.yaml)", () => {
  let api: FakeApi;
  let outpost: OutpostUnderTest;
  let triage: Octokit;
  let maintainer: Octokit;
  const seen: unknown[] = [];

  beforeAll(async () => {
    api = await startFakeApi({
      authorized: (req) => one(req, "authorization") === `Bearer ${REAL_TOKEN}`,
      unauthorized: (req, res) => void sendJson(req, res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" }),
      handle: (req, res) => {
        const issues = `/repos/${OWNER}/${REPO}/issues`;
        if (req.method === "GET" && req.path === issues && req.query.has("page")) {
          // GitHub pages with absolute Link targets on its own origin (here: the fake's).
          const page = Number(req.query.get("page"));
          const at = (n: number) => `<${api.url}/repositories/1296269/issues?page=${n}&per_page=2>`;
          const link = page < 3 ? `${at(page + 1)}; rel="next", ${at(3)}; rel="last"` : `${at(1)}; rel="first", ${at(page - 1)}; rel="prev"`;
          return void sendJson(req, res, 200, [issue(2000 + page * 2, `page ${page} a`, null), issue(2001 + page * 2, `page ${page} b`, null)], { ...GITHUB_HEADERS, link });
        }
        if (req.method === "GET" && req.path === "/repositories/1296269/issues") {
          const page = Number(req.query.get("page"));
          const link = page < 3 ? `<${api.url}/repositories/1296269/issues?page=${page + 1}&per_page=2>; rel="next"` : "";
          return void sendJson(req, res, 200, [issue(2000 + page * 2, `page ${page} a`, null), issue(2001 + page * 2, `page ${page} b`, null)], { ...GITHUB_HEADERS, ...(link ? { link } : {}) });
        }
        if (req.method === "GET" && req.path === issues) {
          return void sendJson(req, res, 200, [issue(1347, "Found a bug", "I'm having a problem with this."), issue(1346, "Docs typo", null)], {
            ...GITHUB_HEADERS,
            etag: 'W/"7bd2d0c0a5b4fd1b0cbe8e1c5d1a5e45"',
          });
        }
        if (req.method === "POST" && req.path === issues) {
          const body = JSON.parse(req.text) as { title: string; body: string };
          return void sendJson(req, res, 201, issue(1348, body.title, body.body), { ...GITHUB_HEADERS, location: `https://api.github.com${issues}/1348` });
        }
        sendJson(req, res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
      },
    });
    outpost = await startOutpost({ providers: { github: api.url }, env: { GITHUB_TOKEN: REAL_TOKEN }, hosts: HOSTS });
    triage = octokitFrom(outpost.url);
    maintainer = octokitFrom(outpost.url, "127.0.0.2");
  });
  beforeEach(() => api.clear());
  afterAll(async () => {
    await outpost?.close();
    await api?.close();
    await Promise.all(dispatchers.map((d) => d.close()));
  });

  function expectInjected(req: ApiRequest): void {
    expect(req.headers.authorization).toEqual([`Bearer ${REAL_TOKEN}`]);
    expect(req.headers["x-github-api-version"]).toEqual(["2022-11-28"]);
    expect(req.headers["x-provider"]).toBeUndefined();
  }

  it("list issues: the real token reaches the upstream, the dummy never does; scope headers stripped", async () => {
    const { data, status, headers } = await triage.rest.issues.listForRepo({ owner: OWNER, repo: REPO, state: "open", per_page: 2 });
    seen.push(data, headers);

    expect(status).toBe(200);
    expect(data.map((i) => [i.number, i.title])).toEqual([
      [1347, "Found a bug"],
      [1346, "Docs typo"],
    ]);
    expect(data[0]!.labels).toHaveLength(1);
    expect(headers["x-proxy-provider"]).toBe("github");
    expect(headers["x-ratelimit-remaining"]).toBe("4999");
    // strip_response_headers: the agent does not learn what else the token could do.
    expect(headers["x-oauth-scopes"]).toBeUndefined();
    expect(headers["x-accepted-oauth-scopes"]).toBeUndefined();

    expect(api.requests).toHaveLength(1);
    const [req] = api.requests as [ApiRequest];
    expect(req.url).toBe(`/repos/${OWNER}/${REPO}/issues?state=open&per_page=2`);
    expectInjected(req);
    expectDummyNeverForwarded(api.requests, DUMMY_TOKEN);
  });

  it("create issue from a host without can_call_sensitive: 403 PROXY_SENSITIVE_DENIED, nothing forwarded", async () => {
    const error = await triage.rest.issues.create({ owner: OWNER, repo: REPO, title: "Bot opened this", body: "from the triage bot" }).catch((e: unknown) => e);
    seen.push(error);
    expect(error).toMatchObject({ name: "HttpError", status: 403 });
    const response = (error as { response: { data: unknown; headers: Record<string, string> } }).response;
    expect(response.data).toMatchObject({ status: "FAILURE", error: { code: "PROXY_SENSITIVE_DENIED" } });
    expect(api.requests).toHaveLength(0);
  });

  it("create issue from a host with can_call_sensitive: forwarded once with the real token, 201", async () => {
    const { data, status, headers } = await maintainer.rest.issues.create({ owner: OWNER, repo: REPO, title: "Bot opened this", body: "from the maintainer bot", labels: ["bug"] });
    seen.push(data, headers);

    expect(status).toBe(201);
    expect(data.number).toBe(1348);
    expect(data.title).toBe("Bot opened this");
    expect(headers.location).toBe(`https://api.github.com/repos/${OWNER}/${REPO}/issues/1348`);
    expect(headers["x-proxy-provider"]).toBe("github");

    expect(api.requests).toHaveLength(1);
    const [req] = api.requests as [ApiRequest];
    expect(`${req.method} ${req.url}`).toBe(`POST /repos/${OWNER}/${REPO}/issues`);
    expectInjected(req);
    expect(JSON.parse(req.text)).toEqual({ title: "Bot opened this", body: "from the maintainer bot", labels: ["bug"] });
    expectDummyNeverForwarded(api.requests, DUMMY_TOKEN);
  });

  it("the request log names the host (and source address) behind each call", () => {
    const lines = outpost.log.json() as { host: string | null; client: string | null; method: string; path: string; status: number; error: string | null }[];
    expect(lines.map((l) => [l.host, l.client, l.method, l.path, l.status, l.error])).toEqual([
      ["triage-bot", "127.0.0.1", "GET", `/repos/${OWNER}/${REPO}/issues`, 200, null],
      ["triage-bot", "127.0.0.1", "POST", `/repos/${OWNER}/${REPO}/issues`, 403, "PROXY_SENSITIVE_DENIED"],
      ["maintainer-bot", "127.0.0.2", "POST", `/repos/${OWNER}/${REPO}/issues`, 201, null],
    ]);
  });


  it("paginate: the upstream's absolute Link targets come back as proxy paths, so every page goes through Outpost", async () => {
    const pages: number[] = [];
    const all = await triage.paginate(triage.rest.issues.listForRepo, { owner: OWNER, repo: REPO, per_page: 2, page: 1 }, (response) => {
      pages.push(response.data.length);
      return response.data.map((i) => i.title);
    });
    expect(all).toEqual(["page 1 a", "page 1 b", "page 2 a", "page 2 b", "page 3 a", "page 3 b"]);
    expect(api.requests.map((r) => r.url)).toEqual([
      `/repos/${OWNER}/${REPO}/issues?per_page=2&page=1`,
      "/repositories/1296269/issues?page=2&per_page=2",
      "/repositories/1296269/issues?page=3&per_page=2",
    ]);
    for (const req of api.requests) expectInjected(req);
    expectDummyNeverForwarded(api.requests, DUMMY_TOKEN);
  });
  it("no real token in anything the agent saw or in Outpost's log", () => {
    expect(seen.length).toBeGreaterThan(0);
    expectNoSecretReachedAgent(seen, secrets, outpost.log);
  });
});
