import * as v from "valibot";
import { EnvName, HeaderName, HeaderValue } from "../../config/schema-helpers.js";
import { requireSecret, staticAuthModule } from "../static-injection.js";
import { defineAuthModule, type HeaderPair } from "../types.js";

const HeaderSource = v.union(
  [v.strictObject({ env: EnvName }), v.strictObject({ value: HeaderValue })],
  "must be {env: NAME} or {value: TEXT}",
);

export const customHeadersAuth = defineAuthModule({
  type: "custom_headers",
  schema: v.strictObject({
    type: v.literal("custom_headers"),
    headers: v.pipe(
      v.record(HeaderName, HeaderSource),
      v.check((h) => Object.keys(h).length > 0, "must name at least one header"),
    ),
  }),
  secretRefs: (c) =>
    Object.entries(c.headers).flatMap(([name, source]) =>
      "env" in source ? [{ path: ["auth", "headers", name, "env"], env: source.env }] : [],
    ),
  create: (c, { secrets }) => {
    const headers: HeaderPair[] = [];
    const secretValues: string[] = [];
    for (const [name, source] of Object.entries(c.headers)) {
      const value = "env" in source ? requireSecret(secrets, source.env) : source.value;
      if ("env" in source) secretValues.push(value);
      headers.push([name, value]);
    }
    return staticAuthModule("custom_headers", headers, [], secretValues);
  },
});
