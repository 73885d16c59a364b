#!/usr/bin/env python3
"""Writes SRC as an LZMA file (`.lzma`, what `lzma -d` reads) with its size in the header, for
the page's unlzma (Wasm/page/indexer-search.js): querycore.wasm.lzma. lc=3, lp=0, pb=0 and the
longest match length are the smallest of every lc/lp/pb on the module (wasm code is bytes, not
aligned words). Python's own lzma module: nothing to install."""
import lzma, os, struct, sys

src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
lc, lp, pb = 3, 0, 0
dictionary = max(1 << 12, 1 << (len(data) - 1).bit_length())
raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1, "preset": 9 | lzma.PRESET_EXTREME,
                                                             "lc": lc, "lp": lp, "pb": pb, "nice_len": 273, "dict_size": dictionary}])
with open(dst + ".tmp", "wb") as f:
    f.write(struct.pack("<BIQ", (pb * 5 + lp) * 9 + lc, dictionary, len(data)) + raw)
assert lzma.decompress(open(dst + ".tmp", "rb").read(), format=lzma.FORMAT_ALONE) == data
os.replace(dst + ".tmp", dst)
