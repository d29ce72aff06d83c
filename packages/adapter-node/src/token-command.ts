import { ConfigError, type CompiledConfig, setBearerStoreToken, bearerStoreKey } from "@outpost/core";
import { createNodeStorage } from "./node-storage.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

function refuse(message: string): never {
  throw new ConfigError([{ file: "<outpost token>", line: undefined, field: "", message }]);
}

/**
 * `outpost token set|clear PROVIDER`: rotates a `bearer_store` token in the shared storage that
 * running proxies read on every request. With memory storage there is nothing to share: a
 * separate process cannot reach a running proxy's memory (DESIGN §4.2), so it refuses.
 */
export async function runTokenCommand(
  config: CompiledConfig,
  action: "set" | "clear",
  providerName: string,
  redisUrl: string | undefined,
  redisPrefix: string,
): Promise<string> {
  const provider = config.providers.get(providerName.toLowerCase());
  if (!provider) refuse(`provider "${providerName}" is not an enabled provider`);
  const auth = provider.config.auth;
  if (auth.type !== "bearer_store" && auth.type !== "bearer_redis") refuse(`provider "${provider.name}" uses ${auth.type}, not bearer_store`);
  if (!redisUrl) {
    refuse("outpost token writes to shared storage, and this configuration uses in-memory storage: a separate process cannot reach a running proxy's memory. Run the proxy with --redis URL (or REDIS_URL) and pass the same here.");
  }
  const key = (auth as { key: string }).key;
  const { storage, ready, close } = await createNodeStorage(redisUrl, redisPrefix);
  try {
    if (!(await ready(5_000))) refuse("cannot reach the shared storage (redis); nothing was changed");
    if (action === "clear") {
      await storage.delete(bearerStoreKey(key));
      return `token for ${provider.name} cleared`;
    }
    const token = await readStdin();
    if (token === "" || /[\r\n\0]/.test(token)) refuse("the token on stdin is empty or spans several lines");
    await setBearerStoreToken(storage, key, token);
    return `token for ${provider.name} stored (${token.length} characters); proxies use it from their next request`;
  } finally {
    await close();
  }
}
