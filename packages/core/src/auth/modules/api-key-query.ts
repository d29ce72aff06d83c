import * as v from "valibot";
import { EnvName, NonEmptyString } from "../../config/schema-helpers.js";
import { requireSecret, staticAuthModule } from "../static-injection.js";
import { defineAuthModule } from "../types.js";

export const apiKeyQueryAuth = defineAuthModule({
  type: "api_key_query",
  schema: v.strictObject({
    type: v.literal("api_key_query"),
    env: EnvName,
    param: v.pipe(NonEmptyString, v.regex(/^[A-Za-z0-9._~-]+$/, "must be a plain query parameter name")),
  }),
  secretRefs: (c) => [{ path: ["auth", "env"], env: c.env }],
  create: (c, { secrets }) => {
    const key = requireSecret(secrets, c.env);
    return staticAuthModule("api_key_query", [], [[c.param, key]], [key]);
  },
});
