import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProxyUnderTest, ScenarioHarness, ScenarioUpstreams } from "./scenario-harness.js";
import { agentHeaders, fromAddress, readAll, toExchange, type ScenarioContext } from "./scenarios/context.js";
import { errorScenarios } from "./scenarios/errors.js";
import { createScenarioSecrets, scenarioConfig } from "./scenarios/fixture.js";
import { forwardingScenarios } from "./scenarios/forwarding.js";
import { headerScenarios } from "./scenarios/headers.js";
import { identityScenarios } from "./scenarios/identity.js";
import { leakForms } from "./scenarios/leaks.js";
import { pathScenarios } from "./scenarios/paths.js";
import { rawScenarios } from "./scenarios/raw.js";
import { scrubbingScenarios } from "./scenarios/scrubbing.js";
import { statefulScenarios } from "./scenarios/stateful.js";
import { upstreamFailureScenarios } from "./scenarios/upstream-failures.js";

/**
 * The HTTP scenario suite every runtime runs unchanged (DESIGN §9): the same YAML, the same
 * requests, the same expected statuses, headers and upstream records.
 */
export function describeHttpScenarios(harness: ScenarioHarness): void {
  describe(`HTTP scenarios on ${harness.name}`, () => {
    const secrets = createScenarioSecrets();
    const transcript: string[] = [];
    let upstreams: ScenarioUpstreams | undefined;
    let proxy: ProxyUnderTest | undefined;

    beforeAll(async () => {
      upstreams = await harness.startUpstreams();
      proxy = await harness.startProxy(scenarioConfig(upstreams.upstream.url, upstreams.closedUrl, secrets));
    });
    afterAll(async () => {
      await proxy?.stop();
      await upstreams?.stop();
    });
    beforeEach(() => {
      upstreams?.upstream.clear();
      upstreams?.evil.clear();
    });

    const ctx: ScenarioContext = {
      secrets,
      upstreams: () => upstreams!,
      upstream: () => upstreams!.upstream,
      evil: () => upstreams!.evil,
      proxy: () => proxy!,
      transcript: () => transcript.join("\n"),
      async send(request) {
        const res = await proxy!.request({ ...request, headers: agentHeaders(ctx, request), from: fromAddress(request) });
        const exchange = toExchange(res.status, res.headers, await readAll(res.body));
        const headerLines: string[] = [];
        res.headers.forEach((value, name) => headerLines.push(`${name}: ${value}`));
        transcript.push(`${res.status}\n${headerLines.join("\n")}\n${exchange.text}`);
        return exchange;
      },
    };

    describe("forwarding", () => forwardingScenarios(ctx));
    describe("refusals, steps 1-9", () => errorScenarios(ctx));
    describe("paths", () => pathScenarios(ctx));
    describe("identity", () => identityScenarios(ctx));
    describe("headers", () => headerScenarios(ctx));
    describe("upstream failures", () => upstreamFailureScenarios(ctx));
    describe("parser level", () => rawScenarios(ctx));
    describe("stateful: cache, idempotency, rate limits, cooldown", () => statefulScenarios(ctx));
    describe("response scrubbing", () => scrubbingScenarios(ctx));

    it("no secret or PSK appears in any answer, log line or evil-origin record of the whole suite", () => {
      const jiraBasic = `${secrets.JIRA_USER}:${secrets.JIRA_TOKEN}`;
      const haystacks = {
        answers: ctx.transcript(),
        logs: proxy!.logLines().join("\n"),
        evil: JSON.stringify(upstreams!.evil.requests),
      };
      expect(haystacks.answers.length).toBeGreaterThan(1000);
      expect(proxy!.logLines().length).toBeGreaterThan(50);
      for (const [where, text] of Object.entries(haystacks)) {
        for (const [name, value] of [...Object.entries(secrets), ["JIRA_BASIC", jiraBasic] as const]) {
          for (const form of leakForms(value)) {
            expect({ where, name, leaked: text.includes(form) }).toEqual({ where, name, leaked: false });
          }
        }
      }
    });
  });
}
