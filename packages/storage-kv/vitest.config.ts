import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineProject } from "vitest/config";

// wrangler and Miniflare send metrics and write logs under ~/.config/.wrangler unless told
// otherwise (TOOLCHAIN pitfall 12); scripts/test.sh sets these too, this covers a bare `vitest run`.
process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.WRANGLER_LOG_PATH ??= join(tmpdir(), "outpost-wrangler-logs");

// These tests run inside workerd (TOOLCHAIN §4), against the KV namespace and the SQLite-backed
// Durable Object bound in wrangler.jsonc.
export default defineProject({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
  resolve: { conditions: ["source"] },
  test: { name: "storage-kv", include: ["test/**/*.test.ts"], testTimeout: 20000, hookTimeout: 20000 },
});
