import type { Logger } from "@outpost/core";

function redact(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
  return out;
}

/**
 * One JSON line per request through `console.log`, which Workers Logs and `wrangler tail` collect
 * (DESIGN §8). Secrets are redacted as defence in depth: records carry none by construction.
 */
export function createConsoleLogger(secrets: readonly string[]): Logger {
  const kept = secrets.filter((s) => s.length >= 4);
  return {
    request: (record) => console.log(redact(JSON.stringify(record), kept)),
    warn: (message) => console.warn(redact(`outpost: ${message}`, kept)),
  };
}
