import * as v from "valibot";
import { EnvName, HeaderName, HeaderValue, NonEmptyString } from "../../config/schema-helpers.js";
import { requireSecret, staticAuthModule } from "../static-injection.js";
import { defineAuthModule } from "../types.js";

export const bearerStaticAuth = defineAuthModule({
  type: "bearer_static",
  schema: v.pipe(
    v.strictObject({
      type: v.literal("bearer_static"),
      env: v.optional(EnvName),
      /** Inline token; prefer `env` so the secret stays out of files. */
      value: v.optional(NonEmptyString),
      header: v.optional(HeaderName, "Authorization"),
      prefix: v.optional(HeaderValue, "Bearer "),
    }),
    v.check((c) => (c.env === undefined) !== (c.value === undefined), "needs exactly one of env or value"),
  ),
  secretRefs: (c) => (c.env === undefined ? [] : [{ path: ["auth", "env"], env: c.env }]),
  create: (c, { secrets }) => {
    const token = c.value ?? requireSecret(secrets, c.env as string);
    return staticAuthModule("bearer_static", [[c.header, c.prefix + token]], [], [token]);
  },
});
