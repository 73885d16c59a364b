#!/usr/bin/env python3
"""What a remote query's bytes are: every block an index folder reaches, classified by tree and
level, then the requests of each query (`indexer search Q --index URL`, cold) summed per class
from `Corpora/serve.py`'s log.

    read_breakdown.py INDEX_DIR QUERIES.txt [--indexer BIN] [--limit 10]

Classes: manifest (the file; its bootstrap's share printed apart), meta (root, versions, segment
roots, tree headers), <tree>-internal, <tree>-leaf, <tree>-value (out-of-line values: text and
long records; format 3: text chunks), text-head (format 3: a document's text head). Needs
libipld, multiformats and zstandard (the test venv).
"""
import argparse
import base64
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import libipld
import zstandard
from multiformats import varint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZD = zstandard.ZstdDecompressor()


def block_path(index, cid, layout):
    return os.path.join(index, "blocks", cid[-3:-1], cid) if layout else os.path.join(index, "blocks", cid)


CID_HEAD = bytes([0x01, 0x71, 0xA0, 0xE4, 0x02, 0x20])  # CIDv1, DAG-CBOR, BLAKE2b-256


def links(v):
    """CIDs (as block file names) linked anywhere in a decoded block: libipld gives a link as
    the binary CID's bytes."""
    if isinstance(v, bytes) and len(v) == 38 and v.startswith(CID_HEAD):
        yield "b" + base64.b32encode(v).decode().lower().rstrip("=")
    elif isinstance(v, dict):
        for x in v.values():
            yield from links(x)
    elif isinstance(v, list):
        for x in v:
            yield from links(x)


def classify(index):
    """CID -> class for every block the manifest reaches."""
    m = json.load(open(os.path.join(index, "manifest.json")))
    layout = m.get("blockLayout")
    out = {}
    stack = [(m["root"], None)]
    while stack:
        cid, tree = stack.pop()
        if cid in out:
            continue
        raw = open(block_path(index, cid, layout), "rb").read()
        v = libipld.decode_dag_cbor(raw)
        if isinstance(v, dict) and set(v) == {"l", "z"}:
            p = ZD.decompress(v["z"], max_output_size=1 << 26)
            if p[0] == 2:
                # A format 3 text head is DAG-CBOR [chunk 0, chunks] (0x82), from format 7 with
                # its provenance third (0x83); a chunk is UTF-8 text, which never starts with a
                # continuation byte.
                out[cid] = tree + ("-head" if tree == "text" and p[1:2] in (b"\x82", b"\x83") else "-value")
            else:
                level, _, _ = varint.decode_raw(p[1:])
                out[cid] = "%s-%s" % (tree, "leaf" if level == 0 else "internal")
            for c in links(v["l"]):
                stack.append((c, tree))
            continue
        out[cid] = "meta"
        if isinstance(v, dict) and isinstance(v.get("trees"), dict):
            for name, c in v["trees"].items():
                stack.extend((x, name) for x in links(c))
            for k, x in v.items():
                if k != "trees":
                    for c in links(x):
                        stack.append((c, tree))
        else:
            for c in links(v):
                stack.append((c, tree))
    return m, out


def car_blocks(path):
    """(block file name, section bytes) of each block in a CARv1 file (varint header length,
    header, then varint-framed CID + block sections; CIDs here are 38 bytes, `CID_HEAD`)."""
    data = open(path, "rb").read()
    length, used, _ = varint.decode_raw(data)
    pos = used + length
    while pos < len(data):
        length, used, _ = varint.decode_raw(data[pos:])
        section = data[pos + used:pos + used + length]
        yield "b" + base64.b32encode(section[:38]).decode().lower().rstrip("="), length
        pos += used + length


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("index")
    ap.add_argument("queries")
    ap.add_argument("--indexer", default=os.path.join(ROOT, ".build", "debug", "indexer"))
    ap.add_argument("--limit", default="10")
    a = ap.parse_args()
    m, classes = classify(a.index)
    boot = base64.b64decode(m["bootstrap"]) if "bootstrap" in m else b""
    if os.path.exists(os.path.join(a.index, "bootstrap.car")):
        print("bootstrap.car %d bytes" % os.path.getsize(os.path.join(a.index, "bootstrap.car")))
        inside, blocks = collections.Counter(), collections.Counter()
        for name, size in car_blocks(os.path.join(a.index, "bootstrap.car")):
            inside[classes.get(name, "other")] += size
            blocks[classes.get(name, "other")] += 1
        for c, size in inside.most_common():
            print("  %-22s %7d bytes %4d blocks" % (c, size, blocks[c]))
    manifest_size = os.path.getsize(os.path.join(a.index, "manifest.json"))
    print("manifest.json %d bytes, bootstrap %d bytes (%d as base64)" % (manifest_size, len(boot), len(m.get("bootstrap", ""))))
    log = tempfile.mktemp(suffix=".log")
    srv = subprocess.Popen([sys.executable, os.path.join(ROOT, "Corpora", "serve.py"), a.index, "--log", log],
                           stdout=subprocess.PIPE, text=True)
    port = int(srv.stdout.readline())
    totals = collections.Counter()
    counts = collections.Counter()
    rts = []
    n = 0
    try:
        for q in (l.strip() for l in open(a.queries)):
            if not q or q.startswith("#"):
                continue
            before = sum(1 for _ in open(log)) if os.path.exists(log) else 0
            p = subprocess.run([a.indexer, "search", q, "--index", "http://127.0.0.1:%d/" % port, "--json", "--stats",
                                "--no-cache", "--limit", a.limit], capture_output=True, text=True)
            time.sleep(0.03)
            entries = [json.loads(l) for l in open(log)][before:]
            res = json.loads(p.stdout) if p.returncode == 0 else {}
            rts.append(res.get("stats", {}).get("roundTrips", 0))
            per = collections.Counter()
            for e in entries:
                name = e["path"].rsplit("/", 1)[-1]
                c = name if name in ("manifest.json", "bootstrap.car") else classes.get(name, "other")
                per[c] += e["bytes"]
                counts[c] += 1
            totals.update(per)
            n += 1
    finally:
        srv.terminate()
        srv.wait()
        os.remove(log) if os.path.exists(log) else None
    total = sum(totals.values())
    print("%d queries: %.1f KiB/query, %.1f requests/query, %.2f round trips/query" % (
        n, total / n / 1024, sum(counts.values()) / n, sum(rts) / n))
    for c, b in sorted(totals.items(), key=lambda x: -x[1]):
        print("  %-20s %8.1f KiB/query %5.1f%%  %5.1f requests/query" % (c, b / n / 1024, 100 * b / total, counts[c] / n))


if __name__ == "__main__":
    main()
