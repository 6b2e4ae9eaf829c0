#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it when it is missing.
set -euo pipefail
if [ -x "${VIGIL_CHROMIUM:-/usr/bin/chromium}" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "Chromium is missing and this user cannot install it: run 'apt-get install chromium' as root, or set VIGIL_CHROMIUM to a Chromium binary." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests..."
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
