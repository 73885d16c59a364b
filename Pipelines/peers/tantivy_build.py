#!/usr/bin/env python3
"""Index-building peer: FastWARC + Resiliparse -> tantivy, end to end, all cores.

Schema: url (stored, one raw token), title (stored, indexed, English stemming), body (indexed
with positions, English stemming, not stored: the issue's setting; our shards also keep text for
snippets, so compare index sizes with that in mind). Extraction runs on `procs` processes
(common.py); the tantivy writer in this process uses its own `procs` indexing threads.

Prints one JSON line: documents, seconds, docs/s, index bytes, peak RSS (sum over processes).
usage: tantivy_build.py WARC INDEX_DIR [--procs N] [--heap-mb M]
"""
import os
import shutil
import sys
import time

import tantivy

from common import Peaks, emit, extracted_documents, usage


def schema():
    b = tantivy.SchemaBuilder()
    b.add_text_field("url", stored=True, tokenizer_name="raw")
    b.add_text_field("title", stored=True, tokenizer_name="en_stem", index_option="position")
    b.add_text_field("body", stored=False, tokenizer_name="en_stem", index_option="position")
    return b.build()


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        usage(__doc__)
    warc, out = args[0], args[1]
    procs = int(args[args.index("--procs") + 1]) if "--procs" in args else os.cpu_count()
    heap = int(args[args.index("--heap-mb") + 1]) if "--heap-mb" in args else 256
    t0 = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    peaks = Peaks()
    documents = extracted_documents(warc, procs, peaks)  # forks before tantivy starts threads
    index = tantivy.Index(schema(), path=out)
    writer = index.writer(heap_size=heap * 1_000_000, num_threads=procs)
    docs = 0
    for url, date, n, title, text in documents:
        writer.add_document(tantivy.Document(url=url, title=title, body=text))
        docs += 1
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - t0
    emit({"tool": "FastWARC+Resiliparse+tantivy", "procs": procs, "heap_mb": heap, "documents": docs,
          "seconds": round(seconds, 3), "docs_per_s": round(docs / seconds, 1),
          "index_bytes": dir_bytes(out), **peaks.summary()})


if __name__ == "__main__":
    main()
