#!/usr/bin/env bash
# Installs what a fresh machine lacks to run voxqueue: Debian packages (espeak-ng's
# library for phonemization, redis-server, sox, ffmpeg for mp3/opus/flac/aac; with --ci also Prometheus and
# Alertmanager for the rule tests, and chromium for the console's browser test, which
# playwright-core drives at /usr/bin/chromium), pnpm, and the workspace's npm dependencies.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0
[ "${1:-}" = "--ci" ] && ci=1

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libespeak-ng1 espeak-ng-data redis-server sox ffmpeg; do have_pkg "$pkg" || need+=("$pkg"); done
if [ "$ci" = 1 ]; then
  for pkg in prometheus prometheus-alertmanager chromium; do have_pkg "$pkg" || need+=("$pkg"); done
fi

if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "voxqueue needs: ${need[*]} (Debian names); install them with your package manager and run this again" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "[setup] installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null; then
  echo "[setup] installing pnpm"
  npm install -g pnpm@10 >/dev/null 2>&1 || { sudo npm install -g pnpm@10 >/dev/null; }
fi

echo "[setup] installing npm dependencies"
pnpm install --frozen-lockfile --reporter=append-only
