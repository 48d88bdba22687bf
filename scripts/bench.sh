#!/bin/sh
# `make bench`: runs every scripts/bench/*.sh in order against the release
# build and rewrites docs/BENCHMARKS.md from what they print (markdown).
# Timing lives here, never in tests.
#
# Every hyperfine run of every script is also kept as JSON (through a small
# `hyperfine` wrapper put first on PATH), so that the last script,
# 99-summary.sh, can print one table of every benchmark with its ratio to
# what it was measured beside (age, cat, openssl speed, a baseline) in this
# same run. That table ends docs/BENCHMARKS.md and is printed on stdout.
set -eu
KEYCASK=${KEYCASK:-target/release/keycask}
export KEYCASK
KEYCASK=$(cd "$(dirname "$KEYCASK")" && pwd)/$(basename "$KEYCASK")
for tool in hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
out=docs/BENCHMARKS.md
tmp=$(mktemp)
BENCH_RESULTS=$(mktemp -d)
trap 'rm -rf "$tmp" "$BENCH_RESULTS"' EXIT
export BENCH_RESULTS

# The wrapper: adds --export-json (or copies the one a script asked for).
REAL_HYPERFINE=$(command -v hyperfine)
export REAL_HYPERFINE
mkdir "$BENCH_RESULTS/bin"
cat > "$BENCH_RESULTS/bin/hyperfine" <<'WRAPPER'
#!/bin/sh
set -eu
n=$(find "$BENCH_RESULTS" -maxdepth 1 -name '*.json' | wc -l)
keep="$BENCH_RESULTS/$(printf %03d $((n + 1)))-${BENCH_SCRIPT:-bench}.json"
asked=""
prev=""
for arg in "$@"; do
    [ "$prev" = "--export-json" ] && asked=$arg
    case "$arg" in --export-json=*) asked=${arg#--export-json=} ;; esac
    prev=$arg
done
if [ -n "$asked" ]; then
    "$REAL_HYPERFINE" "$@"
    cp "$asked" "$keep"
else
    exec "$REAL_HYPERFINE" --export-json "$keep" "$@"
fi
WRAPPER
chmod +x "$BENCH_RESULTS/bin/hyperfine"
PATH="$BENCH_RESULTS/bin:$PATH"
export PATH

{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (scripts/bench.sh); do not edit by hand."
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(date -u +%Y-%m-%d)."
    echo "keycask $("$KEYCASK" --version | cut -d' ' -f2), release build."
    for script in scripts/bench/*.sh; do
        BENCH_SCRIPT=$(basename "$script" .sh)
        export BENCH_SCRIPT
        echo
        sh "$script"
    done
} > "$tmp"
mkdir -p docs
cp "$tmp" "$out"
sed -n '/^## Summary/,$p' "$out"
echo "bench: wrote $out" >&2
