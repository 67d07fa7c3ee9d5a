#!/bin/sh
# Make a `prometheus` binary available for the metrics tests (tests/observability), which
# start their own Prometheus on a free loopback port with their own config. Idempotent:
# nothing to do when the binary is there; otherwise Debian's package. The package's own
# service (scraping :9090 with /etc/prometheus's config) is not wanted: it is stopped.
set -eu

if command -v prometheus >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-prometheus: no prometheus binary and no apt-get to install one" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends prometheus >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y --no-install-recommends prometheus >/dev/null
fi
# Where an init system started the packaged service, stop it and keep it from starting.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $SUDO systemctl disable --now prometheus || true
elif [ -x /etc/init.d/prometheus ]; then
    $SUDO /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
command -v prometheus >/dev/null 2>&1 || {
    echo "ensure-prometheus: installing Debian's prometheus did not give a prometheus binary" >&2
    exit 1
}
