#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus (Tests/FuzzCorpus/TARGET/seed-*) from real files: warcio's
WARC, WARC.gz and per-record zstd frames (Corpora/fixtures/make_fixtures.py), the demo corpus's
records and pages, and a `wacz create` WACZ. Small (a few records each) so libFuzzer mutates
structure, not bulk. Run by `make fuzz-seeds`; the output is committed.

usage: fuzz_seeds.py OUTDIR
"""
import gzip, os, subprocess, sys, tempfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "Corpora/fixtures"))
import make_fixtures  # noqa: E402
import make_damage  # noqa: E402
import zstandard  # noqa: E402


def http_seeds(out, plain):
    """Seeds for the framings real servers send that the crawled records lack: brotli and stacked
    encodings, chunk extensions and trailers, folded headers, LF-only lines; and recipes (a NUL
    byte first: FuzzTargets/HTTPRecipe.swift builds a valid compressed, chunked message from
    them) for each encoding and framing, so mutation explores the decoders behind them."""
    import brotli
    head, _, body = plain.partition(b"\r\n\r\n")
    ctype = b"Content-Type: text/html; charset=utf-8"

    def chunked(data, n, ext=b"", trailer=b""):
        parts = [b"%x%s\r\n%s\r\n" % (len(data[k:k + n]), ext, data[k:k + n]) for k in range(0, len(data), n)]
        return b"".join(parts) + b"0\r\n" + trailer + b"\r\n"

    out["response-br"] = b"HTTP/1.1 200 OK\r\n%s\r\nContent-Encoding: br\r\n\r\n%s" % (ctype, brotli.compress(body))
    stacked = brotli.compress(gzip.compress(body, mtime=0))
    out["response-gzip-br-chunked"] = (b"HTTP/1.1 200 OK\r\n%s\r\nContent-Encoding: gzip, br\r\nTransfer-Encoding: chunked\r\n\r\n" % ctype
                                       + chunked(stacked, 97, b";name=value", b"Expires: 0\r\n"))
    out["response-folded-lf"] = (b"HTTP/1.0 200\nContent-Type:\n text/html;\n\tcharset=windows-1252\nContent-Encoding:\n deflate\n\n"
                                 + zlib.compress(body.replace(b"utf-8", b"windows-1252")))
    for enc, flags in [(0, 1), (1, 0), (1, 1 | 8), (2, 2), (3, 1 | 4), (4, 1), (5, 0), (6, 64), (7, 16 | 1), (9, 1), (1, 32)]:
        out["recipe-%d-%d" % (enc, flags)] = bytes([0, enc, flags, 61]) + ctype + b"\r\n" + b"\x00" + body


def main():
    out = sys.argv[1]
    tmp = tempfile.mkdtemp()
    p = lambda n: os.path.join(tmp, n)
    make_fixtures.write_pages(p("pages.warc"), False)
    make_fixtures.write_pages(p("pages.warc.gz"), True)
    pages = make_damage.Source("pages.warc", open(p("pages.warc"), "rb").read(), False)
    demo = make_damage.Source("demo", open(os.path.join(ROOT, "Corpora/demo/group-a/web.warc.gz"), "rb").read(), True)
    seeds = {t: {} for t in ["warc", "decompress", "http", "zip", "html"]}

    seeds["warc"]["pages-head"] = b"".join(r.raw for r in pages.recs[:5])
    seeds["warc"]["demo-head"] = b"".join(r.raw for r in demo.recs[:8])
    seeds["warc"]["demo-features"] = b"".join(r.raw for r in demo.recs if r.type in ("revisit", "resource", "metadata"))

    seeds["decompress"]["gzip-members"] = b"\x00" + b"".join(demo.chunk(i) for i in range(4))
    z = zstandard.ZstdCompressor(level=3, write_checksum=True, write_content_size=True)
    seeds["decompress"]["zstd-frames"] = b"\x01" + b"".join(z.compress(r.raw) for r in pages.recs[:4])
    d = zlib.compressobj(6, zlib.DEFLATED, -15)
    seeds["decompress"]["raw-deflate"] = b"\x02" + d.compress(b"".join(r.raw for r in pages.recs[:3])) + d.flush()

    for r in demo.recs:
        if r.type != "response":
            continue
        block = r.raw[r.block[0]:r.block[1]]
        head = block[:block.find(b"\r\n\r\n")].lower()
        for tag in [b"chunked", b"content-encoding: gzip", b"iso-8859-1", b"404"]:
            name = "response-" + tag.decode().replace(": ", "-").replace(" ", "-")
            if tag in head and name not in seeds["http"]:
                seeds["http"][name] = block
    seeds["http"]["response-plain"] = pages.recs[2].raw[pages.recs[2].block[0]:pages.recs[2].block[1]]
    http_seeds(seeds["http"], seeds["http"]["response-plain"])

    small = p("small.warc.gz")
    open(small, "wb").write(b"".join(gzip.compress(r.raw, mtime=0) for r in pages.recs[:5]))
    subprocess.run([sys.executable, "-m", "wacz", "create", "-o", p("small.wacz"), small], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seeds["zip"]["wacz-create"] = open(p("small.wacz"), "rb").read()

    site = os.path.join(ROOT, "Corpora/demo/group-a/site-alice")
    seeds["html"]["alice-index"] = b"\n" + open(os.path.join(site, "index.html"), "rb").read()
    seeds["html"]["alice-hives"] = b"utf-8\n" + open(os.path.join(site, "about/hives.html"), "rb").read()
    for r in demo.recs:
        block = r.raw[r.block[0]:r.block[1]]
        if b"iso-8859-1" in block[:400].lower() and "latin1" not in seeds["html"]:
            seeds["html"]["latin1"] = b"iso-8859-1\n" + block[block.find(b"\r\n\r\n") + 4:]
    for t, files in seeds.items():
        os.makedirs(os.path.join(out, t), exist_ok=True)
        for name, data in files.items():
            open(os.path.join(out, t, "seed-" + name), "wb").write(data)


if __name__ == "__main__":
    main()
