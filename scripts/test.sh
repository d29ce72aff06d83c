#!/usr/bin/env bash
# The one test command (README, CI): installs from the lockfile, builds, starts what the tests
# need, runs every test project, and ends with a plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 PNPM_CONFIG_UPDATE_NOTIFIER=false WRANGLER_SEND_METRICS=false
# wrangler (the Worker dry-run bundle, workerd tests) keeps its log out of ~/.config/.wrangler.
export WRANGLER_LOG_PATH="${WRANGLER_LOG_PATH:-${TMPDIR:-/tmp}/outpost-wrangler-logs}"

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

# Redis for @outpost/storage-redis, whose tests fail (never skip) without one: use $REDIS_URL
# when it answers, otherwise start a private, diskless server on a free loopback port.
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
redis_answers() {
  command -v redis-cli >/dev/null && [ "$(redis-cli --no-auth-warning -u "$1" ping 2>/dev/null)" = PONG ]
}
if ! redis_answers "$REDIS_URL" && ! { command -v redis-server && command -v redis-cli; } >/dev/null; then
  echo "test.sh: installing redis-server" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
if ! redis_answers "$REDIS_URL"; then
  echo "test.sh: no Redis answers at $REDIS_URL; starting a private one" >&2
  REDIS_DIR="$(mktemp -d)"
  REDIS_PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  stop_private_redis() {
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" 2>/dev/null || true
    rm -rf "$REDIS_DIR"
  }
  trap stop_private_redis EXIT
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$REDIS_DIR" \
    --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  for _ in $(seq 50); do redis_answers "$REDIS_URL" && break; sleep 0.1; done
  redis_answers "$REDIS_URL" || { echo "test.sh: the private Redis did not start:" >&2; cat "$REDIS_DIR/redis.log" >&2; exit 1; }
fi

# Debian's Chromium for the /docs browser test, which fails (never skips) without it.
bash scripts/ensure-chromium.sh || echo "test.sh: no Chromium; docs-browser.test.ts will fail" >&2

rc=0
# Published manifests: publint, attw and our own rules over the packed tarballs.
bash scripts/check-packages.sh >/tmp/outpost-check-packages.log 2>&1 || { cat /tmp/outpost-check-packages.log; echo "package checks (publint/attw) failed" >&2; rc=1; }
# Benchmark smoke run: every bench scenario once, a few hundred requests, no timing thresholds;
# it fails only when a target cannot start or a request errors, so the bench cannot rot.
node bench/run.mjs --smoke >/tmp/outpost-bench-smoke.log 2>&1 || { cat /tmp/outpost-bench-smoke.log; echo "bench smoke failed" >&2; rc=1; }

rm -f vitest.json
"${PNPM[@]}" exec vitest run --reporter=default --reporter=json --outputFile.json=vitest.json || rc=$?
if [ -f vitest.json ]; then
  node -e 'const r=require("./vitest.json");console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests+r.numTodoTests} skipped`)'
else
  echo "0 passed, 1 failed"
  rc=1
fi
exit $rc
