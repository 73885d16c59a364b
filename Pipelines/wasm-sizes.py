#!/usr/bin/env python3
"""Where a wasm module's bytes are: per function and per data segment, from its name section.

usage: wasm-sizes.py MODULE.wasm [--top N] [--group [--modules]] [--gzip]

MODULE must keep its names (link without --strip-all, and with --no-merge-data-segments for
one segment per symbol; `wasm-opt -g` keeps them through optimisation): `make wasm-sizes` does
that. Swift names are demangled with the toolchain's `swift demangle`. `--group` sums by what
a function or segment belongs to (a Swift module's type, the stdlib, a C file's library).
`--gzip` adds each group's bytes gzipped alone (an upper bound: a group compresses better
within the whole module).
"""
import argparse
import collections
import gzip
import re
import subprocess
import sys


def leb(b, i):
    result = shift = 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return result, i


def name_map(b, i, end):
    names = {}
    count, i = leb(b, i)
    for _ in range(count):
        index, i = leb(b, i)
        n, i = leb(b, i)
        names[index] = b[i:i + n].decode("utf-8", "replace")
        i += n
    return names


def parse(path):
    """(functions, segments): lists of (name, size, bytes), imported functions excluded."""
    b = open(path, "rb").read()
    assert b[:4] == b"\0asm", "not a wasm module"
    i, imported, bodies, segments = 8, 0, [], []
    func_names, data_names = {}, {}
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        if sid == 2:  # imports: functions among them shift the function indices
            count, j = leb(b, i)
            for _ in range(count):
                for _ in range(2):
                    n, j = leb(b, j)
                    j += n
                kind = b[j]
                j += 1
                if kind == 0:
                    imported += 1
                    _, j = leb(b, j)
                else:
                    break  # only the functions' count matters; the page's module imports nothing
        elif sid == 10:
            count, j = leb(b, i)
            for _ in range(count):
                n, j = leb(b, j)
                bodies.append(b[j:j + n])
                j += n
        elif sid == 11:
            count, j = leb(b, i)
            for _ in range(count):
                flags, j = leb(b, j)
                if flags == 2:
                    _, j = leb(b, j)
                if flags in (0, 2):
                    while b[j] != 0x0B:  # the offset expression
                        j += 1
                    j += 1
                n, j = leb(b, j)
                segments.append(b[j:j + n])
                j += n
        elif sid == 0:
            n, j = leb(b, i)
            if b[j:j + n] == b"name":
                j += n
                while j < end:
                    sub = b[j]
                    subsize, j = leb(b, j + 1)
                    if sub == 1:
                        func_names = name_map(b, j, j + subsize)
                    elif sub == 9:
                        data_names = name_map(b, j, j + subsize)
                    j += subsize
        i = end
    functions = [(func_names.get(imported + k, "func%d" % (imported + k)), len(body), body) for k, body in enumerate(bodies)]
    datas = [(data_names.get(k, "data%d" % k), len(seg), seg) for k, seg in enumerate(segments)]
    return functions, datas


def demangle(names):
    swift = [n for n in names if n.startswith(("$s", "_$s", "$e", "_$e"))]
    if not swift:
        return {}
    out = subprocess.run(["swift", "demangle"], input="\n".join(swift), capture_output=True, text=True).stdout
    return dict(zip(swift, out.splitlines()))


C_LIBRARIES = [("ZSTD", "C: zstd"), ("HUF_", "C: zstd"), ("FSE_", "C: zstd"), ("XXH", "C: zstd"), ("ERR_", "C: zstd"),
               ("BIT_", "C: zstd"), ("crypto_", "C: libsodium"), ("blake2b", "C: libsodium"), ("ge25519", "C: libsodium"),
               ("fe25519", "C: libsodium"), ("sc25519", "C: libsodium"), ("sodium", "C: libsodium"), ("SHA", "C: libsodium"),
               ("_crypto", "C: libsodium"), ("qc_c_", "C: blocks.c"), ("qc_", "QueryCore exports"),
               ("dlmalloc", "C: wasi-libc"), ("malloc", "C: wasi-libc"), ("free", "C: wasi-libc"), ("mem", "C: wasi-libc"),
               ("str", "C: wasi-libc"), ("__log", "C: wasi-libc"), ("log", "C: wasi-libc"), ("_swift_stdlib_", "stdlib: Unicode data"),
               ("swift_", "stdlib: runtime"), (".L.str", "string literals")]


