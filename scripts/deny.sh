#!/bin/sh
# cargo-deny's offline checks (licenses, bans, sources; see deny.toml), run
# by `make lint`. Installs the pinned cargo-deny when it is missing: a few
# minutes, once per machine. Advisories: scripts/audit.sh.
set -eu
CARGO=${CARGO:-cargo}
if ! $CARGO deny --version >/dev/null 2>&1; then
    echo "lint: installing cargo-deny 0.20.2 (once per machine; a few minutes)" >&2
    $CARGO install --locked --version 0.20.2 cargo-deny >&2
fi
# --offline needs every platform's crates in the cargo cache; a fresh cargo
# home (a newcomer's, a clean CI machine's) has only this one's, so fetch first.
$CARGO fetch --locked >&2
exec $CARGO deny --offline --locked --log-level error check licenses bans sources
