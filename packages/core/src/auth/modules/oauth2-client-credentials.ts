import * as v from "valibot";
import { isLoopbackHostname } from "../../config/base-url.js";
import { EnvName, HeaderName, HeaderValue, NonEmptyString } from "../../config/schema-helpers.js";
import { sha256Hex } from "../../internal/hash.js";
import { requireSecret } from "../static-injection.js";
import { type AuthInjection, defineAuthModule } from "../types.js";
import { requestToken, type TokenRequest } from "./oauth2-token-endpoint.js";
import { decidingStorage, InvalidateOn, recentValues } from "./stateful-helpers.js";

/** Refresh this long before `expires_in` runs out, so a token never expires on its way upstream. */
const EXPIRY_SKEW_MS = 60_000;
/** Longer than the token endpoint timeout: a live minter never loses its lock mid-mint. */
const MINT_LOCK_TTL_MS = 15_000;
/** How often an instance waiting on another's mint looks for the token. */
const MINT_POLL_MS = 50;
/** DESIGN §4.2: a failing token endpoint is tried at most once per second per credential. */
const FAILURE_BACKOFF_MS = 1_000;

/** Credentials go to the token endpoint only over TLS, or to loopback (the same rule as `base_url`). */
const TokenUrl = v.pipe(
  v.string(),
  v.url("must be an absolute URL"),
  v.check((raw) => {
    const url = new URL(raw);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHostname(url.hostname));
  }, "must be https (plain http only for loopback hosts)"),
  v.check((raw) => !new URL(raw).username && !new URL(raw).password, "must not contain credentials"),
);

/** Cache lifetime for a token valid `expiresInS` seconds: a minute less, or half of a short lifetime. */
export function tokenCacheTtlMs(expiresInS: number): number {
  const lifetimeMs = expiresInS * 1000;
  const ttl = lifetimeMs > 2 * EXPIRY_SKEW_MS ? lifetimeMs - EXPIRY_SKEW_MS : lifetimeMs / 2;
  return Math.max(1_000, Math.floor(ttl));
}

/**
 * Storage keys of one credential: a hash of what selects a token (endpoint, client, scope,
 * audience), never of the secret, so two providers sharing a client share its token.
 */
export async function oauth2CacheKeys(tokenUrl: string, clientId: string, scope?: string, audience?: string) {
  const id = await sha256Hex(JSON.stringify([tokenUrl, clientId, scope ?? null, audience ?? null]));
  return { token: `oauth2:${id}`, lock: `oauth2:${id}:lock`, failed: `oauth2:${id}:failed` };
}

interface Cached {
  readonly token: string;
  /** Epoch ms after which the token is not used (already `EXPIRY_SKEW_MS` before the real expiry). */
  readonly until: number;
}

function parseCached(raw: string | undefined, now: number): Cached | undefined {
  if (raw === undefined) return undefined;
  try {
    const { t, u } = JSON.parse(raw) as { t?: unknown; u?: unknown };
    return typeof t === "string" && t !== "" && typeof u === "number" && u > now ? { token: t, until: u } : undefined;
  } catch {
    return undefined;
  }
}

