#!/bin/bash
# Instruction counts (valgrind's callgrind) of everyday commands, for
# keycask built at each of the git revisions given: a before/after check of
# a change meant to leave speed alone (issue 14's moves), repeatable on a
# busy machine, where wall-clock times are not.
#
#   scripts/compare-revisions.sh 5b50682 b1ac19e
#
# Each revision is built in a temporary worktree (release profile, one
# shared target folder under $TMPDIR), and measured on a keyring it made
# itself (key-file root, 10 AES keys and a P-256 signing key). Commands that
# stream (the 4 MiB rows: a reader, workers and a writer thread) vary by
# 5-10% between runs of the same binary, so they are the least of 5 runs;
# the others repeat to within 0.1%.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 REV..." >&2; exit 2; }
command -v valgrind >/dev/null || { echo "$0: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/src" 2>/dev/null; rm -rf "$work"' EXIT
head -c 100 /dev/urandom > "$work/in100"
head -c 4194304 /dev/urandom > "$work/in4m"
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        awk '/Collected/ { print $4 }'
}
least_of_5() {
    for _ in 1 2 3 4 5; do count "$@"; done | sort -n | head -1
}
printf '| revision | wrap 100 B | unwrap 100 B | wrap 4 MiB | unwrap 4 MiB | list | show | sign | verify -k | keygen | rotate |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for rev in "$@"; do
    git -C "$repo" worktree add -f --detach "$work/src" "$rev" >/dev/null 2>&1
    (cd "$work/src" && CARGO_TARGET_DIR="$work/target" cargo build --release --locked --quiet --bin keycask)
    bin="$work/keycask-$rev"
    cp "$work/target/release/keycask" "$bin"
    git -C "$repo" worktree remove --force "$work/src"
    ring=$(mktemp -d -p "$work")
    export KEYCASK_KEYRING="$ring/ring.json"
    "$bin" init --root "keyfile:$ring/root.key" >/dev/null
    for i in $(seq 1 10); do "$bin" keygen "k$i" >/dev/null; done
    "$bin" keygen s1 --type p256 --purpose sign >/dev/null
    "$bin" wrap -k k1 "$work/in100" > "$ring/e100"
    "$bin" wrap -k k1 "$work/in4m" > "$ring/e4m"
    "$bin" sign -k s1 "$work/in100" > "$ring/sig"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$rev" \
        "$(count "$bin" wrap -k k1 "$work/in100")" \
        "$(count "$bin" unwrap "$ring/e100")" \
        "$(least_of_5 "$bin" wrap -k k1 "$work/in4m")" \
        "$(least_of_5 "$bin" unwrap "$ring/e4m")" \
        "$(count "$bin" list)" \
        "$(count "$bin" show k1)" \
        "$(count "$bin" sign -k s1 "$work/in100")" \
        "$(count "$bin" verify -k s1 --signature "$ring/sig" "$work/in100")" \
        "$(count "$bin" keygen newkey)" \
        "$(count "$bin" rotate k2)"
done
