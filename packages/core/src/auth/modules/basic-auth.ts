import * as v from "valibot";
import { EnvName } from "../../config/schema-helpers.js";
import { base64Encode } from "../../internal/bytes.js";
import { requireSecret, staticAuthModule } from "../static-injection.js";
import { defineAuthModule } from "../types.js";

/** `user_env`/`pass_env` are accepted aliases (DESIGN §7); each pair takes exactly one spelling. */
export const basicAuth = defineAuthModule({
  type: "basic_auth",
  schema: v.pipe(
    v.strictObject({
      type: v.literal("basic_auth"),
      username_env: v.optional(EnvName),
      user_env: v.optional(EnvName),
      password_env: v.optional(EnvName),
      pass_env: v.optional(EnvName),
    }),
    v.check((c) => (c.username_env === undefined) !== (c.user_env === undefined), "needs exactly one of username_env or user_env"),
    v.check((c) => (c.password_env === undefined) !== (c.pass_env === undefined), "needs exactly one of password_env or pass_env"),
  ),
  secretRefs: (c) => [
    { path: ["auth", c.username_env ? "username_env" : "user_env"], env: (c.username_env ?? c.user_env) as string },
    { path: ["auth", c.password_env ? "password_env" : "pass_env"], env: (c.password_env ?? c.pass_env) as string },
  ],
  create: (c, { secrets }) => {
    const user = requireSecret(secrets, (c.username_env ?? c.user_env) as string);
    const pass = requireSecret(secrets, (c.password_env ?? c.pass_env) as string);
    // RFC 7617 §2: the user-id and password are joined by ":" and encoded as UTF-8 base64.
    const credential = base64Encode(new TextEncoder().encode(`${user}:${pass}`));
    return staticAuthModule("basic_auth", [["Authorization", `Basic ${credential}`]], [], [user, pass, credential]);
  },
});
