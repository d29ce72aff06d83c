import type { Logger } from "@outpost/core";
import { createBatchedWriter } from "./line-writer.js";

export interface JsonLoggerOptions {
  /** Where request lines go. @default process.stdout */
  readonly write?: (line: string) => void;
  /** Where warnings go. @default process.stderr */
  readonly warn?: (line: string) => void;
  /** Values that must never appear in a log line (defence in depth: records carry none by construction). */
  readonly secrets?: readonly string[];
}

function redact(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
  return out;
}

/** One JSON line per request on stdout (DESIGN §8). */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? createBatchedWriter((chunk) => process.stdout.write(chunk));
  const warn = options.warn ?? ((line) => process.stderr.write(line));
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  return {
    request: (record) => write(`${redact(JSON.stringify(record), secrets)}\n`),
    warn: (message) => warn(`${redact(`outpost: ${message}`, secrets)}\n`),
  };
}
