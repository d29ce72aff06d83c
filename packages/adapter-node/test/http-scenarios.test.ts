import { describeHttpScenarios } from "@outpost/core/testing";
import { nodeHarness } from "./support/node-harness.js";

describeHttpScenarios(nodeHarness);
