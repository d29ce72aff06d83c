#!/usr/bin/env bash
# The one test command (README, CI): installs from the lockfile, builds, starts what the tests
# need, runs every test project, and ends with a plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 PNPM_CONFIG_UPDATE_NOTIFIER=false WRANGLER_SEND_METRICS=false

PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || true
fi
if command -v pnpm >/dev/null && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  PNPM=(pnpm)
else
  PNPM=(npx --yes "pnpm@$PNPM_VERSION")
fi

"${PNPM[@]}" install --frozen-lockfile
"${PNPM[@]}" exec turbo run build typecheck --output-logs=errors-only

rm -f vitest.json
rc=0
"${PNPM[@]}" exec vitest run --reporter=default --reporter=json --outputFile.json=vitest.json || rc=$?
if [ -f vitest.json ]; then
  node -e 'const r=require("./vitest.json");console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests+r.numTodoTests} skipped`)'
else
  echo "0 passed, 1 failed"
  rc=1
fi
exit $rc
