#!/bin/sh
# PostgreSQL with the pgvector extension for the PGVector store tests: Debian's packages on
# this machine carry no pgvector, so the tests run PGlite (PostgreSQL compiled to
# WebAssembly, with pgvector as a loadable extension) behind @electric-sql/pglite-socket,
# which speaks PostgreSQL's wire protocol on a loopback port; asyncpg talks to it as to any
# server. Installed from the npm registry into a cache folder, with the versions pinned in
# scripts/pglite/package-lock.json; idempotent (a stamp of the lock file).
set -eu

HERE=$(cd "$(dirname "$0")/pglite" && pwd)
DEST=${HETUMIND_PGLITE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hetumind-pglite}
STAMP="$DEST/.lock-sha256"
WANT=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] \
    && [ -f "$DEST/node_modules/@electric-sql/pglite-socket/dist/scripts/server.js" ]; then
    exit 0
fi
command -v npm >/dev/null || {
    echo "ensure-pglite: npm is needed (Debian package nodejs/npm)" >&2
    exit 1
}
mkdir -p "$DEST"
cp "$HERE/package.json" "$HERE/package-lock.json" "$DEST/"
(cd "$DEST" && npm ci --silent --no-audit --no-fund)
echo "$WANT" > "$STAMP"
echo "ensure-pglite: PGlite with pgvector ready in $DEST"
