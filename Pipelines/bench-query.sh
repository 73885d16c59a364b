#!/usr/bin/env bash
# Query parsing and snippet cost on Debian's linux-doc and rust-doc HTML.
# Uses Corpora/build/*/html when `make corpora` has built them, else unpacks the packages into
# a temporary folder (apt-get download). Prints a Markdown section on stdout. Times are thread
# CPU time on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product query-bench >/dev/null
BIN=.build/release/query-bench
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "## Query parsing and snippets"
echo
echo "$(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); release build; the text of up to 3000 pages per corpus, 16 queries, one snippet per page and query (\`SnippetBuilder\` defaults: 200 columns, 64 KiB analyzed, probes beyond), scratch reused. Yardstick: one \`Analyzer.analyze\` of the same (≤ 64 KiB) text."
echo
echo "| corpus | pages | mean text KB | parse µs | snippet µs mean | p50 | p95 | max | with a match: p50 | p95 | whole-text analyze µs |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for corpus in linux-doc rust-doc; do
    dir="Corpora/build/$corpus/html"
    if [ ! -d "$dir" ]; then
        pkg=$corpus; [ "$corpus" = linux-doc ] && pkg=linux-doc-6.1
        (cd "$WORK" && apt-get download "$pkg" >/dev/null 2>&1 && dpkg-deb -x "$pkg"_*.deb "$WORK/$corpus")
        dir="$WORK/$corpus/usr/share/doc/$pkg"
    fi
    json=$("$BIN" "$dir")
    python3 - "$corpus" "$json" <<'PY'
import json, sys
c, j = sys.argv[1], json.loads(sys.argv[2])
print(f"| {c} | {j['pages']} | {j['meanTextKB']} | {j['parseMicros']} | {j['snippetMicrosMean']} | {j['snippetMicrosP50']} | "
      f"{j['snippetMicrosP95']} | {j['snippetMicrosMax']} | {j['matchedSnippetMicrosP50']} | {j['matchedSnippetMicrosP95']} | {j['wholeTextAnalyzeMicrosMean']} |")
PY
done
