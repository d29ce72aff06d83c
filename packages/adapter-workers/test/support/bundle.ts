import { fileURLToPath } from "node:url";
import { build } from "esbuild";

let bundled: Promise<string> | undefined;

/**
 * The test Worker as one ES module, bundled the way wrangler does it (esbuild), from the sources
 * (`source` condition) so the tests need no prior build. `cloudflare:*` stays a runtime import.
 */
export function testWorkerScript(): Promise<string> {
  bundled ??= build({
    entryPoints: [fileURLToPath(new URL("./test-worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["source", "workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}
