import type { CompiledConfig } from "@outpost/core";

/** What `outpost check` prints: enough to review a config, never a secret value. */
export function configSummary(config: CompiledConfig, hostsFile: string | undefined): string {
  const lines: string[] = [];
  lines.push(`providers enabled: ${config.providers.size}`);
  for (const p of config.providers.values()) {
    const f = p.config.forwarding;
    lines.push(
      `  ${p.name.padEnd(14)} ${(p.origin + p.basePath).padEnd(36)} ${f.mode.padEnd(11)} auth=${p.authType} allow=${f.allow.length} deny=${f.deny.length}  (${p.file})`,
    );
  }
  lines.push(`hosts: ${hostsFile ?? "default (loopback only, sensitive allowed, no PSK)"}`);
  for (const h of config.hostList) {
    const grant = h.providers ? [...h.providers].join(",") : "all providers";
    lines.push(`  ${h.id.padEnd(14)} sensitive=${h.canCallSensitive ? "yes" : "no "} psk=${h.psk ? "yes" : "no "} ${grant}`);
  }
  if (config.defaultProvider) lines.push(`default provider: ${config.defaultProvider}`);
  for (const warning of config.warnings) lines.push(`warning: ${warning}`);
  return lines.join("\n");
}
