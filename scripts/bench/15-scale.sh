#!/bin/sh
# Keyring scale (issue 19): one command's cost on keyrings of 10 to 1,000,000
# keys (key-file root, aes256-gcm keys of one version made by
# examples/bulk_keyring, plus one p256 signing key), side by side in one run.
# SCALE_SIZES overrides the sizes (default "10 1000 10000 100000 1000000");
# the full set of commands runs at every size up to 100,000, wrap, list and
# keygen only beyond.
set -eu
: "${KEYCASK:?}"
BULK=${BULK:-target/release/examples/bulk_keyring}
[ -n "${BULK_BUILT:-}" ] || cargo build --release --quiet --example bulk_keyring
SIZES=${SCALE_SIZES:-"10 1000 10000 100000 1000000"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c 100 /dev/urandom >"$work/in"

ms() { # mean of a hyperfine CSV export, in milliseconds
    awk -F, 'NR == 2 { printf "%.1f", $2 * 1000 }' "$1"
}
hf() { # NAME RUNS COMMAND [PREPARE]; $n is the keyring's size
    if [ -n "${4:-}" ]; then
        hyperfine --style none -N --warmup 1 --runs "$2" --prepare "$4" --export-csv "$work/$1.csv" \
            -n "$1 ($n keys)" "$3" >/dev/null
    else
        hyperfine --style none -N --warmup 1 --runs "$2" --export-csv "$work/$1.csv" \
            -n "$1 ($n keys)" "$3" >/dev/null
    fi
    ms "$work/$1.csv"
}
peak() { # peak resident memory of a command, in MiB
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.1f", $1 / 1024 }'
}

curve="| keys | file | bytes per key | wrap | unwrap | sign | verify -k | datakey | list | show | keygen | rotate | disable | rotate --due (1,000 due) | peak RSS of wrap |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $SIZES; do
    kr="$work/k$n.json"
    k="$KEYCASK --keyring $kr"
    $k init --root "keyfile:$work/root$n.key" >/dev/null
    empty=$(stat -c %s "$kr")
    $k keygen signer --type p256 >/dev/null
    due=0
    [ "$n" -lt 10000 ] || due=1000
    KEYCASK_KEYFILE="$work/root$n.key" "$BULK" "$kr" $((n - 1)) $due
    size=$(stat -c %s "$kr")
    per=$(( (size - empty) / n ))
    runs=${SCALE_RUNS:-10}
    [ "$n" -lt 1000000 ] || runs=3
    $k wrap -k bulk-000000 -o "$work/e.kc" "$work/in"
    $k sign -k signer -o "$work/sig" "$work/in"
    [ "$n" -gt 100000 ] || $k rotate bulk-000002 >/dev/null # version 1 may be disabled
    wrap=$(hf wrap $runs "$k wrap -k bulk-000000 -o $work/w.kc $work/in")
    list=$(hf list $runs "$k list")
    keygen=$(hf keygen $runs "sh -c '$k keygen k\$(date +%s%N) >/dev/null'")
    mem=$(peak $k wrap -k bulk-000000 -o "$work/w.kc" "$work/in")
    if [ "$n" -le 100000 ]; then
        unwrap=$(hf unwrap $runs "$k unwrap -o $work/u.txt $work/e.kc" "rm -f $work/u.txt")
        sign=$(hf sign $runs "$k sign -k signer -o $work/s2 $work/in")
        verify=$(hf verify $runs "$k verify -k signer --signature $work/sig $work/in")
        datakey=$(hf datakey $runs "$k datakey -k bulk-000000 --json")
        show=$(hf show $runs "$k show bulk-000003")
        rotate=$(hf rotate $runs "$k rotate bulk-000001")
        disable=$(hf disable $runs "$k disable bulk-000002 --version 1" "$k enable bulk-000002 --version 1")
        if [ "$due" -gt 0 ]; then
            rdue=$(hf "rotate --due" 1 "$k rotate --due" "true")
        else
            rdue="–"
        fi
    else
        unwrap="–" sign="–" verify="–" datakey="–" show="–" rotate="–" disable="–" rdue="–"
    fi
    curve="$curve
| $n | $(( size / 1048576 )) MiB | $per | $wrap | $unwrap | $sign | $verify | $datakey | $list | $show | $keygen | $rotate | $disable | $rdue | $mem MiB |"
    rm -f "$kr"
done

echo "## Keyring scale: one command on 10 to 1,000,000 keys"
echo
echo "Targets (issue 19): wrap, unwrap, sign, verify -k and datakey on 100,000 keys at most"
echo "15x their 10-key time and under 64 MiB; list of 100,000 keys under 300 ms; keygen,"
echo "rotate and disable on 100,000 keys under 500 ms; at most 350 bytes per one-version"
echo "AES key. Mean times in ms (hyperfine, no shell; keygen through \`sh -c\` for a fresh"
echo "name); 100-byte input; key-file root. rotate --due is one run with 1,000 keys due."
echo
echo "$curve"
echo
cat <<'TEXT'
"bytes per key" is the growth per key of `examples/bulk_keyring` (one version and a
90-day rotation period each); a plain `keygen` key adds about 25 bytes less (348 bytes
for a 13-character name: keys are written without `"origin":"generated"`).

Where the time went before (keyring format 2; callgrind, `wrap` on 10,000 keys, 2.4 G
instructions): 88% in reading the file — the RFC 8785 canonical JSON of a re-parsed
`serde_json::Value` for the MAC's input (60%), building that `Value` (22%) and turning
it into the model (19%), a third of it malloc and free — and 8% in SHA-256 of the
canonical input. Format 3 MACs the file's bytes as read, keeps each key as text until
a command uses it, writes unchanged keys back as read, and lays the file out compactly.

Then (format 3 as first landed; callgrind on one 100,000-key keyring of 39 MB, where
SHA-256 runs in software, 2.05 G instructions, against 18 ms natively with SHA-NI):
every command spent 1.47 G instructions besides SHA-256 — the schema check of every
key 0.94 G (serde into the model and dropped again; malloc, free and RFC 3339 times
are a third of it) and serde's scan for where each key's text is 0.40 G — and `list`
parsed every key twice (3.92 G in all). Now `wrap`, `unwrap`, `sign`, `verify -k`,
`datakey`, `show` and `inspect` parse only the keys they look up (the MAC still covers
every byte, checked before a key is used), and the keys are found by the file's lines
(memchr): 0.15 G besides SHA-256. `list` parses each key once and writes its table
without per-cell formatting: 1.87 G. Minimum CPU time of 10 runs (`perf stat`
task-clock, less disturbed by the other jobs than wall time), before and after, on the
same keyrings:

| command | 10 keys | 100,000 keys before | 100,000 keys after | after / 10 keys |
| --- | ---: | ---: | ---: | ---: |
| wrap | 2.3 ms | 117 ms | 56 ms | 24x |
| unwrap | 2.2 ms | 116 ms | 57 ms | 26x |
| sign | 2.3 ms | 116 ms | 57 ms | 25x |
| verify -k | 1.6 ms | 115 ms | 55 ms | 35x |
| datakey | 1.8 ms | 117 ms | 55 ms | 31x |
| list | 1.3 ms | 353 ms | 203 ms | |
| show | 1.4 ms | 98 ms | 35 ms | 25x |
| inspect | 1.4 ms | 97 ms | 38 ms | 27x |

What is left is the floor of one MAC'd file that every command reads whole: SHA-256
of 39 MB (18 ms at the 2.2 GB/s of SHA-NI here, `openssl speed -evp sha256`), reading
it into memory (15,000 page faults for the file and the index of its keys; mmap would
need unsafe code, which keycask forbids), and the line scan with its index of 100,000
names (about 10 ms). That is 25 to 35 times a 10-key command's 1.6 to 2.3 ms: the 15x
target is missed, and stays out of reach while every command reads and MACs the whole
file; `show` and `inspect`, which do not unlock, still read and scan it.

Where one file stops being the right design: every command still reads, scans and
MACs the whole file: about 0.5 µs a key, and memory for the file plus about 200 bytes
a key. Up to 10,000 keys that is noise; at 100,000 keys it is 0.05 to 0.2 s a command
(0.4 s for a write); at 1,000,000 keys (a 355 MiB file) 0.9 s for a `wrap`, 4 s for a
`list` or a `keygen` (which rewrites the file) and half a gigabyte of memory. Past
about 100,000 keys, or for many writers, a keyring wants an index and per-key records
(a database, or a folder of per-key files under a MAC'd manifest), which the single
JSON document the recovery spec describes cannot give.
TEXT
