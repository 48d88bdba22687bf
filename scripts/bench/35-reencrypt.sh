#!/bin/sh
# Re-encryption (issue 21): `rekey --reencrypt` of a 1 GiB envelope against
# `unwrap | wrap` of the same file, in one hyperfine run. Both read the whole
# envelope and write a new one with a fresh content key; --reencrypt does it
# in one process (chunk for chunk, each opened and sealed again in place)
# and renames the new file over the old one, fsynced, as the pipe's `mv`
# does without the fsync.
set -eu
: "${KEYCASK:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KEYCASK_KEYRING="$work/keyring.json"
unset KEYCASK_KEYFILE KEYCASK_PASSPHRASE KEYCASK_PASSPHRASE_FILE
"$KEYCASK" init --root "keyfile:$work/root.key" >/dev/null
"$KEYCASK" keygen big >/dev/null
head -c 1073741824 /dev/zero | "$KEYCASK" wrap -k big --no-progress -o "$work/big.kc"
cp "$work/big.kc" "$work/piped.kc"
# --force: every run re-encrypts, although the envelope is already under the
# primary version after the first.
hyperfine --style none --warmup 1 --runs 5 --export-markdown "$work/re.md" --export-csv "$work/re.csv" \
    -n "rekey --reencrypt (1 GiB envelope)" "$KEYCASK rekey --reencrypt --force $work/big.kc" \
    -n "unwrap | wrap (1 GiB envelope)" "$KEYCASK unwrap --no-progress $work/piped.kc | $KEYCASK wrap -k big --no-progress -o $work/new.kc && mv $work/new.kc $work/piped.kc" >/dev/null
ratio=$(awk -F, 'NR==2 {r=$2} NR==3 {w=$2} END {printf "%.2f", w / r}' "$work/re.csv")

echo "## Re-encryption: rekey --reencrypt"
echo
echo "Target (issue 21): \`rekey --reencrypt\` of a 1 GiB envelope at least as fast as"
echo "\`unwrap | wrap\` of the same file."
echo
cat "$work/re.md"
echo
echo "unwrap | wrap took ${ratio}x the time of rekey --reencrypt here (above 1: re-encryption in one"
echo "process is faster). Both read and write every byte; rekey --reencrypt also fsyncs the new file"
echo "and its folder before and after the rename."