export const oauth2ClientCredentialsAuth = defineAuthModule({
  type: "oauth2_client_credentials",
  schema: v.strictObject({
    type: v.literal("oauth2_client_credentials"),
    client_id_env: EnvName,
    client_secret_env: EnvName,
    token_url: TokenUrl,
    scope: v.optional(NonEmptyString),
    audience: v.optional(NonEmptyString),
    /** RFC 6749 §2.3.1: the secret in the form body (post) or in `Authorization: Basic` (basic). */
    auth_method: v.optional(v.picklist(["client_secret_post", "client_secret_basic"], "must be client_secret_post or client_secret_basic"), "client_secret_post"),
    invalidate_on: v.optional(InvalidateOn, [401]),
    header: v.optional(HeaderName, "Authorization"),
    prefix: v.optional(HeaderValue, "Bearer "),
  }),
  secretRefs: (c) => [
    { path: ["auth", "client_id_env"], env: c.client_id_env },
    { path: ["auth", "client_secret_env"], env: c.client_secret_env },
  ],
  create: (c, context) => {
    const { clock } = context;
    const storage = decidingStorage(context.storage);
    const request: TokenRequest = {
      tokenUrl: c.token_url,
      clientId: requireSecret(context.secrets, c.client_id_env),
      clientSecret: requireSecret(context.secrets, c.client_secret_env),
      scope: c.scope,
      audience: c.audience,
      authMethod: c.auth_method,
    };
    const invalidateOn = new Set(c.invalidate_on);
    const seen = recentValues([request.clientSecret]);
    const sentWith = new WeakMap<AuthInjection, string>();
    const owner = crypto.randomUUID();
    let keys: ReturnType<typeof oauth2CacheKeys> | undefined;
    let memo: Cached | undefined;
    let inflight: Promise<string> | undefined;
    let failedUntil = 0;
    /** The last token an upstream rejected: never taken from storage again, even if deleting it failed. */
    let rejectedToken: string | undefined;

    const keysOnce = () => (keys ??= oauth2CacheKeys(request.tokenUrl, request.clientId, request.scope, request.audience));
    const use = (entry: Cached) => {
      memo = entry;
      seen.add(entry.token);
      return entry.token;
    };
    const usable = (raw: string | undefined) => {
      const entry = parseCached(raw, clock.now());
      return entry && entry.token !== rejectedToken ? entry : undefined;
    };
    const backingOff = () => new Error("oauth2 token endpoint failed less than a second ago; not retried yet");

    /** Mints while holding the lock; a failure is remembered here and in storage for a second. */
    async function mint(k: Awaited<ReturnType<typeof oauth2CacheKeys>>): Promise<string> {
      try {
        // Another instance may have stored a token between our read and our lock.
        const stored = usable(await storage.get(k.token));
        if (stored) return use(stored);
        let minted;
        try {
          minted = await requestToken(context.fetch, clock, request);
        } catch (error) {
          failedUntil = clock.now() + FAILURE_BACKOFF_MS;
          await storage.set(k.failed, String(failedUntil), { ttlMs: FAILURE_BACKOFF_MS }).catch(() => {});
          throw error;
        }
        const ttlMs = tokenCacheTtlMs(minted.expiresInS);
        const entry = { token: minted.accessToken, until: clock.now() + ttlMs };
        use(entry);
        // A token that could not be shared is still good here; other instances mint their own.
        await storage.set(k.token, JSON.stringify({ t: entry.token, u: entry.until }), { ttlMs }).catch(() => {});
        return entry.token;
      } finally {
        await storage.delete(k.lock).catch(() => {});
      }
    }

    /** Cache, else the lock and a mint, else wait for the instance holding the lock. */
    async function obtain(): Promise<string> {
      const k = await keysOnce();
      // A bound on waiting: a crashed holder's lock expires after MINT_LOCK_TTL_MS and this instance takes it.
      const deadline = clock.now() + MINT_LOCK_TTL_MS + 1_000;
      for (;;) {
        const stored = usable(await storage.get(k.token));
        if (stored) return use(stored);
        if (clock.now() < failedUntil) throw backingOff();
        const failed = Number(await storage.get(k.failed));
        if (failed > clock.now()) {
          failedUntil = failed;
          throw backingOff();
        }
        const lock = await storage.reserve(k.lock, owner, { ttlMs: MINT_LOCK_TTL_MS });
        // Our own lock can only be a leftover whose release failed: this process mints one at a time.
        if (lock.reserved || lock.existing === owner) return mint(k);
        // Another instance mints: poll until its token appears or its lock is gone (released or expired).
        do {
          if (clock.now() >= deadline) throw new Error("oauth2 token was not minted in time by another instance");
          await clock.sleep(MINT_POLL_MS);
        } while (!usable(await storage.get(k.token)) && (await storage.get(k.lock)) !== undefined);
      }
    }

    return {
      type: "oauth2_client_credentials",
      headerNames: [c.header.toLowerCase()],
      queryParams: [],
      secretValues: () => seen.values,
      apply: async () => {
        const now = clock.now();
        // Single flight: every request of this process that finds no token shares one attempt.
        const token = memo && memo.until > now ? memo.token : await (inflight ??= obtain().finally(() => (inflight = undefined)));
        const injection: AuthInjection = { headers: [[c.header, c.prefix + token]], query: [] };
        sentWith.set(injection, token);
        return injection;
      },
      onResponse: async (status, applied) => {
        if (!invalidateOn.has(status)) return;
        // Without `applied`, assume the current token; with it, drop only the token that was rejected.
        const rejected = (applied && sentWith.get(applied)) ?? memo?.token;
        if (rejected === undefined) return;
        rejectedToken = rejected;
        if (memo?.token === rejected) memo = undefined;
        try {
          const k = await keysOnce();
          if (parseCached(await storage.get(k.token), clock.now())?.token === rejected) await storage.delete(k.token);
        } catch {
          // The answer is already on its way; the next rejection retries the invalidation.
        }
      },
    };
  },
});