def swift_modules(root="."):
    """Type name -> the folder (Swift module) that declares it, from the sources the wasm build
    compiles (Sources/*, Wasm/QueryCore)."""
    import glob
    import os
    where = {}
    for f in sorted(glob.glob(os.path.join(root, "Sources/*/*.swift")) + glob.glob(os.path.join(root, "Wasm/QueryCore/*.swift"))):
        module = f.split(os.sep)[-2]
        for m in re.finditer(r"^\s*(?:[a-z@]\w* )*(?:struct|class|enum|protocol)\s+([A-Za-z_]\w*)", open(f).read(), re.M):
            where.setdefault(m.group(1), module)
        for m in re.finditer(r"^(?:[a-z@]\w* )*func\s+([A-Za-z_]\w*)", open(f).read(), re.M):
            where.setdefault(m.group(1), module)
    return where


MODULES = {}


def group_of(raw, full):
    """What a function or data segment belongs to, for --group: a stdlib type's generic code
    (specialized for the query core's types), the stdlib's own, a query-core module, a C library."""
    if not full:
        for prefix, lib in C_LIBRARIES:
            if raw.lstrip("_").startswith(prefix.lstrip("_")) or raw.startswith(prefix):
                return lib
        return "other: " + raw[:30]
    m = re.match(r"(?:merged )?generic specialization <.*?> of (.*)", full)
    specialized = bool(m)
    body = m.group(1) if m else full
    body = re.sub(r"^(?:static |merged |outlined \w+(?: \w+)* of |protocol witness for |partial apply for |"
                  r"reabstraction thunk helper .*? |one-time initialization function for |"
                  r"(?:implicit )?closure #\d+ .*?in |\(extension in \w+\):)+", "", body)
    m = re.match(r"(Swift|QueryCore|Synchronization)\.(\w+)", body)
    if not m:
        m2 = re.search(r"(QueryCore)\.(\w+)", body)
        if not m2:
            return "stdlib: other" if "Swift." in body else "other: " + body[:40]
        m = m2
    module, name = m.groups()
    if module != "QueryCore":
        unicode = name in ("String", "Substring", "Character", "Unicode", "_StringGuts", "_StringObject", "_SmallString",
                           "_StringRef", "_Normalization", "_CharacterRecognizer") or name.startswith(("_String", "_Unicode"))
        if unicode and not specialized:
            return "stdlib: String/Unicode"
        return "stdlib%s: %s" % (" generic" if specialized else "", name)
    if not MODULES:
        MODULES.update(swift_modules())
    return "%s%s" % (MODULES.get(name, "QueryCore?"), ": " + name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("module")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--group", action="store_true")
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--modules", action="store_true", help="with --group: by module, not by type")
    args = ap.parse_args()
    functions, datas = parse(args.module)
    pretty = demangle([n for n, _, _ in functions + datas] + [n.split(".", 2)[2] for n, _, _ in datas if n.count(".") >= 2])
    total_code, total_data = sum(s for _, s, _ in functions), sum(s for _, s, _ in datas)
    print("%s: %d functions, %d code bytes; %d data segments, %d bytes" % (args.module, len(functions), total_code, len(datas), total_data))
    if args.group:
        groups = collections.defaultdict(lambda: [0, 0, b""])
        for kind, items in (("code", functions), ("data", datas)):
            for raw, size, body in items:
                key = raw.split(".", 2)[2] if kind == "data" and raw.count(".") >= 2 else raw
                group = group_of(raw, pretty.get(key))
                g = groups["%s  %s" % (kind, group.split(":")[0] if args.modules else group)]
                g[0] += size
                g[1] += 1
                if args.gzip:
                    g[2] += body
        rows = sorted(groups.items(), key=lambda kv: -kv[1][0])
        for name, (size, count, body) in rows[:args.top]:
            print("%9d %5d %s%s" % (size, count, ("%8d gz " % len(gzip.compress(body, 9))) if args.gzip else "", name))
        return
    rows = sorted([(s, "code", n) for n, s, _ in functions] + [(s, "data", n) for n, s, _ in datas], reverse=True)
    for size, kind, raw in rows[:args.top]:
        key = raw.split(".", 2)[2] if kind == "data" and raw.count(".") >= 2 else raw
        print("%8d %s %s" % (size, kind, (pretty.get(key) or raw)[:200]))


if __name__ == "__main__":
    sys.exit(main())
