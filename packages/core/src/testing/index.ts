/**
 * @module @outpost/core/testing
 * Test kits shared by every runtime: the fake clock and the HTTP scenario suite.
 */
export { createFakeClock } from "./fake-clock.js";
export type { FakeClock } from "./fake-clock.js";
export { describeStorageConformance } from "./storage-conformance.js";
export type { StorageConformanceOptions } from "./storage-conformance.js";
export { describeHttpScenarios } from "./http-scenarios.js";
export type {
  ScenarioHarness,
  ScenarioRequest,
  ScenarioResponse,
  ScenarioUpstream,
  ScenarioUpstreams,
  RecordedUpstreamRequest,
  ProxyConfigTexts,
  ProxyUnderTest,
  RawExchange,
} from "./scenario-harness.js";
