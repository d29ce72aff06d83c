/**
 * `/docs` in a real browser (issue 8, item 6): Debian's Chromium, driven by playwright-core, loads
 * the Swagger UI page from a running proxy and must list every provider operation of
 * `/openapi.json`, with every request the page makes staying on loopback. Without Chromium this
 * test fails (scripts/ensure-chromium.sh installs it); it never skips.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import { createJsonLogger, type RunningServer, startServer } from "../src/index.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** http(s) to 127.0.0.0/8, ::1 or localhost; data: and blob: never touch the network. */
function staysLocal(raw: string): boolean {
  const url = new URL(raw);
  if (url.protocol === "data:" || url.protocol === "blob:") return true;
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  return url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

interface DocOperation {
  readonly method: string;
  readonly path: string;
  readonly summary: string;
  readonly tags: string[];
}

describe("/docs rendered by headless Chromium, offline", () => {
  let server: RunningServer;
  let browser: Browser | undefined;
  /** Set up once; a failure (Chromium missing or not starting) fails each test, never skips it. */
  let context: Promise<BrowserContext>;
  const requested: string[] = [];
  const blocked: string[] = [];

  async function launch(): Promise<BrowserContext> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const created = await browser.newContext();
    // Every request of every page goes through here: loopback continues, anything else is
    // aborted and recorded, so a CDN reference fails the test instead of silently loading.
    await created.route("**/*", (route) => {
      const url = route.request().url();
      requested.push(url);
      if (staysLocal(url)) return route.continue();
      blocked.push(url);
      return route.abort("blockedbyclient");
    });
    return created;
  }

  beforeAll(async () => {
    context = launch();
    context.catch(() => {}); // reported by the tests that await it
    // Upstreams are never called: the page only reads Outpost's own document and assets.
    const config = loadConfig({
      providers: [
        {
          file: "gh.yaml",
          text: `name: gh\ndescription: GitHub REST API\nbase_url: https://api.github.com\nauth: {type: bearer_static, env: GH_TOKEN}\nforwarding:\n  mode: allowlist\n  allow:\n    - {pattern: "/repos/{owner}/{repo}/issues", methods: [GET, POST]}\n    - {pattern: "/search/**", methods: [GET]}\n  deny: ["/user/keys"]\n`,
        },
        {
          file: "slack.yaml",
          text: `name: slack\nbase_url: https://slack.com/api\nauth: {type: bearer_static, env: SLACK_TOKEN}\nforwarding:\n  mode: allowlist\n  allow:\n    - {pattern: "/chat.postMessage", method: POST, category: writes}\n    - {pattern: "/conversations.list", method: GET}\n`,
        },
      ],
      secrets: secretsFromRecord({ GH_TOKEN: "gh-secret", SLACK_TOKEN: "slack-secret" }),
    });
    server = await startServer({ config, port: 0, logger: createJsonLogger({ write: () => {}, warn: () => {} }) });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close(500);
  });

  it("lists every provider operation of /openapi.json, and no request leaves loopback", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Omit<DocOperation, "method" | "path">>> };
    const expected: DocOperation[] = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, summary: op.summary, tags: op.tags })),
    );
    const providerOps = expected.filter((op) => op.tags.some((tag) => tag === "gh" || tag === "slack"));
    expect(providerOps.map((op) => `${op.method} ${op.path}`)).toEqual(
      expect.arrayContaining(["GET /repos/{owner}/{repo}/issues", "POST /repos/{owner}/{repo}/issues", "POST /chat.postMessage", "GET /conversations.list"]),
    );

    const page = await (await context).newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => void (message.type() === "error" && problems.push(`console: ${message.text()}`)));
    const response = await page.goto(`${server.url}/docs`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    await page.waitForSelector(".opblock .opblock-summary-path", { timeout: 20_000 });

    const rendered = await page.$$eval(".opblock", (blocks) =>
      blocks.map((block) => ({
        method: block.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "",
        path: block.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "",
        summary: block.querySelector(".opblock-summary-description")?.textContent?.trim() ?? "",
      })),
    );
    for (const op of providerOps) {
      expect(rendered).toContainEqual({ method: op.method, path: op.path, summary: op.summary });
    }
    const tags = await page.$$eval(".opblock-tag", (els) => els.map((el) => el.getAttribute("data-tag")));
    expect(tags).toEqual(expect.arrayContaining(["gh", "slack"]));

    // Expanding an operation shows the X-Provider header it needs, from the same document.
    const post = page.locator(".opblock-post", { has: page.locator('[data-path="/repos/{owner}/{repo}/issues"]') });
    await post.locator(".opblock-summary").first().click();
    await expect.poll(() => post.locator(".parameters").innerText(), { timeout: 10_000 }).toContain("X-Provider");

    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
    expect(requested.length).toBeGreaterThanOrEqual(4); // the page, its CSS and two scripts, the document
    expect(requested.every(staysLocal)).toBe(true);
    expect(await page.content()).not.toMatch(/gh-secret|slack-secret/);
    await page.close();
  }, 60_000);

  it("the guard itself works: a navigation off loopback is aborted and recorded", async () => {
    const page = await (await context).newPage();
    // 198.51.100.0/24 is TEST-NET-2: never routed, and aborted here before any packet leaves.
    await expect(page.goto("http://198.51.100.7/docs", { timeout: 10_000 })).rejects.toThrow();
    expect(blocked).toEqual(["http://198.51.100.7/docs"]);
    blocked.length = 0;
    await page.close();
  });
});
