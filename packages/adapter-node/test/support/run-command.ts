import { spawn, type SpawnOptions } from "node:child_process";

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions extends Pick<SpawnOptions, "cwd" | "env"> {
  /** Written to stdin, which is then closed. */
  readonly input?: string;
  /** Killed (SIGKILL) after this long, in ms. @default 60000 */
  readonly timeoutMs?: number;
}

/** Runs a command to completion and collects its output; never rejects on a non-zero exit. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.once("error", (error) => (clearTimeout(timer), reject(error)));
    child.once("close", (code, signal) => (clearTimeout(timer), resolve({ code, signal, stdout, stderr })));
    child.stdin!.end(options.input ?? "");
  });
}

/**
 * The environment for a child that must behave as on a user's machine: without the variables
 * that pnpm/vitest set for this workspace run (npm_package_*, npm_config_user_agent, VITEST_*…),
 * nor Outpost's own configuration variables (REDIS_URL, PORT…), which test.sh may export.
 * Registry, cache and proxy settings are kept so npm still reaches the same registry.
 */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = /^npm_config_(registry|cache|userconfig|strict_ssl|cafile|.*proxy)$/i;
  const drop = /^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|PNPM_|TURBO_|REDIS_URL$|PORT$|OUTPOST_|DEFAULT_PROVIDER$|TRUSTED_PROXIES$)/i;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (keep.test(name) || !drop.test(name))) env[name] = value;
  }
  return { ...env, ...extra };
}
