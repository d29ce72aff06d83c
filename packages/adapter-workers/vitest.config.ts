import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineProject } from "vitest/config";

// wrangler and Miniflare send metrics and write logs under ~/.config/.wrangler unless told
// otherwise (TOOLCHAIN pitfall 12); scripts/test.sh sets these too, this covers a bare `vitest run`.
process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.WRANGLER_LOG_PATH ??= join(tmpdir(), "outpost-wrangler-logs");

// These tests run in Node and drive the Worker inside workerd through Miniflare, with the
// recording upstream, the evil origin and token endpoints on loopback.
export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: { name: "adapter-workers", include: ["test/**/*.test.ts"], testTimeout: 30000, hookTimeout: 60000 },
});
