import { describeHttpScenarios } from "@outpost/core/testing";
import { fetchHarness } from "./support/fetch-harness.js";

describeHttpScenarios(fetchHarness);
