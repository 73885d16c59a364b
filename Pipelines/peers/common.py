"""Shared parts of the peer pipelines: WARC reading (FastWARC), HTML extraction (Resiliparse),
a process pool over all cores, and peak-memory accounting across processes.

Parallelism: `os.cpu_count()` worker processes (Resiliparse holds the GIL, so threads would not
scale); see extracted_documents. Peak RSS is reported two ways: the largest single process
(what /usr/bin/time -v shows for a process tree) and the sum of every process's own peak, an
upper bound of the tree's total that is fair to compare with a single multi-threaded process.
"""
import json
import multiprocessing as mp
import os
import resource
import sys
import zlib

from fastwarc.warc import ArchiveIterator, WarcRecordType
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.encoding import detect_encoding
from resiliparse.parse.html import HTMLTree

BATCH = 32


# What our ingest indexes besides HTML (MediaType.handling): plain text and Markdown, which
# a peer indexes as plain text. linux-doc holds as many text/plain records (its `_sources/*.txt`)
# as pages: a peer reading HTML alone did half of our documents and half of their text.
PLAIN_TYPES = ("text/plain", "text/markdown", "text/x-markdown")


def text_records(path, mine=lambda i: True):
    """Yields (url, date, payload bytes, is HTML) of 2xx response records that our ingest
    indexes (HTML, plain text, Markdown; not robots.txt), content-decoded.

    Content-Encoding gzip/deflate is undone here with zlib: FastWARC 2.0.1's auto_decode="all"
    loses its place in the stream after a gzip-encoded record whose payload is not read
    ("Invalid WARC header" on the next record; seen on linux-doc's Lato-Bold.ttf).
    """
    i = -1
    for r in ArchiveIterator(open(path, "rb"), record_types=WarcRecordType.response, parse_http=True):
        h = r.http_headers
        if h is None or not (200 <= (h.status_code or 0) < 300):
            continue
        ctype = (h.get("Content-Type") or "").lower()
        is_html = ctype.startswith(("text/html", "application/xhtml+xml"))
        url = r.headers.get("WARC-Target-URI")
        if not is_html and (not ctype.startswith(PLAIN_TYPES) or (url or "").endswith("/robots.txt")):
            continue
        i += 1
        if not mine(i):
            continue
        payload = r.reader.read()
        if (h.get("Content-Encoding") or "").lower() in ("gzip", "x-gzip", "deflate"):
            try:
                payload = zlib.decompress(payload, 47)  # 47: gzip or zlib header, detected
            except zlib.error:
                pass  # keep the raw bytes, as browsers and our ingest do
        yield (url, r.headers.get("WARC-Date"), payload, is_html)


MAIN_CONTENT = os.environ.get("PEER_MAIN_CONTENT") == "1"


def extract(payload, is_html=True):
    """(title, text) of one payload, charset decided by Resiliparse's detector; plain text is
    the decoded payload with no title.

    Resiliparse's defaults (all visible text) unless PEER_MAIN_CONTENT=1, which turns on its
    main-content heuristics (boilerplate removal; about half the speed).
    """
    if not is_html:
        try:
            return "", payload.decode(detect_encoding(payload), errors="replace")
        except LookupError:
            return "", payload.decode("utf-8", errors="replace")
    tree = HTMLTree.parse_from_bytes(payload, detect_encoding(payload))
    title = tree.title or ""
    return title, extract_plain_text(tree, main_content=MAIN_CONTENT)


def _worker(path, k, procs, keep_text, queue):
    """Extracts every procs-th record starting at k; sends batches, then (pid, peak RSS)."""
    batch = []
    for i, (url, date, payload, is_html) in enumerate(text_records(path, lambda i: i % procs == k)):
        title, text = extract(payload, is_html)
        batch.append((url, date, len(payload), title, text if keep_text else len(text)))
        if len(batch) == BATCH:
            queue.put(batch)
            batch = []
    if batch:
        queue.put(batch)
    queue.put((os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


class Peaks:
    """Per-process peak RSS in KiB, reported by the workers when they finish."""

    def __init__(self):
        self.by_pid = {}

    def add(self, pid, kib):
        self.by_pid[pid] = max(self.by_pid.get(pid, 0), kib)

    def summary(self):
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"rss_sum_kib": own + sum(self.by_pid.values()),
                "rss_max_process_kib": max([own] + list(self.by_pid.values())),
                "processes": 1 + len(self.by_pid)}


def extracted_documents(path, procs, peaks, keep_text=True):
    """Yields (url, date, payload bytes, title, text or its length) for every document.

    `procs` worker processes each read the whole WARC with FastWARC (decompression is cheap next
    to extraction: ~400 MB/s against ~35 MB/s) and extract every procs-th record, so no payload
    crosses a process boundary; only extracted text comes back, through a bounded queue.
    Documents arrive in no particular order. The workers are forked before this returns, so
    call it before starting threads of your own (tantivy's writer).
    """
    ctx = mp.get_context("fork")
    queue = ctx.Queue(maxsize=4 * procs)
    workers = [ctx.Process(target=_worker, args=(path, k, procs, keep_text, queue)) for k in range(procs)]
    for w in workers:
        w.start()

    def documents():
        running = procs
        while running:
            item = queue.get()
            if isinstance(item, tuple):
                peaks.add(*item)
                running -= 1
            else:
                yield from item
        for w in workers:
            w.join()
            if w.exitcode != 0:
                raise RuntimeError("extraction worker failed with exit code %s" % w.exitcode)
    return documents()


def emit(result):
    print(json.dumps(result), flush=True)


def usage(doc):
    sys.exit(doc)
