#!/bin/sh
# Make Debian's Chromium available for the browser tests of the web app (tests/ui): they
# drive it with Playwright for Python at /usr/bin/chromium, so Playwright never downloads a
# browser of its own. Idempotent and quick: nothing to do when /usr/bin/chromium exists.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists once (an install straight away fails on a fresh image without them).
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null
[ -x /usr/bin/chromium ] || {
    echo "ensure-chromium: installing chromium did not give /usr/bin/chromium" >&2
    exit 1
}
