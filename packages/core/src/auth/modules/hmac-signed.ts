import * as v from "valibot";
import { EnvName, HeaderName } from "../../config/schema-helpers.js";
import { concatBytes } from "../../internal/bytes.js";
import { hmac, importHmacKey, toHex, utf8 } from "../../internal/hmac.js";
import { injectQuery } from "../../pipeline/query.js";
import { requireSecret } from "../static-injection.js";
import { defineAuthModule } from "../types.js";

const ParamName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._~-]+$/, "must be a plain query parameter name"));

/**
 * The query string exactly as the pipeline will forward it, minus the trailing signature: the
 * agent's query with the module's own names removed and `timestamp` appended, as `injectQuery`
 * does. It is computed *by* `injectQuery` with an empty signature, then the `&signature=` tail is
 * cut, so the two can never disagree (invariant 3: sign what is forwarded).
 */
export function hmacSigningQuery(rawQuery: string, timestampParam: string, timestamp: string, signatureParam: string): string {
  const withEmptySignature = injectQuery(rawQuery, [
    [timestampParam, timestamp],
    [signatureParam, ""],
  ]);
  const tail = `&${encodeURIComponent(signatureParam)}=`;
  // Always true: the timestamp precedes the signature; the check guards a change to injectQuery.
  if (!withEmptySignature.endsWith(tail)) throw new Error("hmac_signed: unexpected query layout");
  return withEmptySignature.slice(0, -tail.length);
}

export const hmacSignedAuth = defineAuthModule({
  type: "hmac_signed",
  schema: v.pipe(
    v.strictObject({
      type: v.literal("hmac_signed"),
      key_env: EnvName,
      secret_env: EnvName,
      /** DESIGN §4.2 defaults follow Binance, the best-known API signed this way. */
      key_header: v.optional(HeaderName, "X-MBX-APIKEY"),
      signature_param: v.optional(ParamName, "signature"),
      /** Epoch milliseconds from the gateway's clock. */
      timestamp_param: v.optional(ParamName, "timestamp"),
      digest: v.optional(v.picklist(["sha256", "sha512"], "must be sha256 or sha512"), "sha256"),
      /** `query+body` signs the query string immediately followed by the body bytes. */
      payload: v.optional(v.picklist(["query", "body", "query+body"], "must be query, body or query+body"), "query"),
    }),
    v.check((c) => c.signature_param.toLowerCase() !== c.timestamp_param.toLowerCase(), "signature_param and timestamp_param must differ"),
  ),
  secretRefs: (c) => [
    { path: ["auth", "key_env"], env: c.key_env },
    { path: ["auth", "secret_env"], env: c.secret_env },
  ],
  create: (c, { secrets, clock }) => {
    const apiKey = requireSecret(secrets, c.key_env);
    const secret = requireSecret(secrets, c.secret_env);
    const key = importHmacKey(c.digest === "sha512" ? "SHA-512" : "SHA-256", utf8(secret));
    const signsQuery = c.payload !== "body";
    const signsBody = c.payload !== "query";
    const values = [apiKey, secret];
    return {
      type: "hmac_signed",
      headerNames: [c.key_header.toLowerCase()],
      queryParams: [c.timestamp_param, c.signature_param],
      needsBody: signsBody,
      secretValues: () => values,
      apply: async (request) => {
        const timestamp = String(clock.now());
        const query = signsQuery ? utf8(hmacSigningQuery(request.query, c.timestamp_param, timestamp, c.signature_param)) : new Uint8Array();
        const body = signsBody ? (request.body ?? new Uint8Array()) : new Uint8Array();
        const signature = toHex(await hmac(await key, concatBytes([query, body])));
        return {
          headers: [[c.key_header, apiKey]],
          query: [
            [c.timestamp_param, timestamp],
            [c.signature_param, signature],
          ],
        };
      },
    };
  },
});
