import * as v from "valibot";
import { apiKeyHeaderAuth } from "./modules/api-key-header.js";
import { apiKeyQueryAuth } from "./modules/api-key-query.js";
import { basicAuth } from "./modules/basic-auth.js";
import { bearerStaticAuth } from "./modules/bearer-static.js";
import { bearerStoreAuth } from "./modules/bearer-store.js";
import { customHeadersAuth } from "./modules/custom-headers.js";
import { hmacSignedAuth } from "./modules/hmac-signed.js";
import { noneAuth } from "./modules/none.js";
import { oauth2ClientCredentialsAuth } from "./modules/oauth2-client-credentials.js";
import { PluginAuthSchema } from "./modules/plugin.js";

/** The `auth:` block of a provider: one variant per registered module, chosen by `type`. */
export const AuthSchema = v.variant(
  "type",
  [
    noneAuth.schema,
    bearerStaticAuth.schema,
    bearerStoreAuth.schema,
    apiKeyHeaderAuth.schema,
    apiKeyQueryAuth.schema,
    basicAuth.schema,
    hmacSignedAuth.schema,
    oauth2ClientCredentialsAuth.schema,
    customHeadersAuth.schema,
    PluginAuthSchema,
  ],
  (issue) => `unknown auth type ${JSON.stringify(issue.input)}`,
);

export type AuthConfig = v.InferOutput<typeof AuthSchema>;
