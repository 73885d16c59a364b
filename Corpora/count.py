#!/usr/bin/env python3
"""Count the records of WARC / WARC.gz / WARC.zst / WACZ files with independent readers.

For each file prints one JSON line: bytes, records by WARC-Type, `html` (response records with
a 2xx status and an HTML Content-Type: the documents a text index should hold) and, for WACZ,
the lines of pages.jsonl. FastWARC reads every format; warcio (which has no zstd) re-counts
plain and gzip WARCs and WACZ members, and a disagreement between the two is an error.

usage: count.py FILE... [--fast]   (--fast: FastWARC only)
"""
import collections
import json
import os
import sys
import zipfile

from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType

HTML = (b"text/html", b"application/xhtml+xml")


def fast_count(stream):
    c = collections.Counter()
    for r in FastIterator(stream, record_types=WarcRecordType.any_type, parse_http=True):
        kind = r.headers.get("WARC-Type")
        c[kind] += 1
        if kind == "response" and r.http_headers is not None:
            ctype = (r.http_headers.get("Content-Type") or "").encode().lower()
            if 200 <= (r.http_headers.status_code or 0) < 300 and ctype.startswith(HTML):
                c["html"] += 1
    return c


def warcio_count(stream):
    from warcio.archiveiterator import ArchiveIterator
    c = collections.Counter()
    for r in ArchiveIterator(stream):
        c[r.rec_type] += 1
        if r.rec_type == "response" and r.http_headers is not None:
            ctype = (r.http_headers.get_header("Content-Type") or "").encode().lower()
            if r.http_headers.get_statuscode().startswith("2") and ctype.startswith(HTML):
                c["html"] += 1
    return c


def count(path, check):
    out = {"file": path, "bytes": os.path.getsize(path)}
    if path.endswith(".wacz"):
        totals, checks = collections.Counter(), collections.Counter()
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("archive/"):
                    with z.open(name) as f:
                        totals += fast_count(f)
                    if check:
                        with z.open(name) as f:
                            checks += warcio_count(f)
            if "pages/pages.jsonl" in z.namelist():
                with z.open("pages/pages.jsonl") as f:
                    out["pages"] = sum(1 for line in f if b'"format"' not in line and line.strip())
    else:
        with open(path, "rb") as f:
            totals = fast_count(f)
        checks = None
        if check and not path.endswith(".zst"):
            with open(path, "rb") as f:
                checks = warcio_count(f)
    out["records"] = {k: v for k, v in sorted(totals.items()) if k != "html"}
    out["html"] = totals["html"]
    if checks is not None and check and checks != totals:
        out["error"] = "warcio disagrees: %s" % dict(checks)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    bad = False
    for path in args:
        result = count(path, "--fast" not in sys.argv)
        bad = bad or "error" in result
        print(json.dumps(result), flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
