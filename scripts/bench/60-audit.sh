#!/bin/sh
# The audit log's cost: what one logged write costs over a read, and with
# usage logging on, what it adds to each use (`wrap` when this build has
# it). Prints a markdown section; run by `make bench` (scripts/bench.sh).
set -eu
KEYCASK=${KEYCASK:-target/release/keycask}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export KEYCASK_KEYRING="$dir/keyring.json" KEYCASK_KEYFILE="$dir/root.key"
"$KEYCASK" -q init --root "keyfile:$dir/root.key" >/dev/null
for i in 1 2 3 4 5 6 7 8; do "$KEYCASK" -q keygen "k$i" >/dev/null; done
"$KEYCASK" -q config audit-usage on
cp "$dir/keyring.json" "$dir/template.json"
cp "$dir/keyring.json.audit.jsonl" "$dir/template.log"
# `sync` so that a logged write does not pay for flushing what prepare copied.
restore="cp $dir/template.json $dir/keyring.json && cp $dir/template.log $dir/keyring.json.audit.jsonl && sync"

echo "## Audit log"
echo
echo "Keyring with a key-file root and 8 keys, on $(df -T "$dir" | awk 'NR==2 {print $2}'). A logged"
echo "write appends and fdatasyncs the record, then writes the keyring to a temporary file, fsyncs"
echo "it, renames it and fsyncs the folder (\`config audit-usage off\`, restored before each run)."
echo "The log is read from its end (8 KiB, more only to reach its last committed record)."
echo
hyperfine -N --warmup 3 --runs 40 --style none --export-markdown "$dir/w.md" \
    --prepare "sh -c '$restore'" \
    -n 'read only: list' "$KEYCASK list" \
    -n 'unlock: audit verify (9 records)' "$KEYCASK audit verify" \
    -n 'logged write: config audit-usage off' "$KEYCASK config audit-usage off" >/dev/null 2>&1
cat "$dir/w.md"

# The same write once the log holds 100,000 records.
cargo build --release --quiet --example bulk_audit
cp "$dir/template.json" "$dir/keyring.json"
cp "$dir/template.log" "$dir/keyring.json.audit.jsonl"
target/release/examples/bulk_audit "$dir/keyring.json" 100000
cp "$dir/keyring.json" "$dir/big.json"
cp "$dir/keyring.json.audit.jsonl" "$dir/big.log"
echo
echo "The log's length: the same logged write with $(wc -l < "$dir/big.log") records in the log"
echo "($(du -h "$dir/big.log" | cut -f1)), and \`audit verify\` reading all of them:"
echo
hyperfine -N --warmup 2 --runs 20 --style none --export-markdown "$dir/b.md" \
    --prepare "sh -c 'cp $dir/big.json $dir/keyring.json && cp $dir/big.log $dir/keyring.json.audit.jsonl && sync'" \
    -n 'logged write, 100,000-record log' "$KEYCASK config audit-usage off" \
    -n 'audit verify, 100,000 records' "$KEYCASK audit verify" >/dev/null 2>&1
cat "$dir/b.md"
if "$KEYCASK" wrap --help >/dev/null 2>&1; then
    head -c 1024 /dev/urandom > "$dir/data"
    echo
    echo "\`wrap\` of 1 KiB with usage logging off and on (each use then writes the keyring):"
    echo
    cp "$dir/template.json" "$dir/keyring.json"
    cp "$dir/template.log" "$dir/keyring.json.audit.jsonl"
    "$KEYCASK" -q config audit-usage off
    cp "$dir/keyring.json" "$dir/off.json"
    cp "$dir/keyring.json.audit.jsonl" "$dir/off.log"
    hyperfine -N --warmup 3 --runs 40 --style none --export-markdown "$dir/u.md" \
        -n 'wrap, audit-usage off' \
        --prepare "sh -c 'cp $dir/off.json $dir/keyring.json && cp $dir/off.log $dir/keyring.json.audit.jsonl && sync'" \
        "$KEYCASK wrap -k k1 -o $dir/out.kc $dir/data" \
        -n 'wrap, audit-usage on' \
        --prepare "sh -c '$restore'" \
        "$KEYCASK wrap -k k1 -o $dir/out.kc $dir/data" >/dev/null 2>&1 \
        && cat "$dir/u.md" \
        || echo "(not measured: \`wrap\`'s arguments differ from this script's; update scripts/bench/audit.sh)"
fi
