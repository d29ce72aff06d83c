import { apiKeyHeaderAuth } from "./modules/api-key-header.js";
import { apiKeyQueryAuth } from "./modules/api-key-query.js";
import { basicAuth } from "./modules/basic-auth.js";
import { bearerStaticAuth } from "./modules/bearer-static.js";
import { customHeadersAuth } from "./modules/custom-headers.js";
import { noneAuth } from "./modules/none.js";
import type { AuthModuleDefinition } from "./types.js";

/** Built-in auth modules by YAML `type`. Stateful modules and plugins join this map. */
export const AUTH_MODULES = {
  none: noneAuth,
  bearer_static: bearerStaticAuth,
  api_key_header: apiKeyHeaderAuth,
  api_key_query: apiKeyQueryAuth,
  basic_auth: basicAuth,
  custom_headers: customHeadersAuth,
} as const satisfies Record<string, AuthModuleDefinition>;

export type AuthType = keyof typeof AUTH_MODULES;

export function authModuleDefinition(type: string): AuthModuleDefinition {
  return (AUTH_MODULES as Record<string, AuthModuleDefinition>)[type] as AuthModuleDefinition;
}
