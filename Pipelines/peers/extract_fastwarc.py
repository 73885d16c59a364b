#!/usr/bin/env python3
"""Extraction peer: FastWARC + Resiliparse `extract_plain_text` over one WARC, all cores (plain
text and Markdown records, which our ingest indexes too, decoded as plain text).

Prints one JSON line: documents, payload bytes (decoded; `html_bytes`), text characters, seconds (wall,
inside the script), docs/s, MB/s of payload, and peak RSS (sum over processes and largest process).

usage: extract_fastwarc.py WARC [--procs N]     (PEER_MAIN_CONTENT=1: main-content heuristics)
"""
import sys
import time

from common import Peaks, emit, extracted_documents, usage


def main():
    args = sys.argv[1:]
    if not args:
        usage(__doc__)
    procs = int(args[args.index("--procs") + 1]) if "--procs" in args else None
    import os
    procs = procs or os.cpu_count()
    t0 = time.perf_counter()
    peaks = Peaks()
    docs = html_bytes = text_chars = 0
    for url, date, n, title, text_len in extracted_documents(args[0], procs, peaks, keep_text=False):
        docs += 1
        html_bytes += n
        text_chars += text_len
    seconds = time.perf_counter() - t0
    from common import MAIN_CONTENT
    emit({"tool": "FastWARC+Resiliparse", "main_content": MAIN_CONTENT, "procs": procs, "documents": docs, "html_bytes": html_bytes,
          "text_chars": text_chars, "seconds": round(seconds, 3),
          "docs_per_s": round(docs / seconds, 1), "mb_per_s": round(html_bytes / 1e6 / seconds, 1),
          **peaks.summary()})


if __name__ == "__main__":
    main()
