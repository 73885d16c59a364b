#!/usr/bin/env bash
# The end-to-end demo on the bundled corpus (Corpora/demo): two groups each build a signed
# index from their crawl and their peer-to-peer site, a merger combines them by reference, group A
# publishes an update (an edited and a deleted post) that the merger takes in, a client that
# trusts only group B searches the shared index, and the shared index is served over HTTP on
# loopback and searched remotely, fetching only the blocks a query needs. On the way: a thread
# across sites, trending tags, and "new mentions since I last looked". Last, a hub on loopback:
# both groups register and publish to it, it merges them into its shared index, group A publishes
# its update and the shared index answers with it; the hub's version log is checked. Ends by
# itself; the output stays in demo-out/ to explore.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INDEXER_BIN:-.build/release/indexer}
DEMO=Corpora/demo
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Two groups create their signing keys"
$BIN keygen --out "$OUT/riverside.key"
$BIN keygen --out "$OUT/hilltop.key"

step "Group A (Riverside Makers) indexes its WARC and Alice's site folder"
# A working copy of Alice's site: she edits it later in the demo.
cp -r "$DEMO/group-a/site-alice" "$OUT/site-alice"
$BIN build "$DEMO/group-a/web.warc.gz" "$OUT/site-alice" --base-url https://alice.example/ \
    --out "$OUT/group-a" --key "$OUT/riverside.key"

step "Group B (Hilltop Library) indexes its WARC and Bob's site folder"
cp -r "$DEMO/group-b/site-bob" "$OUT/site-bob"
$BIN build "$DEMO/group-b/web.warc.gz" "$OUT/site-bob" --base-url https://bob.example/ \
    --out "$OUT/group-b" --key "$OUT/hilltop.key"

step "A merger combines both groups' indexes by reference (each group's signed segments, unchanged)"
$BIN keygen --out "$OUT/merger.key"
$BIN merge "$OUT/group-a" "$OUT/group-b" --out "$OUT/merged" --key "$OUT/merger.key"
$BIN verify "$OUT/merged"
$BIN stats "$OUT/merged"

step "What group B's index adds to group A's: new posts mentioning @alice"
$BIN diff "$OUT/group-a" "$OUT/merged" --query '@alice'

step "Group A publishes an update: Alice edited one post and deleted another"
cp -r "$OUT/group-a" "$OUT/group-a-before"
sed -i 's/worn brake pads\./worn brake pads; bring your own pads next time./' "$OUT/site-alice/posts/0001.json"
rm "$OUT/site-alice/posts/0002.json"
$BIN build "$OUT/site-alice" --base-url https://alice.example/ --base "$OUT/group-a" --out "$OUT/group-a" --key "$OUT/riverside.key"
$BIN diff "$OUT/group-a-before" "$OUT/group-a"

step "The merger takes in the new version (it replaces the old one; nothing else is rewritten)"
$BIN merge "$OUT/merged" "$OUT/group-a" --out "$OUT/merged" --key "$OUT/merger.key"
$BIN search 'brake pads' --index "$OUT/merged" --limit 3

step "A thread across sites: Alice's post and the replies to it, from both groups (authors from each site's profile.json)"
$BIN thread https://alice.example/posts/0008.json --index "$OUT/merged"

step "Trending tags since 2024-11-01, counted from the trees' internal nodes"
$BIN facets tag --index "$OUT/merged" --since 2024-11-01 --limit 5

step "Alice looks at her mentions (the first look lists them all, newest first; the mark is kept in the cache folder)"
NOTIFY="$OUT/alice-cache"
$BIN diff --since last "$OUT/merged" --query '@alice' --cache-dir "$NOTIFY"

step "Bob replies to Alice; group B publishes and the merger takes it in"
cat > "$OUT/site-bob/posts/a7.json" <<'POST'
{
  "text": "@alice the chain checker is back on the shelf; the cassette tool came too. #toollibrary",
  "createdAt": "2025-01-12T10:00:00Z",
  "threadParent": "http://alice.example/posts/0003.json"
}
POST
$BIN build "$OUT/site-bob" --base-url https://bob.example/ --base "$OUT/group-b" --out "$OUT/group-b" --key "$OUT/hilltop.key"
$BIN merge "$OUT/merged" "$OUT/group-b" --out "$OUT/merged" --key "$OUT/merger.key"

step "New mentions of @alice since she last looked: one command, reading only what changed"
$BIN diff --since last "$OUT/merged" --query '@alice' --cache-dir "$NOTIFY"
$BIN search 'from:bob' --sort date --index "$OUT/merged" --limit 2

step "A client that trusts only group B searches the shared index"
B_KEY=$(sed -n 's/.*"publicKey" *: *"\([0-9a-f]*\)".*/\1/p' "$OUT/hilltop.key")
printf '# groups we trust\n%s  Hilltop Library\n' "$B_KEY" > "$OUT/trusted-keys"
$BIN search 'honey' --index "$OUT/merged" --trust "$OUT/trusted-keys" --limit 3

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

step "A hub on loopback: both groups register, the hub's admin shares them in its shared index"
HUB_PORT=${DEMO_HUB_PORT:-0}
$BIN hub serve --data "$OUT/hub" --host 127.0.0.1 --port "$HUB_PORT" > "$OUT/hub.url" 2> "$OUT/hub.log" &
HUB=$!
trap 'kill $SERVER $HUB 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    [ -s "$OUT/hub.url" ] && break
    sleep 0.1
done
HUB_URL=$(head -n 1 "$OUT/hub.url")
HUB_URL=${HUB_URL%/}
# A reader new to this hub (the cache above has seen group A's update already).
HUB_CACHE="$OUT/hub-cache"
$BIN hub register "$HUB_URL" --key "$OUT/riverside.key" --name "Riverside Makers"
$BIN hub register "$HUB_URL" --key "$OUT/hilltop.key" --name "Hilltop Library"
$BIN hub share "Riverside Makers" --data "$OUT/hub"
$BIN hub share "Hilltop Library" --data "$OUT/hub"

step "Both groups publish to the hub (only the blocks it lacks; the manifest last)"
$BIN publish "$OUT/group-a-before" "$HUB_URL" --key "$OUT/riverside.key"
$BIN publish "$OUT/group-b" "$HUB_URL" --key "$OUT/hilltop.key"
$BIN search 'brake pads' --index "$HUB_URL/shared" --cache-dir "$HUB_CACHE" --limit 1

step "Group A publishes its update; the hub's shared index answers with it"
$BIN publish "$OUT/group-a" "$HUB_URL" --key "$OUT/riverside.key"
$BIN search 'brake pads' --index "$HUB_URL/shared" --cache-dir "$HUB_CACHE" --limit 1

step "The hub's version log: every accepted version, hash-chained, under a signed checkpoint"
$BIN hub log "$HUB_URL" --cache-dir "$HUB_CACHE"
kill $HUB 2>/dev/null || true
wait $HUB 2>/dev/null || true
step "Done"
echo "The indexes are in $OUT/. Each holds its static search page (search/index.html):"
echo "any static server will do, with no indexer process running. For the merged index, run:"
echo "  python3 -m http.server 8000 --bind 127.0.0.1 --directory $OUT/merged"
echo "and open http://127.0.0.1:8000/search/   (the query goes in the URL: /search/?q=brake+pads)"
echo "Or with the search API beside it: $BIN serve $OUT/merged --port $PORT, http://127.0.0.1:$PORT/"
