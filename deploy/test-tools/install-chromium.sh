#!/bin/sh
# Installs what the browser test (AuditPageIT) needs on a fresh Debian machine: Debian's chromium
# (headless, driven over the DevTools protocol) and the npm package playwright-core, which drives an
# existing browser and downloads none. Idempotent; run as root or with sudo for apt.
#
#   deploy/test-tools/install-chromium.sh [NODE_DIR]
#
# NODE_DIR (default: deploy/test-tools/browser) receives node_modules/playwright-core.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
node_dir=${1:-"$here/browser"}

if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    sudo="sudo"
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium
fi

if [ ! -d "$node_dir/node_modules/playwright-core" ]; then
  mkdir -p "$node_dir"
  cp "$here/browser/package.json" "$node_dir/package.json" 2>/dev/null || true
  (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error)
fi

command -v chromium
