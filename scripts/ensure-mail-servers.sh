#!/usr/bin/env bash
# The email tests poll a real IMAP server: Debian's Dovecot, started by the tests themselves
# with a configuration of their own. Install it when it is missing; never start its service.
set -euo pipefail
if [ -x /usr/sbin/dovecot ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "Dovecot is missing and this user cannot install it: run 'apt-get install dovecot-imapd' as root (the IMAP tests are skipped without it)." >&2
  exit 0
fi
echo "Installing Debian's dovecot-imapd for the IMAP tests..."
$sudo apt-get update -qq
# policy-rc.d-less systems would start the system service: it is stopped again at once.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
$sudo systemctl disable --now dovecot >/dev/null 2>&1 || true
