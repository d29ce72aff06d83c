import { execFile } from "node:child_process";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const EXAMPLE_DIR = fileURLToPath(new URL("../../example/", import.meta.url));

export interface DryRun {
  readonly outdir: string;
  /** wrangler's own output, which includes "Total Upload: … KiB / gzip: … KiB". */
  readonly output: string;
  /** Every file wrangler wrote, with its size in bytes. */
  readonly files: readonly { readonly name: string; readonly bytes: number }[];
}

/**
 * `wrangler deploy --dry-run --outdir …` of the example: offline, no account. Metrics are off and
 * wrangler's log goes to a temporary directory (TOOLCHAIN pitfall 12); `env` adds variables.
 */
export async function wranglerDryRun(env: Record<string, string> = {}): Promise<DryRun> {
  const outdir = await mkdtemp(join(tmpdir(), "outpost-worker-"));
  const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--outdir", outdir],
      { cwd: EXAMPLE_DIR, env: { ...process.env, ...env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG_PATH: outdir + "-log", CI: "true" } },
      (error, stdout, stderr) => (error ? reject(new Error(`wrangler dry run failed:\n${stdout}\n${stderr}`)) : resolve(stdout + stderr)),
    );
  });
  const names = await readdir(outdir);
  const files = await Promise.all(names.map(async (name) => ({ name, bytes: (await stat(join(outdir, name))).size })));
  return { outdir, output, files };
}
