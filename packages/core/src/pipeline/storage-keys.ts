/**
 * Every storage key core writes, in one place. Keys are built from configuration (provider,
 * category, host id) and fixed-size hashes of agent input, so an agent cannot choose a key nor
 * make one arbitrarily long (invariant 8).
 */
export const storageKeys = {
  rateLimit: (provider: string, category: string) => `rl:${provider}:${category}`,
  cooldown: (provider: string, category: string) => `cooldown:${provider}:${category}`,
  cache: (hash: string) => `cache:${hash}`,
  pskFailures: (hostId: string, addressPrefix: string) => `pskfail:${hostId}:${addressPrefix}`,
  idempotency: (provider: string, hostId: string, keyHash: string) => `idem:${provider}:${hostId}:${keyHash}`,
} as const;
