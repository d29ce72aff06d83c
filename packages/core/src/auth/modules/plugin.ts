import * as v from "valibot";
import { NonEmptyString } from "../../config/schema-helpers.js";
import { totpPlugin } from "../plugins/totp.js";
import type { AuthPlugin } from "../types.js";

/**
 * `auth: {type: plugin, module: NAME, config: {…}}`. Only the outer shape is checked here; the
 * plugin's own schema checks `config` once the name is resolved (config/load-auth.ts).
 */
export const PluginAuthSchema = v.strictObject({
  type: v.literal("plugin"),
  /** A registered plugin name; on Node also a file path starting with `./`, `../` or `/`. */
  module: NonEmptyString,
  config: v.optional(v.record(v.string(), v.unknown()), {}),
});

/** Plugins every gateway knows without being told; `LoadConfigOptions.plugins` adds to (or overrides) them. */
export const BUILT_IN_AUTH_PLUGINS: Readonly<Record<string, AuthPlugin>> = { totp: totpPlugin };

/** A `module` naming a file rather than a registered plugin. */
export function isPluginPath(module: string): boolean {
  return module.startsWith("./") || module.startsWith("../") || module.startsWith("/");
}
