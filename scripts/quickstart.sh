#!/usr/bin/env bash
# `npm start`: install (pinned pnpm, frozen lockfile), build, and run Outpost with the demo provider.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 PNPM_CONFIG_UPDATE_NOTIFIER=false
PNPM_VERSION=12.4.2
if command -v pnpm >/dev/null && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then PNPM=(pnpm); else PNPM=(npx --yes "pnpm@$PNPM_VERSION"); fi
"${PNPM[@]}" install --frozen-lockfile
"${PNPM[@]}" exec turbo run build --output-logs=errors-only
exec node examples/demo/run.mjs
