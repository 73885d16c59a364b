#!/usr/bin/env bash
# Text extraction and analyzer throughput on Debian's rust-doc and linux-doc HTML.
# Uses Corpora/build/*/html when `make corpora` has built them, else unpacks the two packages
# into a temporary folder (apt-get download). Prints a Markdown section on stdout.
# Single-thread figures are thread CPU time (stable on a busy machine); all-core ones are wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product text-bench >/dev/null
BIN=.build/release/text-bench
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
dirs=()
for corpus in rust-doc linux-doc; do
    if [ -d "Corpora/build/$corpus/html" ]; then
        dirs+=("Corpora/build/$corpus/html")
    else
        pkg=$corpus; [ "$corpus" = linux-doc ] && pkg=linux-doc-6.1
        (cd "$WORK" && apt-get download "$pkg" >/dev/null 2>&1 && dpkg-deb -x "$pkg"_*.deb "$WORK/$corpus")
        dirs+=("$WORK/$corpus/usr/share/doc/$pkg")
    fi
done
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
echo "## Text extraction and analysis"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); release build; up to 400 MB of HTML per corpus held in memory. Extraction: \`HTMLExtractor.extract\` (charset sniffing, decoding, libxml2 SAX, boilerplate removal). Analysis: \`Analyzer.analyze(into:)\` with English stemming on the extracted text, one reused \`TermBuffer\` per thread. Single-thread MB/s are per CPU-second of the thread; all-core MB/s are per wall second."
echo
echo "| corpus | pages | HTML MB | extract MB/s, 1 thread | extract MB/s, all cores | pages/s, 1 thread | text MB | analyze MB/s, 1 thread | terms/s, 1 thread | analyze MB/s, all cores |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for d in "${dirs[@]}"; do
    name=$(basename "$(dirname "$d")"); case "$d" in *rust-doc*) name=rust-doc;; *linux-doc*) name=linux-doc;; esac
    h=$($BIN html "$d")
    a=$($BIN analyze "$d")
    echo "| $name | $(field "$h" pages) | $(field "$h" htmlMB) | $(field "$h" oneThreadMBps) | $(field "$h" allThreadsMBps) | $(field "$h" oneThreadPagesPerSecond) | $(field "$a" textMB) | $(field "$a" oneThreadMBps) | $(field "$a" termsPerSecond) | $(field "$a" allThreadsMBps) |"
done
