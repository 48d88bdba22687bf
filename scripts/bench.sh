#!/bin/sh
# `make bench`: runs every scripts/bench/*.sh in order against the release
# build and rewrites docs/BENCHMARKS.md from what they print (markdown).
# Timing lives here, never in tests.
set -eu
KEYCASK=${KEYCASK:-target/release/keycask}
export KEYCASK
KEYCASK=$(cd "$(dirname "$KEYCASK")" && pwd)/$(basename "$KEYCASK")
for tool in hyperfine; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
out=docs/BENCHMARKS.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (scripts/bench.sh); do not edit by hand."
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(date -u +%Y-%m-%d)."
    echo "keycask $("$KEYCASK" --version | cut -d' ' -f2), release build."
    for script in scripts/bench/*.sh; do
        echo
        sh "$script"
    done
} > "$tmp"
mkdir -p docs
cp "$tmp" "$out"
echo "bench: wrote $out" >&2
