#!/bin/sh
# Make sure MariaDB listens on 127.0.0.1:3306 with a `test` database for the MySQL node
# tests (tests/nodes/protocols). Idempotent and fast: nothing to do when it answers;
# otherwise installs Debian's mariadb-server if missing and starts it.
set -eu

ready() {
    mysql -h 127.0.0.1 -P 3306 -u root -e "CREATE DATABASE IF NOT EXISTS test" >/dev/null 2>&1
}

if command -v mysql >/dev/null 2>&1 && ready; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo -n"
fi
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y --no-install-recommends mariadb-server mariadb-client >/dev/null; then
        $SUDO apt-get update -qq
        $SUDO apt-get install -y --no-install-recommends mariadb-server mariadb-client >/dev/null
    fi
fi
if [ -x /etc/init.d/mariadb ]; then
    $SUDO /etc/init.d/mariadb start >/dev/null 2>&1 || true
fi
for _ in $(seq 1 30); do
    if ready; then
        exit 0
    fi
    sleep 1
done
echo "ensure-mariadb: MariaDB did not answer on 127.0.0.1:3306 as root without a password" >&2
exit 1
