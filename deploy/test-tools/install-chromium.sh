#!/bin/sh
# Installs what the browser test (AuditPageIT) needs on a fresh Debian machine: Debian's chromium
# (headless, driven over the DevTools protocol) and the npm package playwright-core, which drives an
# existing browser and downloads none. Idempotent; apt needs root, or sudo without a password
# prompt (sudo -n), the first time.
#
#   deploy/test-tools/install-chromium.sh [NODE_DIR]
#
# NODE_DIR (default: deploy/test-tools/browser) receives node_modules/playwright-core.
# Exits non-zero with a message on standard error that says what is missing and how to provide it;
# the test shows that message and fails instead of skipping.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
node_dir=${1:-"$here/browser"}

fail() {
  echo "install-chromium.sh: $*" >&2
  exit 1
}

# audit-page.mjs starts $CHROMIUM, or /usr/bin/chromium (Debian's package).
chromium_bin=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium_bin" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "$chromium_bin is missing and there is no apt-get to install it (not Debian?);" \
      "install chromium and set CHROMIUM to its path"
  fi
  if [ "$(id -u)" = 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    # -n: fail instead of waiting for a password nobody can type into a test run
    as_root="sudo -n"
  else
    fail "$chromium_bin is missing; installing it needs root or password-less sudo." \
      "Run once: sudo apt-get update && sudo apt-get install -y chromium"
  fi
  # sudo drops the environment, so the variable goes through env; a fresh machine has empty
  # package lists, so update first; wait for a dpkg lock held by unattended upgrades
  apt_get="$as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300"
  echo "install-chromium.sh: installing chromium with apt-get" >&2
  $apt_get update || fail "apt-get update failed (no network or no apt sources?)"
  $apt_get install chromium || fail "apt-get install chromium failed"
  [ -x "$chromium_bin" ] || fail "apt-get installed chromium, but $chromium_bin is still missing"
fi

if [ ! -d "$node_dir/node_modules/playwright-core" ]; then
  command -v npm >/dev/null 2>&1 \
    || fail "npm is missing; install Node.js 18 or newer (Debian: apt-get install -y nodejs npm)"
  mkdir -p "$node_dir"
  if [ "$(cd "$node_dir" && pwd)" != "$here/browser" ]; then
    cp "$here/browser/package.json" "$node_dir/package.json"
  fi
  (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error) \
    || fail "npm install of playwright-core into $node_dir failed (no registry access?)"
  [ -d "$node_dir/node_modules/playwright-core" ] \
    || fail "npm install finished without $node_dir/node_modules/playwright-core"
fi

echo "$chromium_bin"
