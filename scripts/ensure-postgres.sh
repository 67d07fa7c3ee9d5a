#!/bin/sh
# Make sure PostgreSQL 15 listens on 127.0.0.1:5432 for the store tests. Idempotent: does
# nothing when it is already up; starts the cluster otherwise (pg_ctlcluster is Debian's).
set -eu

ready() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p 5432
    else
        (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
    fi
}

if ready; then
    exit 0
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "ensure-postgres: PostgreSQL is not running and pg_ctlcluster is not installed" >&2
    exit 1
fi
# "already running" (a race with another starter) is fine; anything else shows below.
pg_ctlcluster --skip-systemctl-redirect 15 main start || true
for _ in $(seq 1 30); do
    if ready; then
        exit 0
    fi
    sleep 1
done
echo "ensure-postgres: PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
