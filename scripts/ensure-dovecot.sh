#!/bin/sh
# Make Debian's dovecot binary available for the Email Trigger (IMAP) tests, which start
# their own dovecot on a free loopback port with their own config and mail folder
# (tests/nodes/protocols/dovecot.py). Idempotent: nothing to do when the binary is there.
# The package's own service (ports 143/993, /etc/dovecot) is not wanted: it is stopped.
set -eu

if [ -x /usr/sbin/dovecot ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends dovecot-imapd >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y --no-install-recommends dovecot-imapd >/dev/null
fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet dovecot 2>/dev/null; then
    $SUDO systemctl disable --now dovecot || true
elif [ -x /etc/init.d/dovecot ]; then
    $SUDO /etc/init.d/dovecot stop >/dev/null 2>&1 || true
fi
[ -x /usr/sbin/dovecot ] || {
    echo "ensure-dovecot: installing dovecot-imapd did not give /usr/sbin/dovecot" >&2
    exit 1
}
