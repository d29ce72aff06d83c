import { describeHttpScenarios } from "@outpost/core/testing";
import { afterAll } from "vitest";
import { workerdHarness } from "./support/workerd-harness.js";

// The same scenarios, YAML and expectations as on Node, against the Worker inside workerd.
describeHttpScenarios(workerdHarness);

interface TaskLike {
  readonly name: string;
  readonly tasks?: readonly TaskLike[];
  readonly annotations?: readonly { readonly message: string }[];
  readonly result?: { readonly note?: string };
}

/** Every "not applicable" note the suite recorded (skips and annotations), with its scenario. */
function notApplicable(task: TaskLike): string[] {
  const notes = new Set([...(task.annotations ?? []).map((a) => a.message), task.result?.note ?? ""]);
  const own = [...notes].filter((note) => note.startsWith("not applicable")).map((note) => `${task.name}: ${note}`);
  return [...own, ...(task.tasks ?? []).flatMap(notApplicable)];
}

// The default reporter only counts skips; this prints each scenario that cannot apply on Workers
// with its reason, so none is dropped silently.
afterAll(({}, file) => {
  const notes = notApplicable(file as TaskLike);
  if (notes.length > 0) console.info(`workerd: ${notes.length} scenarios reported not applicable\n- ${notes.join("\n- ")}`);
});
