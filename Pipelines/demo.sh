#!/usr/bin/env bash
# The end-to-end demo on the bundled corpus (Corpora/demo): two groups each build a signed
# shard from their crawl and their peer-to-peer site, a merger combines them, the merged index
# is served over HTTP on loopback, and a search runs against it remotely, fetching only the
# blocks it needs. Ends by itself; the output stays in demo-out/ to explore.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/indexer
DEMO=Corpora/demo
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Two groups create their signing keys"
$BIN keygen --out "$OUT/riverside.key"
$BIN keygen --out "$OUT/hilltop.key"

step "Group A (Riverside Makers) indexes its WARC and Alice's site folder"
$BIN build "$DEMO/group-a/web.warc.gz" "$DEMO/group-a/site-alice" --base-url https://alice.example/ \
    --out "$OUT/group-a" --key "$OUT/riverside.key"

step "Group B (Hilltop Library) indexes its WARC and Bob's site folder"
$BIN build "$DEMO/group-b/web.warc.gz" "$DEMO/group-b/site-bob" --base-url https://bob.example/ \
    --out "$OUT/group-b" --key "$OUT/hilltop.key"

step "A merger combines both shards (same inputs in any order give the same trees)"
$BIN merge "$OUT/group-a" "$OUT/group-b" --out "$OUT/merged" --key "$OUT/riverside.key"
$BIN verify "$OUT/merged"
$BIN stats "$OUT/merged"

step "What group B's shard adds to group A's: new posts mentioning @alice"
$BIN diff "$OUT/group-a" "$OUT/merged" --query '@alice'

step "Local search"
$BIN search 'bread OR honey' --index "$OUT/merged" --limit 3 --stats

PORT=${DEMO_PORT:-8089}
step "Serving the merged index on http://127.0.0.1:$PORT/ (a static folder: any web server would do)"
$BIN serve "$OUT/merged" --host 127.0.0.1 --port "$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.2
done

step "Remote search over HTTP, cold cache: only the blocks the query needs travel, each verified"
CACHE="$OUT/cache"
$BIN search 'lantern workshop' --index "http://127.0.0.1:$PORT/" --cache-dir "$CACHE" --stats
step "The same query again: blocks come from the local cache"
$BIN search 'lantern workshop' --index "http://127.0.0.1:$PORT/" --cache-dir "$CACHE" --stats
step "Another remote query, with filters"
$BIN search '#repaircafe OR site:riverside-makers.example bicycle' --index "http://127.0.0.1:$PORT/" --cache-dir "$CACHE" --limit 3 --stats

kill $SERVER 2>/dev/null || true
wait $SERVER 2>/dev/null || true
step "Done"
echo "The indexes are in $OUT/. To browse the search page, run:"
echo "  $BIN serve $OUT/merged --port $PORT   and open http://127.0.0.1:$PORT/"
