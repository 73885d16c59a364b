#!/usr/bin/env bash
# `make corpora`: builds the real corpora under Corpora/build/ (not committed). See Corpora/README.md.
#
# For each Debian documentation package (linux-doc-6.1, rust-doc):
#   html/                   the package's HTML folder as installed (for Pagefind and site-folder ingest)
#   NAME.warc / .warc.gz    every file as request+response records by PyPI warcio (pack_warc.py)
#   NAME.pages.jsonl        url/ts/title of each HTML page (WACZ pages format)
#   NAME.wacz               PyPI wacz `wacz create --pages` over NAME.warc.gz
#   NAME.warc.zst           per-record zstd frames (reframe_zstd.py), and NAME-dict.warc.zst with a dictionary
#   NAME-wget.warc.gz       wget --warc-file crawl of the folder served on 127.0.0.1 (serve.py)
#   counts.jsonl            records and HTML documents of each file, counted by FastWARC and warcio
# Every step is skipped when its output is newer than its input, so re-running is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/Corpora/build
mkdir -p "$OUT/debs"

need=""
for p in wget time unzip; do dpkg -s $p >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
    echo "installing:$need"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
PY=$(bash Pipelines/venv.sh)
BIN=$(dirname "$PY")

step() {  # step NAME OUTPUT INPUT -- command...: runs the command unless OUTPUT is newer than INPUT
    local name=$1 output=$2 input=$3; shift 4
    if [ -e "$output" ] && [ "$output" -nt "$input" ]; then
        printf '  %-28s up to date\n' "$name"
        return
    fi
    local t0=$SECONDS
    "$@"
    printf '  %-28s %4ds\n' "$name" $((SECONDS - t0))
}

fetch() {  # fetch PACKAGE NAME: the .deb and its extracted html/ folder
    local pkg=$1 name=$2
    local deb
    deb=$(ls "$OUT"/debs/${pkg}_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        (cd "$OUT/debs" && apt-get download "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
        deb=$(ls "$OUT"/debs/${pkg}_*.deb 2>/dev/null | head -1 || true)
        if [ -z "$deb" ]; then
            apt-get update -qq && (cd "$OUT/debs" && apt-get download "$pkg")
            deb=$(ls "$OUT"/debs/${pkg}_*.deb | head -1)
        fi
    fi
    if [ ! -d "$OUT/$name/html" ] || [ "$deb" -nt "$OUT/$name/html" ]; then
        rm -rf "$OUT/$name/html" "$OUT/$name/x"
        mkdir -p "$OUT/$name/x"
        dpkg-deb -x "$deb" "$OUT/$name/x"
        mv "$OUT/$name/x/usr/share/doc/$pkg/html" "$OUT/$name/html"
        rm -rf "$OUT/$name/x"
        touch "$OUT/$name/html"
    fi
    echo "  $(basename "$deb"): $(find "$OUT/$name/html" -name '*.html' | wc -l) HTML files, $(du -sh "$OUT/$name/html" | cut -f1)"
}

crawl() {  # crawl NAME: wget --warc-file through serve.py acting as the site's host
    local name=$1 dir=$OUT/$1 tmp
    tmp=$(mktemp -d)
    "$PY" "$ROOT/Corpora/serve.py" "$dir/html" > "$tmp/port" &
    local pid=$!
    for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    local port
    port=$(head -1 "$tmp/port")
    # http_proxy makes wget ask our loopback server for http://NAME.local/..., so the WARC holds
    # realistic URLs; no request leaves the machine. Exit 8 = some 404s, which crawls have.
    local rc=0
    (cd "$tmp" && http_proxy=http://127.0.0.1:$port/ no_proxy= wget --recursive --level=inf \
        --no-parent --page-requisites -e robots=off --no-verbose --tries=1 \
        --warc-file="$dir/$name-wget.tmp" --warc-header="operator: indexer make corpora" \
        --output-file="$dir/$name-wget.log" --directory-prefix="$tmp/files" \
        "http://$name.local/index.html") || rc=$?
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$tmp"
    if [ $rc -ne 0 ] && [ $rc -ne 8 ]; then echo "wget failed with exit $rc (see $dir/$name-wget.log)" >&2; return 1; fi
    mv "$dir/$name-wget.tmp.warc.gz" "$dir/$name-wget.warc.gz"
}

T0=$SECONDS
for spec in linux-doc-6.1:linux-doc rust-doc:rust-doc; do
    pkg=${spec%%:*}; name=${spec##*:}; dir=$OUT/$name
    echo "== $name ($pkg)"
    fetch "$pkg" "$name"
    step "warcio .warc + .warc.gz" "$dir/$name.warc.gz" "$dir/html" -- \
        "$PY" Corpora/pack_warc.py "$dir/html" "http://$name.local/" "$dir/$name"
    step "wacz create" "$dir/$name.wacz" "$dir/$name.warc.gz" -- \
        bash -c "cd '$dir' && '$BIN/wacz' create -o '$name.wacz.tmp' -p '$name.pages.jsonl' \
            --title '$name' --desc 'Debian $pkg HTML' '$name.warc.gz' >/dev/null && mv '$name.wacz.tmp' '$name.wacz'"
    step "zstd per record" "$dir/$name.warc.zst" "$dir/$name.warc" -- \
        "$PY" Corpora/reframe_zstd.py "$dir/$name.warc" "$dir/$name.warc.zst"
    step "zstd per record + dict" "$dir/$name-dict.warc.zst" "$dir/$name.warc" -- \
        "$PY" Corpora/reframe_zstd.py "$dir/$name.warc" "$dir/$name-dict.warc.zst" --dict
    step "wget crawl" "$dir/$name-wget.warc.gz" "$dir/html" -- crawl "$name"
    newest=$(ls -t "$dir"/*.warc* "$dir"/*.wacz | head -1)
    step "count records" "$dir/counts.jsonl" "$newest" -- \
        bash -c "'$PY' Corpora/count.py '$dir/$name.warc' '$dir/$name.warc.gz' '$dir/$name.warc.zst' \
            '$dir/$name-dict.warc.zst' '$dir/$name.wacz' '$dir/$name-wget.warc.gz' > '$dir/counts.tmp' \
            && mv '$dir/counts.tmp' '$dir/counts.jsonl'"
done

echo
printf '%-40s %10s %9s %9s %7s\n' file MB responses html pages
for name in linux-doc rust-doc; do
    "$PY" - "$OUT/$name/counts.jsonl" <<'EOF'
import json, os, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("%-40s %10.1f %9d %9d %7s%s" % (os.path.basename(r["file"]), r["bytes"] / 1e6,
          r["records"].get("response", 0), r["html"], r.get("pages", ""),
          "  ERROR " + r["error"] if "error" in r else ""))
EOF
done
echo "corpora done in $((SECONDS - T0))s"
