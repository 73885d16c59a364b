#!/usr/bin/env python3
"""A large WARC.zst made from the real corpora, for the `scale` benchmark.

usage: scale_corpus.py OUT.warc.zst DOCUMENTS SOURCE.warc.gz...

Writes DOCUMENTS HTML responses: the sources' HTML pages (2xx text/html, content encodings
undone), over and over. Copy c > 0 of a page differs from the original so that the vocabulary,
the titles and the texts grow with the corpus, as in a real crawl, rather than repeating:
- its URL gets the path prefix /c<c>/ (every document has its own URL),
- its <title> gets " (<c>)" appended,
- in the text between tags, a word of 5+ letters is replaced, with probability 1/8 decided
  by a hash of (word, copy, position), by itself + a suffix derived from the copy, so every
  copy adds new terms (Heaps-like growth) and no two copies have the same text.
One zstd frame per record (the IIPC warc-zstd layout, level 3). Deterministic: the same
arguments give the same bytes. Prints a JSON summary.
"""
import datetime
import os
import hashlib
import json
import multiprocessing
import re
import sys
import uuid
import zlib

import zstandard
from warcio.archiveiterator import ArchiveIterator

WORD = re.compile(rb"[A-Za-z]{5,}")
TEXT = re.compile(rb">([^<]+)<")
TITLE = re.compile(rb"(<title[^>]*>)(.*?)(</title>)", re.I | re.S)
SUFFIXES = [b"ia", b"ox", b"ek", b"um", b"ar", b"ith", b"ov", b"el"]


def pages(paths):
    for path in paths:
        with open(path, "rb") as f:
            for rec in ArchiveIterator(f):
                if rec.rec_type != "response" or not rec.http_headers:
                    continue
                status = rec.http_headers.get_statuscode() or ""
                ctype = (rec.http_headers.get_header("Content-Type") or "").lower()
                if not status.startswith("2") or "text/html" not in ctype:
                    continue
                yield rec.rec_headers.get_header("WARC-Target-URI"), rec.content_stream().read()


def vary(body, copy):
    if copy == 0:
        return body
    tag = str(copy).encode()

    def word(m):
        h = zlib.crc32(b"%d" % m.start(), zlib.crc32(m.group(0), copy))
        if h & 7:
            return m.group(0)
        return m.group(0) + SUFFIXES[(h >> 3) & 7] + tag

    body = TITLE.sub(lambda m: m.group(1) + m.group(2) + b" (" + tag + b")" + m.group(3), body, count=1)
    return TEXT.sub(lambda m: b">" + WORD.sub(word, m.group(1)) + b"<", body)


def record(uri, body, n):
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    date = (datetime.datetime(2026, 1, 1) + datetime.timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rid = uuid.UUID(bytes=hashlib.sha256(uri.encode()).digest()[:16])
    head = ("WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:%s>\r\nWARC-Date: %s\r\n"
            "WARC-Target-URI: %s\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n"
            % (rid, date, uri, len(http))).encode()
    return head + http + b"\r\n\r\n"


CHUNK = 2000  # pages per worker task: big enough to amortise the hand-off, small enough to keep both cores busy
PAGES = []  # the sources' pages, read once; workers inherit them (fork)


def chunk(task):
    """The compressed records of pages [start, stop) of copy `copy`, and their raw size."""
    copy, start, stop = task
    cctx = zstandard.ZstdCompressor(level=3, write_content_size=True, write_checksum=True)
    out, raw = [], 0
    for i in range(start, stop):
        uri, body = PAGES[i]
        if copy:
            scheme, _, rest = uri.partition("://")
            host, _, path = rest.partition("/")
            uri = "%s://%s/c%d/%s" % (scheme, host, copy, path)
        rec = record(uri, vary(body, copy), copy * len(PAGES) + i)
        raw += len(rec)
        out.append(cctx.compress(rec))
    return b"".join(out), raw


def main():
    out, total, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if total < 1 or not sources:
        sys.exit(__doc__)
    PAGES.extend(pages(sources))
    if not PAGES:
        sys.exit("no HTML pages in %s" % " ".join(sources))
    # Copy c's page i is document c * len(PAGES) + i, whichever worker makes it: the same bytes
    # as writing them one by one, in a fraction of the time (the word variation is Python-bound).
    tasks = []
    for copy in range((total + len(PAGES) - 1) // len(PAGES)):
        for start in range(0, len(PAGES), CHUNK):
            stop = min(start + CHUNK, len(PAGES), total - copy * len(PAGES))
            if stop > start:
                tasks.append((copy, start, stop))
    raw = 0
    with open(out + ".tmp", "wb") as f, multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        for data, n in pool.imap(chunk, tasks):
            f.write(data)
            raw += n
    os.replace(out + ".tmp", out)
    print(json.dumps({"out": out, "documents": total, "copies": tasks[-1][0] + 1, "raw_bytes": raw,
                      "bytes": os.path.getsize(out)}))


if __name__ == "__main__":
    main()
