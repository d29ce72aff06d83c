#!/usr/bin/env bash
# Checks every published (non-private) package the way a consumer receives it: packs it with
# `pnpm pack` (workspace:^ rewritten, publishConfig applied), then lints the tarball with
# publint --strict and @arethetypeswrong/cli --profile esm-only (STYLE R17), plus a few manifest
# rules of our own. Needs built dist/ folders (turbo run build). Exits 1 if any package fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BIN="$ROOT/node_modules/.bin"
if command -v pnpm >/dev/null; then PNPM=(pnpm); else PNPM=(npx --yes pnpm@12.4.2); fi
OUT="$(mktemp -d "${TMPDIR:-/tmp}/outpost-check-packages-XXXXXX")"
trap 'rm -rf "$OUT"' EXIT

# Our own rules, on the packed manifest and the file list (publint/attw do not check these):
# `types` first in every exports entry, no dev-only `source` condition (its ./src target is not
# in the tarball), files limited to dist, no workspace: specifier left, and the workspace
# manifest's publishConfig.exports equal to its exports minus `source`, so the two cannot drift.
MANIFEST_CHECK='
const [source, packed, list] = process.argv.slice(1);
const fs = require("fs");
const src = JSON.parse(fs.readFileSync(source, "utf8"));
const pkg = JSON.parse(fs.readFileSync(packed, "utf8"));
const problems = [];
const entries = Object.entries(pkg.exports ?? {});
if (entries.length === 0) problems.push("packed manifest has no exports");
for (const [path, target] of entries) {
  if (typeof target !== "object" || target === null) { problems.push(`exports["${path}"] must be a condition object`); continue; }
  const keys = Object.keys(target);
  if (keys[0] !== "types") problems.push(`exports["${path}"]: "types" must come first (got ${keys.join(", ")})`);
  if (keys.includes("source")) problems.push(`exports["${path}"]: the dev-only "source" condition is published`);
}
if (JSON.stringify(pkg.files) !== JSON.stringify(["dist"])) problems.push(`files must be ["dist"], got ${JSON.stringify(pkg.files)}`);
for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
  for (const [name, spec] of Object.entries(pkg[field] ?? {})) {
    if (String(spec).startsWith("workspace:")) problems.push(`${field}.${name} is still ${spec}`);
  }
}
const strip = (e) => Object.fromEntries(Object.entries(e ?? {}).map(([k, c]) => [k, Object.fromEntries(Object.entries(c).filter(([n]) => n !== "source"))]));
if (JSON.stringify(src.publishConfig?.exports) !== JSON.stringify(strip(src.exports))) {
  problems.push("publishConfig.exports must equal exports without the \"source\" condition (same entries, same order)");
}
const files = fs.readFileSync(list, "utf8").split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
const stray = files.filter((f) => !/^(dist\/|package\.json$|README(\.md)?$|LICEN[CS]E(\.md)?$)/i.test(f));
if (stray.length > 0) problems.push(`files outside dist/ in the tarball: ${stray.join(", ")}`);
if (!files.some((f) => f.startsWith("dist/"))) problems.push("no dist/ files in the tarball: run `turbo run build` first");
for (const p of problems) console.error(`  ${p}`);
process.exit(problems.length > 0 ? 1 : 0);
'

failed=()
for manifest in packages/*/package.json; do
  dir="$(dirname "$manifest")"
  [ "$(node -p "require('./$manifest').private === true")" = true ] && continue
  name="$(node -p "require('./$manifest').name")"
  echo "== $name ($dir)"
  dest="$OUT/$(basename "$dir")"
  mkdir -p "$dest"
  if ! (cd "$dir" && "${PNPM[@]}" pack --pack-destination "$dest" >"$dest/pack.log" 2>&1); then
    cat "$dest/pack.log" >&2
    failed+=("$name (pnpm pack)")
    continue
  fi
  tarball="$(ls "$dest"/*.tgz)"
  tar -xzf "$tarball" -C "$dest" package/package.json
  tar -tzf "$tarball" >"$dest/files.txt"
  ok=true
  "$BIN/publint" run "$tarball" --strict || ok=false
  "$BIN/attw" "$tarball" --profile esm-only --format ascii --no-color || ok=false
  node -e "$MANIFEST_CHECK" "$manifest" "$dest/package/package.json" "$dest/files.txt" || ok=false
  $ok || failed+=("$name")
done

if [ "${#failed[@]}" -gt 0 ]; then
  printf 'check-packages: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "check-packages: every published package passes publint --strict, attw --profile esm-only and the manifest rules"
