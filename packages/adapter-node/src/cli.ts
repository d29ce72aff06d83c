#!/usr/bin/env node
/**
 * @module @outpost/adapter-node/cli
 * `outpost serve` and `outpost check` (DESIGN §2.3).
 */
import { type CompiledConfig, ConfigError } from "@outpost/core";
import { type CliOptions, parseCliOptions, USAGE, UsageError } from "./cli-options.js";
import { type ConfigFiles, type ConfigTexts, createConfigReloader, readConfigTexts } from "./config-reloader.js";
import { configSummary } from "./config-summary.js";
import { watchConfigFiles } from "./config-watcher.js";
import { createOutpostMetrics } from "./metrics.js";
import { loadNodeConfig } from "./node-config.js";
import { createNodeStorage } from "./node-storage.js";
import { type RunningServer, startServer } from "./server.js";
import { runTokenCommand } from "./token-command.js";
import { VERSION } from "./version.js";

const report = (message: string) => process.stderr.write(`outpost: ${message}\n`);

/**
 * SIGHUP, and file changes under `--watch`: validate, then swap (config-reloader.ts). Returns
 * what stops watching. The SIGHUP listener stays: during a graceful stop a hang-up must not
 * kill the process (its default action) while requests finish.
 */
function enableReload(options: CliOptions, files: ConfigFiles, serving: string, load: (texts: ConfigTexts) => Promise<CompiledConfig>, running: RunningServer): () => void {
  const reloader = createConfigReloader({
    files,
    serving,
    load,
    apply: (config) => {
      running.reload(config);
      for (const warning of config.warnings) report(`warning: ${warning}`);
    },
    report,
    onResult: (applied) => running.metrics?.reloaded(applied),
  });
  process.on("SIGHUP", () => void reloader.reload("SIGHUP"));
  const watcher = options.watch ? watchConfigFiles(files, () => void reloader.reload("file change", true), { onError: report }) : undefined;
  return () => watcher?.close();
}

async function main(): Promise<number> {
  // Interactive and with options of its own; loaded only when asked for, so `serve` starts lean.
  if (process.argv[2] === "add-provider") return (await import("./add-provider.js")).addProviderCommand(process.argv.slice(3));
  const options = parseCliOptions(process.argv.slice(2), process.env);
  if (options.command === "help") return (console.log(USAGE), 0);
  if (options.command === "version") return (console.log(VERSION), 0);
  const files: ConfigFiles = { providerDirs: options.providerDirs, hostsFile: options.hostsFile };
  const load = (texts: ConfigTexts) => loadNodeConfig({ providers: texts.providers, hosts: texts.hosts, env: options.env, defaultProvider: options.defaultProvider });
  const texts = readConfigTexts(files);
  const config = await load(texts);
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
  const store = await createNodeStorage(options.redisUrl, options.redisPrefix, (message) => process.stderr.write(`outpost: ${message}\n`));
  if (!(await store.ready(5_000))) process.stderr.write("outpost: warning: storage not reachable yet; starting anyway\n");
  const metrics = createOutpostMetrics({ processMetrics: true });
  const running = await startServer({ config, port: options.port, host: options.host, limits: options.limits, storage: store.storage, metrics });
  const stopReloading = enableReload(options, files, texts.fingerprint, load, running);
  // Handlers go in before the "listening" line: a supervisor may send SIGTERM as soon as it reads
  // it, and without a handler that signal kills the process (no graceful close, no exit code 0).
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`outpost: ${signal} received, finishing in-flight requests\n`);
      stopReloading();
      running
        .close()
        .then(() => store.close())
        .then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  process.stderr.write(
    `outpost ${VERSION} listening on ${running.url} (storage: ${store.description}; providers: ${[...config.providers.keys()].join(", ") || "none"}; hosts: ${options.hostsFile ?? "loopback default"}${options.watch ? "; watching for changes" : ""})\n`,
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
