#!/bin/sh
# RustSec advisories for Cargo.lock: `cargo deny check advisories` with
# deny.toml, where an accepted advisory carries its reason.
#
#   scripts/audit.sh                 fetch the public advisory database, check
#   ADVISORY_DB=DIR|URL scripts/audit.sh
#                                    use a git mirror of it instead (an
#                                    air-gapped machine's copy); never fetches
#                                    from anywhere else
#   scripts/audit.sh --if-reachable  when the public database cannot be
#                                    reached and no mirror is set, say so on
#                                    stderr and exit 0 (`make lint` on
#                                    machines without the network); under CI
#                                    (CI=true) fail instead, as without it,
#                                    unless the CI job says explicitly that
#                                    it cannot reach the database
#                                    (KEYCASK_ADVISORIES_UNREACHABLE=accept)
#
# AUDIT_DIR (default target/audit) holds a mirror's clone and the config that
# points cargo-deny at it, so a mirror never replaces the clone of the public
# database that cargo-deny keeps for the user in ~/.cargo/advisory-dbs.
set -eu
CARGO=${CARGO:-cargo}
PUBLIC=https://github.com/rustsec/advisory-db
root=$(cd "$(dirname "$0")/.." && pwd)
work=${AUDIT_DIR:-$root/target/audit}

if_reachable=false
case ${1:-} in
    --if-reachable) if_reachable=true ;;
    "") ;;
    *) echo "usage: scripts/audit.sh [--if-reachable]" >&2; exit 2 ;;
esac

# cargo-deny wants a database URL with a host name, which a file:// URL has
# not: a local mirror gets a stand-in https URL that git, told by
# url.<base>.insteadOf in the environment, reads from the folder.
mirror=${ADVISORY_DB:-}
case $mirror in
    "") url=$PUBLIC ;;
    *://*) url=$mirror ;;
    *)
        if ! dir=$(cd "$mirror" 2>/dev/null && pwd); then
            echo "audit: error: ADVISORY_DB=$mirror: no such folder" >&2
            exit 1
        fi
        case $dir in
            *[!A-Za-z0-9/._+-]*)
                echo "audit: error: ADVISORY_DB=$dir: put the mirror on a path of letters, digits and ./_+- only" >&2
                exit 1 ;;
        esac
        url=https://local-mirror.invalid$dir
        export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="url.file://$dir.insteadOf" GIT_CONFIG_VALUE_0="$url" ;;
esac

if ! git ls-remote --exit-code "$url" main >/dev/null 2>&1; then
    if [ -n "$mirror" ]; then
        echo "audit: error: ADVISORY_DB=$mirror is not a git clone of $PUBLIC (no main branch there)" >&2
        exit 1
    fi
    if $if_reachable && [ "${CI:-}" = true ] && [ "${KEYCASK_ADVISORIES_UNREACHABLE:-}" = accept ]; then
        echo "audit: RustSec advisories NOT CHECKED: $PUBLIC cannot be reached from here, accepted for this CI run by KEYCASK_ADVISORIES_UNREACHABLE=accept (see .ci/run)" >&2
        exit 0
    fi
    if $if_reachable && [ "${CI:-}" = true ]; then
        echo "audit: error: RustSec advisories cannot be checked: $PUBLIC cannot be reached from here, and under CI (CI=true) a check that cannot run fails" >&2
        echo "hint: give the CI job the network, or set ADVISORY_DB to a git mirror of it (or accept the unchecked run explicitly with KEYCASK_ADVISORIES_UNREACHABLE=accept)" >&2
        exit 1
    fi
    if $if_reachable; then
        echo "audit: RustSec advisories NOT CHECKED: $PUBLIC cannot be reached from here; run \`make audit\` where it can, or set ADVISORY_DB to a mirror" >&2
        exit 0
    fi
    echo "audit: error: $PUBLIC cannot be reached from here" >&2
    echo "hint: run \`make audit\` where the network allows, or set ADVISORY_DB to a git mirror of it" >&2
    exit 1
fi

if ! $CARGO deny --version >/dev/null 2>&1; then
    echo "audit: error: cargo-deny is missing" >&2
    echo "hint: make lint installs it, or: cargo install --locked --version 0.20.2 cargo-deny" >&2
    exit 1
fi

if [ -z "$mirror" ]; then
    exec $CARGO deny --locked --log-level warn --manifest-path "$root/Cargo.toml" check advisories
fi

# deny.toml with the mirror as the one database, cloned in a folder of its
# own under $work.
dbs=$work/$(printf %s "$url" | cksum | cut -d' ' -f1)
mkdir -p "$dbs"
config=$dbs/deny.toml
sed "/^\[advisories\]/a\\
db-urls = [\"$url\"]\\
db-path = \"$dbs\"" "$root/deny.toml" >"$config"
status=0
$CARGO deny --locked --log-level warn --manifest-path "$root/Cargo.toml" \
    --config "$config" check advisories || status=$?
for clone in "$dbs"/*/; do
    [ -d "$clone.git" ] &&
        echo "audit: advisory database $url, last commit $(git -C "$clone" log -1 --format=%cs)" >&2
done
exit $status
