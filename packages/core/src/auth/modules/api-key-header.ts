import * as v from "valibot";
import { EnvName, HeaderName, HeaderValue } from "../../config/schema-helpers.js";
import { requireSecret, staticAuthModule } from "../static-injection.js";
import { defineAuthModule } from "../types.js";

export const apiKeyHeaderAuth = defineAuthModule({
  type: "api_key_header",
  schema: v.strictObject({
    type: v.literal("api_key_header"),
    env: EnvName,
    header: HeaderName,
    prefix: v.optional(HeaderValue, ""),
  }),
  secretRefs: (c) => [{ path: ["auth", "env"], env: c.env }],
  create: (c, { secrets }) => {
    const key = requireSecret(secrets, c.env);
    return staticAuthModule("api_key_header", [[c.header, c.prefix + key]], [], [key]);
  },
});
