import * as v from "valibot";
import { EnvName, HeaderName, HeaderValue } from "../../config/schema-helpers.js";
import { base32Decode } from "../../internal/base32.js";
import { hmac, type HmacHash, type HmacKey, importHmacKey } from "../../internal/hmac.js";
import { requireSecret } from "../static-injection.js";
import { defineAuthPlugin } from "../types.js";

const HASHES = { SHA1: "SHA-1", SHA256: "SHA-256", SHA512: "SHA-512" } as const satisfies Record<string, HmacHash>;

export interface TotpOptions {
  readonly hash: HmacHash;
  /** 6 to 8 (RFC 4226 §5.3 allows more; 8 is what RFC 6238's vectors use). */
  readonly digits: number;
  /** Time step X in seconds (RFC 6238 §4.1). */
  readonly periodS: number;
}

/**
 * RFC 6238 TOTP at `timeMs`: RFC 4226 HOTP over the counter T = floor(unix seconds / period),
 * as an 8-byte big-endian integer, with dynamic truncation (RFC 4226 §5.3).
 */
export async function totpCode(key: HmacKey, timeMs: number, options: Pick<TotpOptions, "digits" | "periodS">): Promise<string> {
  const counter = Math.floor(timeMs / 1000 / options.periodS);
  const message = new Uint8Array(8);
  // Two 32-bit halves: counters past 2^32 (year 2106 at 30 s) still encode exactly.
  new DataView(message.buffer).setUint32(0, Math.floor(counter / 2 ** 32));
  new DataView(message.buffer).setUint32(4, counter >>> 0);
  const mac = await hmac(key, message);
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = new DataView(mac.buffer, mac.byteOffset + offset, 4).getUint32(0) & 0x7fffffff;
  return String(binary % 10 ** options.digits).padStart(options.digits, "0");
}

/**
 * The example plugin: a time-based one-time password (the kind authenticator apps show) sent in a
 * header on every request, e.g. `X-TOTP: 287082`. Registered by default under the name `totp`:
 * `auth: {type: plugin, module: totp, config: {secret_env: TOTP_SECRET}}`.
 */
export const totpPlugin = defineAuthPlugin({
  type: "totp",
  schema: v.strictObject({
    /** The shared secret in base32, as provisioning URIs (`otpauth://…?secret=`) carry it. */
    secret_env: EnvName,
    algorithm: v.optional(v.picklist(["SHA1", "SHA256", "SHA512"], "must be SHA1, SHA256 or SHA512"), "SHA1"),
    digits: v.optional(v.pipe(v.number(), v.integer("must be an integer"), v.minValue(6, "must be 6 to 8"), v.maxValue(8, "must be 6 to 8")), 6),
    /** Seconds. */
    period: v.optional(v.pipe(v.number(), v.integer("must be an integer"), v.minValue(1, "must be at least 1")), 30),
    header: v.optional(HeaderName, "X-TOTP"),
    prefix: v.optional(HeaderValue, ""),
  }),
  secretRefs: (c) => [{ path: ["secret_env"], env: c.secret_env }],
  create: (c, { secrets, clock }) => {
    const secret = requireSecret(secrets, c.secret_env);
    const keyBytes = base32Decode(secret);
    // Names the variable, never its value (it is a secret).
    if (!keyBytes || keyBytes.length === 0) throw new Error(`totp: ${c.secret_env} is not a base32 secret`);
    const key = importHmacKey(HASHES[c.algorithm], keyBytes);
    const options = { digits: c.digits, periodS: c.period };
    // One HMAC per time step, not per request.
    let last: { step: number; code: Promise<string> } | undefined;
    return {
      type: "totp",
      headerNames: [c.header.toLowerCase()],
      queryParams: [],
      // The code itself is not scrubbed: six digits would match unrelated bytes in answers, and it expires in seconds.
      secretValues: () => [secret],
      apply: async () => {
        const now = clock.now();
        const step = Math.floor(now / 1000 / c.period);
        if (last?.step !== step) last = { step, code: key.then((k) => totpCode(k, now, options)) };
        return { headers: [[c.header, c.prefix + (await last.code)]], query: [] };
      },
    };
  },
});
