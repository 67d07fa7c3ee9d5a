#!/bin/sh
# Make Debian's sshd binary available for the SSH/SFTP node tests, which start their own
# sshd on a free loopback port with their own host key and config (tests/nodes/protocols).
# Idempotent: nothing to do when /usr/sbin/sshd exists. The package's own service (port
# 22, the system's config) is not wanted: it is stopped.
set -eu

# sshd started as root needs its privilege-separation folder (Debian's init makes it).
if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd && chmod 755 /run/sshd
fi
if [ -x /usr/sbin/sshd ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends openssh-server >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y --no-install-recommends openssh-server >/dev/null
fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet ssh 2>/dev/null; then
    $SUDO systemctl disable --now ssh || true
elif [ -x /etc/init.d/ssh ]; then
    $SUDO /etc/init.d/ssh stop >/dev/null 2>&1 || true
fi
if [ "$(id -u)" = 0 ]; then
    mkdir -p /run/sshd && chmod 755 /run/sshd
fi
[ -x /usr/sbin/sshd ] || {
    echo "ensure-openssh: installing openssh-server did not give /usr/sbin/sshd" >&2
    exit 1
}
