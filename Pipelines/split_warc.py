#!/usr/bin/env python3
"""Split a plain WARC into two gzip WARCs by a hash of each record's target URL.

A record goes to the first output when int(sha1(url)[:8], 16) % 100 < PERCENT, else to the
second; records without a URL (warcinfo) go to both. Records are copied byte for byte, each as
its own gzip member, so the outputs are valid WARCs with the same records as the input.

usage: split_warc.py IN.warc PERCENT OUT_FIRST.warc.gz OUT_SECOND.warc.gz
  e.g. 50 -> two groups of linux-doc; 99 -> a base build and a 1% incremental batch
       split_warc.py IN.warc --parts K OUT_PREFIX
  K parts by int(sha1(url)[:8], 16) % K, written to OUT_PREFIX-0.warc.gz ... OUT_PREFIX-(K-1).warc.gz
"""
import hashlib
import os
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Corpora"))
from reframe_zstd import records  # noqa: E402  (the exact-bytes record splitter)


def gzip_member(data):
    c = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip wrapper, mtime 0 -> deterministic
    return c.compress(data) + c.flush()


def target(rec):
    head = rec[:rec.index(b"\r\n\r\n")]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"warc-target-uri:"):
            return line.split(b":", 1)[1].strip().strip(b"<>")
    return None


def parts(src, k, prefix):
    names = ["%s-%d.warc.gz" % (prefix, i) for i in range(k)]
    outs = [open(n + ".tmp", "wb") for n in names]
    for rec in records(src):
        url = target(rec)
        member = gzip_member(rec)
        for i, o in enumerate(outs):
            if url is None or int(hashlib.sha1(url).hexdigest()[:8], 16) % k == i:
                o.write(member)
    for n, o in zip(names, outs):
        o.close()
        os.replace(n + ".tmp", n)
    return names


def main():
    if len(sys.argv) == 5 and sys.argv[2] == "--parts":
        print(" ".join(parts(sys.argv[1], int(sys.argv[3]), sys.argv[4])))
        return
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src, percent, first, second = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    counts = [0, 0]
    with open(first + ".tmp", "wb") as a, open(second + ".tmp", "wb") as b:
        for rec in records(src):
            url = target(rec)
            member = gzip_member(rec)
            if url is None:
                a.write(member)
                b.write(member)
                continue
            side = 0 if int(hashlib.sha1(url).hexdigest()[:8], 16) % 100 < percent else 1
            (a if side == 0 else b).write(member)
            counts[side] += 1
    os.replace(first + ".tmp", first)
    os.replace(second + ".tmp", second)
    print("%s: %d records, %s: %d records" % (first, counts[0], second, counts[1]))


if __name__ == "__main__":
    main()
