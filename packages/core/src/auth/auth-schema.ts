import * as v from "valibot";
import { apiKeyHeaderAuth } from "./modules/api-key-header.js";
import { apiKeyQueryAuth } from "./modules/api-key-query.js";
import { basicAuth } from "./modules/basic-auth.js";
import { bearerStaticAuth } from "./modules/bearer-static.js";
import { customHeadersAuth } from "./modules/custom-headers.js";
import { noneAuth } from "./modules/none.js";

/** The `auth:` block of a provider: one variant per registered module, chosen by `type`. */
export const AuthSchema = v.variant(
  "type",
  [
    noneAuth.schema,
    bearerStaticAuth.schema,
    apiKeyHeaderAuth.schema,
    apiKeyQueryAuth.schema,
    basicAuth.schema,
    customHeadersAuth.schema,
  ],
  (issue) => `unknown auth type ${JSON.stringify(issue.input)}`,
);

export type AuthConfig = v.InferOutput<typeof AuthSchema>;
