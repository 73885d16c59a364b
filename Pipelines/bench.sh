#!/usr/bin/env bash
# `make bench`: peers against our `indexer` on the real corpora; rewrites BENCHMARKS.md sections.
#
#   bash Pipelines/bench.sh [SECTION...]     sections: extract build query remote merge tree segments publish hostile scale browser
#                                            (default: all; `make bench` builds release first)
# Sets up what the sections need, idempotently: /usr/bin/time and Node (apt), the peer venv
# .venv-bench (Pipelines/venv.sh: warcio, wacz, zstandard, FastWARC, Resiliparse, tantivy,
# pagefind-bin, websocket-client for the browser section, pinned), and the corpora (Corpora/build.sh). Then Pipelines/bench.py runs each
# section: peers always, our side only where `indexer help` lists the command ("not yet
# available" otherwise), prints its table and replaces that section of BENCHMARKS.md.
# Env: BENCH_REPEAT (best of N, default 3), BENCH_CORPORA, BENCH_OUT (default bench-out/).
set -euo pipefail
cd "$(dirname "$0")/.."

need=""
command -v /usr/bin/time >/dev/null 2>&1 || need="$need time"
command -v node >/dev/null 2>&1 || need="$need nodejs"
if [ -n "$need" ]; then
    echo "installing:$need"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
PY=$(bash Pipelines/venv.sh)
bash Corpora/build.sh | tail -n 14
exec "$PY" Pipelines/bench.py "$@"
