#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the /docs browser test
# (packages/adapter-node/test/docs-browser.test.ts, which fails, never skips, without it).
# Installs it with apt-get when missing: non-interactive and quiet, as root (CI) or through
# `sudo -n`. Does nothing when Chromium is already there.
set -euo pipefail
CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      SUDO=(sudo -n)
    else
      echo "ensure-chromium: $CHROMIUM is missing and installing it needs root: apt-get install chromium" >&2
      exit 1
    fi
  fi
  echo "ensure-chromium: installing chromium with apt-get" >&2
  # Wait for a dpkg lock held by another apt run instead of failing at once.
  APT=(apt-get -o DPkg::Lock::Timeout=300 -qq)
  "${SUDO[@]}" "${APT[@]}" update
  # No recommends: they bring daemons (avahi, cups) a headless test never uses. Liberation
  # fonts give pages real glyph metrics.
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y --no-install-recommends chromium fonts-liberation >/dev/null
fi

if ! version="$("$CHROMIUM" --version 2>/dev/null)"; then
  echo "ensure-chromium: $CHROMIUM is installed but does not run" >&2
  exit 1
fi
echo "ensure-chromium: $version"
