#!/usr/bin/env bash
# `make fuzz`: runs each libFuzzer target (built by the Makefile into .build/fuzz) for
# FUZZ_SECONDS (default 60) over its kept corpus, Tests/FuzzCorpus/TARGET (seeds from real files,
# Pipelines/fuzz_seeds.py). New coverage goes to .build/fuzz/corpus/TARGET; crashers, timeouts
# (an input costing over FUZZ_TIMEOUT seconds) and inputs over FUZZ_RSS_MB of memory are written
# to Tests/FuzzCorpus/TARGET/ as crash-*, timeout-*, oom-*, where FuzzCorpusTests replays them:
# keep them (git add) once fixed. Pipelines/fuzz-TARGET.dict, when there, is the target's
# libFuzzer dictionary (tokens a mutation rarely spells: HTTP framing, codings). FUZZ_KEEP=1 also merges the inputs that added coverage into
# the kept corpus. Exit status 1 when any target found something.
#
#   bash Pipelines/fuzz.sh [TARGET...]       targets: warc decompress http zip html
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=${*:-warc decompress http zip html}
found=0
for t in $targets; do
    work=.build/fuzz/corpus/$t
    mkdir -p "$work" "Tests/FuzzCorpus/$t"
    before=$(ls Tests/FuzzCorpus/$t | grep -cE '^(crash|timeout|oom|leak)-' || true)
    echo "fuzz-$t: $seconds s"
    dict=(); [ -f "Pipelines/fuzz-$t.dict" ] && dict=(-dict="Pipelines/fuzz-$t.dict")
    SWIFT_BACKTRACE=enable=no .build/fuzz/debug/fuzz-$t "${dict[@]}" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" \
        -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="Tests/FuzzCorpus/$t/" "$work" "Tests/FuzzCorpus/$t" > ".build/fuzz/$t.log" 2>&1
    status=$?
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' ".build/fuzz/$t.log" | tr '\n' ' '; echo
    after=$(ls Tests/FuzzCorpus/$t | grep -cE '^(crash|timeout|oom|leak)-' || true)
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
        echo "fuzz-$t: FOUND something (exit $status); see .build/fuzz/$t.log and Tests/FuzzCorpus/$t/"
        grep -E 'ERROR|SUMMARY|Fatal error|Test unit written' ".build/fuzz/$t.log" | head -5
        found=1
    fi
    if [ "${FUZZ_KEEP:-0}" = 1 ]; then
        SWIFT_BACKTRACE=enable=no .build/fuzz/debug/fuzz-$t -merge=1 "Tests/FuzzCorpus/$t" "$work" > /dev/null 2>&1
    fi
done
exit $found
