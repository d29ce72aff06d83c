/**
 * @module @outpost/core
 * Configuration, policy, auth and the forwarding pipeline of Outpost, on Web standards only.
 */
export { createGateway } from "./gateway.js";
export type { Gateway, GatewayDeps } from "./gateway.js";
export { statusClass } from "./events/gateway-event.js";
export type {
  CacheHitEvent,
  CacheState,
  GatewayEvent,
  GatewayEventType,
  GatewayObserver,
  RateLimitedEvent,
  RateLimitWaitEvent,
  RequestEvent,
  TokenMintEvent,
  UpstreamErrorEvent,
} from "./events/gateway-event.js";

export { loadConfig } from "./config/load-config.js";
export type { LoadConfigOptions } from "./config/load-config.js";
export type { CompiledConfig, CompiledHost, CompiledProvider } from "./config/compiled-config.js";
export { ProviderSchema, AllowRuleSchema, ForwardingSchema } from "./config/provider-schema.js";
export type { ProviderConfig, AllowRule, ForwardingConfig } from "./config/provider-schema.js";
export { HostsFileSchema, HostSchema } from "./config/hosts-schema.js";
export type { HostsFileConfig, HostConfig } from "./config/hosts-schema.js";
export type { ConfigSource } from "./config/yaml-source.js";

export { ConfigError, formatConfigIssue } from "./errors/config-error.js";
export type { ConfigIssue } from "./errors/config-error.js";
export { GatewayError, toGatewayError } from "./errors/gateway-error.js";
export { ERROR_CODE_TO_STATUS, statusOf } from "./errors/codes.js";
export type { ErrorCode } from "./errors/codes.js";

export { AUTH_MODULES } from "./auth/registry.js";
export type { AuthType } from "./auth/registry.js";
export { defineAuthModule, defineAuthPlugin } from "./auth/types.js";
export type {
  AuthModule,
  AuthModuleContext,
  AuthModuleDefinition,
  AuthInjection,
  AuthPlugin,
  AuthRequest,
  HeaderPair,
  SecretRef,
} from "./auth/types.js";
export type { StandardSchemaV1 } from "./auth/standard-schema.js";
export { BUILT_IN_AUTH_PLUGINS, isPluginPath } from "./auth/modules/plugin.js";
export { totpPlugin } from "./auth/plugins/totp.js";
export { bearerStoreKey, bearerStoreStaleSeedKey, setBearerStoreToken } from "./auth/modules/bearer-store.js";
export { hmacSigningQuery } from "./auth/modules/hmac-signed.js";
export { pluginFileReferences } from "./config/plugin-references.js";
export type { PluginFileReference } from "./config/plugin-references.js";

export { canonicalizePath } from "./policy/canonical-path.js";
export type { CanonicalPathResult } from "./policy/canonical-path.js";
export { compileGlob } from "./policy/glob.js";
export { compileDenyList } from "./policy/deny-matcher.js";
export { compileRoutePolicy, SAFE_METHODS } from "./policy/route-policy.js";
export type { RouteDecision, RoutePolicy } from "./policy/route-policy.js";

export { parseIp, formatIp } from "./host/ip.js";
export type { IpAddress } from "./host/ip.js";
export { parseCidr } from "./host/cidr.js";
export type { Cidr } from "./host/cidr.js";

export type { RequestInfo } from "./pipeline/request-info.js";
export { headerValue } from "./pipeline/request-info.js";
export type { ForwardPlan, ForwardOutcome, Outcome, ResponseDecision } from "./pipeline/forward-plan.js";
export { SCRUB_BUFFER_BYTES } from "./pipeline/response-scrub.js";
export type { SealedAnswer } from "./pipeline/response-scrub.js";
export type { Answer } from "./http/answer.js";
export type { FetchContext, FetchLike } from "./http/fetch-entry.js";
export type { DocsAssets, MetricsSource } from "./management/endpoints.js";
export { openApiDocument } from "./management/openapi.js";
export type { OpenApiOptions } from "./management/openapi.js";
export { OUTPOST_VERSION } from "./version.js";
export {
  basicCredentialForms,
  compilePatterns,
  createScrubber,
  createScrubStream,
  scrubText,
  secretForms,
} from "./scrub/index.js";
export type { CompiledPatterns, Scrubber } from "./scrub/index.js";

export { systemClock } from "./ports/clock.js";
export type { Clock } from "./ports/clock.js";
export { silentLogger } from "./ports/logger.js";
export type { Logger } from "./ports/logger.js";
export { secretsFromRecord } from "./ports/secrets.js";
export type { Storage, StorageCapabilities, SetOptions, TokenWindow, TakeResult, ReserveResult } from "./ports/storage.js";
export { memoryStorage, MEMORY_STORAGE_NAME } from "./storage/memory-storage.js";
export type { MemoryStorageOptions } from "./storage/memory-storage.js";
export { takeFromWindows, refill } from "./storage/token-bucket.js";
export type { BucketState } from "./storage/token-bucket.js";
export type { Secrets } from "./ports/secrets.js";
