#!/usr/bin/env bash
# Creates (once) the benchmark and corpus-building venv .venv-bench with pinned peer tools, and
# prints its python. Kept apart from the test venv .venv: these are heavy and only `make corpora`
# and `make bench` need them. Versions are pinned so numbers stay comparable between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-bench
PACKAGES="warcio==1.8.1 wacz==0.6.0 zstandard==0.25.0 fastwarc==2.0.1 resiliparse==2.0.1 tantivy==0.27.0 pagefind-bin==1.5.2 websocket-client==1.9.2"
STAMP="$VENV/.installed"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$PACKAGES" ]; then
    test -x "$VENV/bin/python" || python3 -m venv "$VENV" >&2
    "$VENV/bin/python" -m pip install -q $PACKAGES >&2
    echo "$PACKAGES" > "$STAMP"
fi
echo "$PWD/$VENV/bin/python"
