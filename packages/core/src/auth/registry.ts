import { apiKeyHeaderAuth } from "./modules/api-key-header.js";
import { apiKeyQueryAuth } from "./modules/api-key-query.js";
import { basicAuth } from "./modules/basic-auth.js";
import { bearerStaticAuth } from "./modules/bearer-static.js";
import { bearerStoreAuth } from "./modules/bearer-store.js";
import { customHeadersAuth } from "./modules/custom-headers.js";
import { hmacSignedAuth } from "./modules/hmac-signed.js";
import { noneAuth } from "./modules/none.js";
import { oauth2ClientCredentialsAuth } from "./modules/oauth2-client-credentials.js";
import type { AuthModuleDefinition } from "./types.js";

/**
 * Built-in auth modules by YAML `type`. `type: plugin` is not here: it is resolved against the
 * plugin registry (`LoadConfigOptions.plugins` plus `BUILT_IN_AUTH_PLUGINS`) when config loads.
 */
export const AUTH_MODULES = {
  none: noneAuth,
  bearer_static: bearerStaticAuth,
  bearer_store: bearerStoreAuth,
  /** The original Outpost's name for `bearer_store`. */
  bearer_redis: bearerStoreAuth,
  api_key_header: apiKeyHeaderAuth,
  api_key_query: apiKeyQueryAuth,
  basic_auth: basicAuth,
  hmac_signed: hmacSignedAuth,
  oauth2_client_credentials: oauth2ClientCredentialsAuth,
  custom_headers: customHeadersAuth,
} as const satisfies Record<string, AuthModuleDefinition>;

export type AuthType = keyof typeof AUTH_MODULES | "plugin";

export function authModuleDefinition(type: string): AuthModuleDefinition {
  return (AUTH_MODULES as Record<string, AuthModuleDefinition>)[type] as AuthModuleDefinition;
}
