#!/usr/bin/env python3
"""Re-frame a plain WARC as a Zstandard WARC per the IIPC "warc-zstd" 1.0 proposal.

One zstd frame per record, each with Frame_Content_Size and Content_Checksum (the spec requires
both). With --dict, a dictionary is trained on the first records, every frame carries its
Dictionary_ID, and the file starts with a dictionary frame: a skippable frame with magic
0x184D2A5D whose user data is the dictionary itself compressed as one zstd frame (the spec
allows raw or compressed; compressed is the case that needs more of a reader).

The output is checked before it is renamed into place: decompressing the frames in order must
give back the input byte for byte, and each frame must hold exactly one record.

usage: reframe_zstd.py IN.warc OUT.warc.zst [--dict] [--level N]
"""
import argparse
import hashlib
import os
import struct

import zstandard

DICT_MAGIC = 0x184D2A5D
DICT_SAMPLES = 2000
DICT_SIZE = 112 * 1024  # zstd's default dictionary size


def records(path):
    """Yields each record's exact bytes: header block, content block and the CRLFCRLF after it."""
    with open(path, "rb") as f:
        while True:
            header = bytearray()
            while not header.endswith(b"\r\n\r\n"):
                line = f.readline()
                if not line:
                    if header.strip():
                        raise ValueError("%s: truncated header at end" % path)
                    return
                header += line
            length = None
            for line in bytes(header).split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length is None:
                raise ValueError("%s: record without Content-Length" % path)
            block = f.read(length)
            tail = f.read(4)
            if len(block) != length or tail != b"\r\n\r\n":
                raise ValueError("%s: record does not end with CRLFCRLF at its Content-Length" % path)
            yield bytes(header) + block + tail


def train(path):
    samples = []
    for i, rec in enumerate(records(path)):
        if i >= DICT_SAMPLES:
            break
        samples.append(rec[:128 * 1024])
    # dict_id in the range the spec suggests, derived from the input so output is reproducible
    dict_id = 32768 + int.from_bytes(hashlib.sha256(b"".join(samples[:50])).digest()[:4], "little") % (2**31 - 32768)
    return zstandard.train_dictionary(DICT_SIZE, samples, dict_id=dict_id, level=3)


def verify(original, compressed, dict_data):
    """Decodes the file frame by frame; checks one record per frame and identical bytes."""
    want = hashlib.sha256()
    for rec in records(original):
        want.update(rec)
    got = hashlib.sha256()
    frames = 0
    with open(compressed, "rb") as f:
        data = memoryview(f.read())
    pos = 0
    d = None
    if bytes(data[:4]) == struct.pack("<I", DICT_MAGIC):
        size = struct.unpack("<I", data[4:8])[0]
        raw = zstandard.ZstdDecompressor().decompress(data[8:8 + size])
        d = zstandard.ZstdCompressionDict(raw)
        assert dict_data is None or raw == dict_data.as_bytes()
        pos = 8 + size
    dctx = zstandard.ZstdDecompressor(dict_data=d) if d else zstandard.ZstdDecompressor()
    while pos < len(data):
        params = zstandard.get_frame_parameters(bytes(data[pos:pos + 18]))
        assert params.has_checksum and params.content_size != zstandard.CONTENTSIZE_UNKNOWN
        if d:
            assert params.dict_id == d.dict_id()
        # a frame is never longer than ZSTD_compressBound(content) plus its header and checksum
        window = data[pos:pos + params.content_size + params.content_size // 128 + 1024]
        obj = dctx.decompressobj()
        out = obj.decompress(window)
        assert obj.eof, "frame at %d did not end" % pos
        used = len(window) - len(obj.unused_data)
        assert len(out) == params.content_size and out.startswith(b"WARC/")
        got.update(out)
        pos += used
        frames += 1
    assert want.digest() == got.digest(), "decompressed frames differ from the input"
    return frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--dict", action="store_true")
    ap.add_argument("--level", type=int, default=9)
    args = ap.parse_args()
    dict_data = train(args.input) if args.dict else None
    params = dict(level=args.level, write_checksum=True, write_content_size=True)
    if dict_data:
        cctx = zstandard.ZstdCompressor(dict_data=dict_data, write_dict_id=True, **params)
    else:
        cctx = zstandard.ZstdCompressor(**params)
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as out:
        if dict_data:
            packed = zstandard.ZstdCompressor(level=19, write_checksum=True,
                                              write_content_size=True).compress(dict_data.as_bytes())
            out.write(struct.pack("<II", DICT_MAGIC, len(packed)) + packed)
        for rec in records(args.input):
            out.write(cctx.compress(rec))
    frames = verify(args.input, tmp, dict_data)
    os.replace(tmp, args.output)
    print("%s: %d frames%s" % (args.output, frames, ", dictionary id %d" % dict_data.dict_id() if dict_data else ""))


if __name__ == "__main__":
    main()
