#!/usr/bin/env bash
# Prolly tree benchmark: bulk build of N 24-byte keys with 8-byte values, warm point
# gets and range scans, and a merge of two N/2-key trees overlapping in 1% of their key range.
# Prints a Markdown section on stdout; pass N to override 10,000,000.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
swift build -c release --product tree-bench >/dev/null
BIN=.build/release/tree-bench
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
build=$($BIN build "$WORK" "$N")
gets=$($BIN gets "$WORK")
scan=$($BIN scan "$WORK")
rm -rf "$WORK/build"
merge=$($BIN merge "$WORK" "$N")
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
cat <<MD
## Prolly tree

Release build, default parameters (16 KiB target, zstd level 3), blocks as files in a directory store.

| measure | value |
| --- | --- |
| bulk build, $N keys (24 B keys, 8 B values) | $(field "$build" seconds) s, $(field "$build" keysPerSecond) keys/s, $(field "$build" inputMBPerSecond) MB/s of input |
| build peak RSS | $(field "$build" peakRSSMiB) MiB |
| nodes written / bytes | $(field "$build" blocks) blocks, $(field "$build" bytes) bytes, height $(field "$build" height) |
| node size min / median / max (compressed block bytes) | $(field "$build" nodeBytesMin) / $(field "$build" nodeBytesMedian) / $(field "$build" nodeBytesMax) |
| warm point gets | $(field "$gets" getsPerSecond) gets/s |
| warm range scan (whole tree) | $(field "$scan" MBPerSecond) MB/s, $(field "$scan" entriesPerSecond) entries/s |
| merge of two $((N / 2))-key trees overlapping in 1% of their range | $(field "$merge" seconds) s; blocks reused $(field "$merge" blocksReused), written $(field "$merge" blocksWritten); $(field "$merge" nodesRead) nodes read |
MD
