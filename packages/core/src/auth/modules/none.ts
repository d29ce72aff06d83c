import * as v from "valibot";
import { staticAuthModule } from "../static-injection.js";
import { defineAuthModule } from "../types.js";

export const noneAuth = defineAuthModule({
  type: "none",
  schema: v.strictObject({ type: v.literal("none") }),
  secretRefs: () => [],
  create: () => staticAuthModule("none", [], [], []),
});
