#!/usr/bin/env bash
# End-to-end demo of what exists so far: a tree built, queried, merged, exported as CAR.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/indexer
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf 'apple\t1\nbanana\t2\ncherry\t3\n' > "$WORK/a.tsv"
printf 'cherry\t9\ndate\t4\n' > "$WORK/b.tsv"
A=$($BIN tree build "$WORK/a.tsv" --store "$WORK/store")
B=$($BIN tree build "$WORK/b.tsv" --store "$WORK/store")
echo "tree A: $A"
echo "tree B: $B"
M=$($BIN tree merge "$A" "$B" --store "$WORK/store")
echo "merged: $M"
$BIN tree range "$M" --store "$WORK/store"
$BIN tree diff "$A" "$M" --store "$WORK/store"
$BIN car export "$M" --store "$WORK/store" -o "$WORK/m.car"
echo "demo finished"
