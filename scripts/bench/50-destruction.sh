#!/bin/sh
# Destruction: `destroy --check` scanning 10,000 envelopes (headers only, no
# unlock), and `destroy --pending` from cron with nothing due (no unlock, no
# write) and with one version due.
set -eu
: "${KEYCASK:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KEYCASK_KEYRING="$work/ring.json"
"$KEYCASK" init --root "keyfile:$work/root.key" >/dev/null
"$KEYCASK" keygen backups >/dev/null
mkdir "$work/archive"
head -c 4096 /dev/urandom | "$KEYCASK" wrap -k backups > "$work/archive/0.kc"
i=1
while [ $i -lt 10000 ]; do
    cp "$work/archive/0.kc" "$work/archive/$i.kc"
    i=$((i + 1))
done
"$KEYCASK" rotate backups >/dev/null

# Every envelope needs version 1, so the command scans them all and refuses.
hyperfine -N --style none --warmup 2 --runs 10 -i --export-markdown "$work/check.md" \
    -n "destroy --check over 10,000 envelopes of 4 KiB (refused)" \
    "$KEYCASK destroy backups --version 1 --now --yes --check $work/archive" >/dev/null

"$KEYCASK" keygen spare >/dev/null
"$KEYCASK" rotate spare >/dev/null
# A scratch keyring: its dates are pretended, so writes need KEYCASK_NOW_WRITES=1.
KEYCASK_NOW=2026-01-01 KEYCASK_NOW_WRITES=1 "$KEYCASK" destroy spare --version 1 --after 1d --yes >/dev/null
cp "$KEYCASK_KEYRING" "$work/due.json"
hyperfine -N --style none --warmup 3 --runs 20 --export-markdown "$work/pending.md" \
    -n "destroy --pending, nothing due" \
    "env KEYCASK_NOW=2026-01-01T12:00:00Z KEYCASK_NOW_WRITES=1 $KEYCASK destroy --pending" \
    -n "destroy --pending, one version due (unlock, destroy, write)" \
    --prepare "cp $work/due.json $KEYCASK_KEYRING" \
    "env KEYCASK_NOW=2026-01-03 KEYCASK_NOW_WRITES=1 $KEYCASK -q destroy --pending" >/dev/null

echo "## Destruction: \`--check\` and \`--pending\`"
echo
echo "\`--check\` walks the paths and reads only each file's header, in parallel,"
echo "without unlocking anything; here every envelope needs the version, so all are"
echo "read and the command refuses."
echo
cat "$work/check.md"
echo
echo "\`destroy --pending\` for cron: with nothing due it reads the keyring without"
echo "unlocking or writing it."
echo
cat "$work/pending.md"
