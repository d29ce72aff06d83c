#!/usr/bin/env node
/**
 * @module @outpost/adapter-node/cli
 * `outpost serve` and `outpost check` (DESIGN §2.3).
 */
import { ConfigError } from "@outpost/core";
import { parseCliOptions, USAGE, UsageError } from "./cli-options.js";
import { configSummary } from "./config-summary.js";
import { loadNodeConfig } from "./node-config.js";
import { createNodeStorage } from "./node-storage.js";
import { startServer } from "./server.js";
import { runTokenCommand } from "./token-command.js";
import { VERSION } from "./version.js";

async function main(): Promise<number> {
  const options = parseCliOptions(process.argv.slice(2), process.env);
  if (options.command === "help") return (console.log(USAGE), 0);
  if (options.command === "version") return (console.log(VERSION), 0);
  const config = await loadNodeConfig({
    providerDirs: options.providerDirs,
    hostsFile: options.hostsFile,
    env: options.env,
    defaultProvider: options.defaultProvider,
  });
  if (options.command === "check") {
    console.log(`configuration OK\n${configSummary(config, options.hostsFile)}`);
    return 0;
  }
  if (options.command === "token" && options.token) {
    console.log(await runTokenCommand(config, options.token.action, options.token.provider, options.redisUrl, options.redisPrefix));
    return 0;
  }
  if (config.providers.size === 0) process.stderr.write("outpost: warning: no provider is enabled\n");
  for (const warning of config.warnings) process.stderr.write(`outpost: warning: ${warning}\n`);
  const store = createNodeStorage(options.redisUrl, options.redisPrefix, (message) => process.stderr.write(`outpost: ${message}\n`));
  if (!(await store.ready(5_000))) process.stderr.write("outpost: warning: storage not reachable yet; starting anyway\n");
  const running = await startServer({ config, port: options.port, host: options.host, limits: options.limits, storage: store.storage });
  // Handlers go in before the "listening" line: a supervisor may send SIGTERM as soon as it reads
  // it, and without a handler that signal kills the process (no graceful close, no exit code 0).
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`outpost: ${signal} received, finishing in-flight requests\n`);
      running
        .close()
        .then(() => store.close())
        .then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  process.stderr.write(
    `outpost ${VERSION} listening on ${running.url} (storage: ${store.description}; providers: ${[...config.providers.keys()].join(", ") || "none"}; hosts: ${options.hostsFile ?? "loopback default"})\n`,
  );
  await stopped;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`outpost: configuration error\n${error.message}\n`);
    } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`outpost: ${(error as Error).message}\n\n${USAGE}\n`);
    } else {
      process.stderr.write(`outpost: ${(error as Error).message ?? String(error)}\n`);
    }
    process.exit(1);
  },
);
