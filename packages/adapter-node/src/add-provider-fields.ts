/**
 * What `outpost add-provider` asks for each auth type (DESIGN §7), and the checks it applies while
 * the operator types. The checks mirror core's schema so mistakes show at the prompt; the written
 * file is still validated by core's loader, which has the last word.
 */
import { compileDenyList, compileGlob } from "@outpost/core";

/** One question about the `auth:` block. Secrets are only ever named (`kind: "env"`), never asked for. */
export interface AuthField {
  readonly key: string;
  readonly message: string;
  readonly kind: "env" | "header" | "param" | "url" | "key" | "text" | "choice";
  /** Blank answers are refused; optional fields are left out of the file when blank. */
  readonly required: boolean;
  /** Pre-filled answer; an `env` field's default is the provider name upper-cased plus this suffix. */
  readonly default?: string;
  /** Left out of the file when the answer equals the default (the schema fills it in). */
  readonly omitDefault?: boolean;
  readonly choices?: readonly string[];
}

export interface AuthTypeSpec {
  readonly type: string;
  readonly description: string;
  readonly fields: readonly AuthField[];
}

const env = (key: string, message: string, suffix: string, required = true): AuthField => ({ key, message, kind: "env", required, default: suffix });
const header = (fallback: string): AuthField => ({ key: "header", message: "Header name", kind: "header", required: true, default: fallback, omitDefault: true });
const prefix = (fallback: string): AuthField => ({ key: "prefix", message: "Value prefix", kind: "text", required: false, default: fallback, omitDefault: true });

/**
 * Every built-in type except the aliases (`bearer_redis`, `user_env`/`pass_env`), inline secrets
 * (`bearer_static.value`) and `plugin`, whose `config` is the plugin's own business: edit the file.
 */
export const AUTH_TYPES: readonly AuthTypeSpec[] = [
  { type: "bearer_static", description: "Authorization: Bearer <secret from an environment variable>", fields: [env("env", "Environment variable holding the token", "_TOKEN"), header("Authorization"), prefix("Bearer ")] },
  { type: "api_key_header", description: "<header>: <prefix><secret>", fields: [env("env", "Environment variable holding the API key", "_API_KEY"), { ...header("X-API-Key"), omitDefault: false }, prefix("")] },
  { type: "api_key_query", description: "?<param>=<secret> on every request", fields: [env("env", "Environment variable holding the API key", "_API_KEY"), { key: "param", message: "Query parameter name", kind: "param", required: true, default: "api_key" }] },
  { type: "basic_auth", description: "Authorization: Basic, from a user name and a password", fields: [env("username_env", "Environment variable holding the user name", "_USERNAME"), env("password_env", "Environment variable holding the password", "_PASSWORD")] },
  { type: "bearer_store", description: "bearer token kept in storage, rotated with `outpost token set`", fields: [{ key: "key", message: "Storage key of the token", kind: "key", required: true }, env("env_seed", "Environment variable with a first token (blank for none)", "", false), header("Authorization"), prefix("Bearer ")] },
  {
    type: "oauth2_client_credentials",
    description: "token minted from a client id and secret (OAuth 2.0 client credentials)",
    fields: [
      env("client_id_env", "Environment variable holding the client id", "_CLIENT_ID"),
      env("client_secret_env", "Environment variable holding the client secret", "_CLIENT_SECRET"),
      { key: "token_url", message: "Token endpoint URL", kind: "url", required: true },
      { key: "scope", message: "Scope (blank for none)", kind: "text", required: false },
      { key: "audience", message: "Audience (blank for none)", kind: "text", required: false },
      { key: "auth_method", message: "How the client authenticates to the token endpoint", kind: "choice", required: true, choices: ["client_secret_post", "client_secret_basic"], default: "client_secret_post", omitDefault: true },
      header("Authorization"),
      prefix("Bearer "),
    ],
  },
  {
    type: "hmac_signed",
    description: "API key header plus an HMAC signature over what is forwarded (Binance style)",
    fields: [
      env("key_env", "Environment variable holding the API key", "_API_KEY"),
      env("secret_env", "Environment variable holding the signing secret", "_API_SECRET"),
      { key: "key_header", message: "API key header", kind: "header", required: true, default: "X-MBX-APIKEY", omitDefault: true },
      { key: "signature_param", message: "Signature query parameter", kind: "param", required: true, default: "signature", omitDefault: true },
      { key: "timestamp_param", message: "Timestamp query parameter", kind: "param", required: true, default: "timestamp", omitDefault: true },
      { key: "digest", message: "Digest", kind: "choice", required: true, choices: ["sha256", "sha512"], default: "sha256", omitDefault: true },
      { key: "payload", message: "What is signed", kind: "choice", required: true, choices: ["query", "body", "query+body"], default: "query", omitDefault: true },
    ],
  },
  { type: "custom_headers", description: "several headers, each from its own environment variable", fields: [] },
  { type: "none", description: "no credential (public API, or the agent's own headers are enough)", fields: [] },
];

/** `my-api` → `MY_API`: the stem of suggested environment variable names. */
export function envStem(providerName: string): string {
  return providerName.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

/** A check returns true or the message to show under the prompt. */
export type Check = (value: string) => true | string;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PARAM_NAME = /^[A-Za-z0-9._~-]+$/;
const STORE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const METHOD = /^(\*|[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/;

function absoluteUrl(value: string): true | string {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? true : "must be an http(s) URL";
  } catch {
    return "must be an absolute URL, e.g. https://api.example.com";
  }
}

const KIND_CHECKS: Record<AuthField["kind"], Check> = {
  env: (v) => ENV_NAME.test(v) || "must be an environment variable name (letters, digits, _); the secret itself stays in the environment",
  header: (v) => HEADER_NAME.test(v) || "must be a valid HTTP header name",
  param: (v) => PARAM_NAME.test(v) || "must be a plain query parameter name",
  key: (v) => STORE_KEY.test(v) || "must be 1-128 letters, digits, '.', '_' or '-'",
  url: absoluteUrl,
  text: (v) => !/[\r\n\0]/.test(v) || "must not contain CR, LF or NUL",
  choice: () => true,
};

export function checkField(field: Pick<AuthField, "kind" | "required">): Check {
  return (value) => (value === "" ? !field.required || "is required" : KIND_CHECKS[field.kind](value));
}

/** Splits a comma-separated answer, dropping blanks. */
export function list(value: string): string[] {
  return value.split(",").map((item) => item.trim()).filter(Boolean);
}

/** Runs one of core's compilers and turns its exception into a prompt message. */
function compiles(compile: () => unknown): true | string {
  try {
    compile();
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

export const CHECKS = {
  providerName: (v: string) => (/^[a-z0-9][a-z0-9_-]*$/.test(v) && v.length <= 64) || "must match [a-z0-9][a-z0-9_-]* (lower case, at most 64 characters)",
  baseUrl: absoluteUrl,
  /** The very glob compiler the proxy uses, so a pattern that passes here also loads. */
  pattern: (v: string) => (v === "" ? "is required" : compiles(() => compileGlob(v))),
  methods: (v: string) => (list(v).length > 0 && list(v).every((m) => METHOD.test(m))) || 'must be HTTP methods separated by commas, or "*"',
  category: (v: string) => !/\s/.test(v) || "must not contain spaces",
  deny: (v: string) => list(v).map((entry) => compiles(() => compileDenyList([entry]))).find((r) => r !== true) ?? true,
  positiveInt: (v: string) => (/^\d+$/.test(v) && Number(v) >= 1) || "must be a whole number, at least 1",
} satisfies Record<string, Check>;
