#!/usr/bin/env python3
"""`make bench` sections: run the peers and our `indexer` on the real corpora, print tables, and
rewrite the matching sections of BENCHMARKS.md. Called by Pipelines/bench.sh (which sets up the
venv, the corpora and the release build); see BENCHMARKS.md "How these are measured".

Our side of each comparison runs only when `indexer help` lists the subcommand it needs;
otherwise the row says "not yet available" and the ratio column waits for it.

usage: bench.py SECTION...   sections: extract build query remote merge tree segments publish hostile scale browser
env:   BENCH_REPEAT (default 3: best wall time of N runs), BENCH_CORPORA ("linux-doc rust-doc"),
       BENCH_QUIET_WAIT (default 20: seconds to wait for an idle CPU before each measured run),
       BENCH_OUT (default bench-out/), INDEXER (default .build/release/indexer),
       BENCH_CORPORA_DIR (default Corpora/build: the corpora, read only)
"""
import collections
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PY = sys.executable
PEERS = os.path.join(ROOT, "Pipelines", "peers")
CORPORA = os.environ.get("BENCH_CORPORA", "linux-doc rust-doc").split()
OUT = os.path.abspath(os.environ.get("BENCH_OUT", os.path.join(ROOT, "bench-out")))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
INDEXER = os.environ.get("INDEXER", os.path.join(ROOT, ".build", "release", "indexer"))
NA = "not yet available"
MEASURE = ("Wall and CPU (user + system, all processes) seconds are each the best of %d runs of the "
           "whole process under /usr/bin/time -v. The machine is shared with other sessions' compiles "
           "and tests, so wall times can be inflated; CPU seconds are the steadier comparison. Peers' "
           "peak RSS is the sum of each process's peak; ours is the single process's peak." % REPEAT)


# ------------------------------------------------------------------ measuring
CORPORA_DIR = os.path.abspath(os.environ.get("BENCH_CORPORA_DIR", os.path.join(ROOT, "Corpora", "build")))


def corpus(name, suffix):
    return os.path.join(CORPORA_DIR, name, name + suffix)


QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "20"))


def cpu_busy(seconds=1.0):
    """Fraction of all cores busy over `seconds`, from /proc/stat."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return 1 - (i1 - i0) / max(1, t1 - t0)


def wait_for_quiet():
    """The machine is shared (other sessions compile and test on it): before each measured run,
    wait up to BENCH_QUIET_WAIT seconds for the CPUs to be at most 25% busy. Returns the busy
    fraction seen last, which the tables report."""
    deadline = time.time() + QUIET_WAIT
    busy = cpu_busy()
    while busy > 0.25 and time.time() < deadline:
        busy = cpu_busy(2.0)
    return busy


def timed(cmd, stdout=None, env=None):
    """Runs cmd under /usr/bin/time -v; returns dict(seconds, rss_kib, rc, out)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-v", "-o", tf.name] + cmd
        t0 = time.perf_counter()
        p = subprocess.run(full, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE,
                           env={**os.environ, **(env or {})}, cwd=ROOT)
        wall = time.perf_counter() - t0
        text = tf.read()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    out = p.stdout.decode("utf-8", "replace") if stdout is None else ""
    return {"seconds": wall, "cpu": cpu, "rss_kib": int(rss.group(1)) if rss else 0, "rc": p.returncode,
            "out": out, "err": p.stderr.decode("utf-8", "replace")[-2000:]}


def best(cmd, n=REPEAT, **kw):
    """Best wall time of n runs (the machine is shared; the minimum is the least disturbed run);
    peak RSS is the largest seen in any run."""
    runs = []
    for _ in range(n):
        busy = wait_for_quiet()
        runs.append(timed(cmd, **kw))
        runs[-1]["busy_before"] = busy
    good = [r for r in runs if r["rc"] in (0, 3)] or runs
    top = min(good, key=lambda r: r["seconds"])
    top["rss_kib"] = max(r["rss_kib"] for r in runs)
    top["cpu"] = min(r["cpu"] for r in good)
    top["runs"] = [round(r["seconds"], 2) for r in runs]
    BUSY.append(top["busy_before"])
    return top


BUSY = []  # CPU busy fraction just before each reported run, for the section's header


def last_json(text):
    """The JSON object a command printed: the whole output (pretty-printed) or its last JSON line."""
    try:
        j = json.loads(text)
        if isinstance(j, dict):
            return j
    except ValueError:
        pass
    for line in reversed(text.strip().splitlines()):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if isinstance(j, dict):
            return j
    return {}


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def ours():
    """Subcommands the built `indexer` offers, read from `indexer help`."""
    if not os.access(INDEXER, os.X_OK):
        return set()
    p = subprocess.run([INDEXER, "help"], capture_output=True, text=True)
    names, inside = set(), False
    for line in (p.stdout + p.stderr).splitlines():
        if line.strip().upper().startswith("SUBCOMMANDS"):
            inside = True
        elif inside and re.match(r"^  ([a-z][a-z-]*)\s", line):
            # A name at exactly two spaces; wrapped abstracts are indented further.
            names.add(re.match(r"^  ([a-z][a-z-]*)", line).group(1))
    return names


def help_text(sub):
    p = subprocess.run([INDEXER, sub, "--help"], capture_output=True, text=True)
    return p.stdout + p.stderr


def mib(kib):
    return "%.0f" % (kib / 1024)


def ratio(a, b):
    return "%.2f×" % (a / b) if a and b else "—"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    return "%s, %d cores (nproc), %s, %.0f GiB RAM, load average %s at start" % (
        datetime.date.today().isoformat(), os.cpu_count(), cpu, mem,
        " ".join(open("/proc/loadavg").read().split()[:3]))


# ------------------------------------------------------------------ sections
def section_extract(have):
    rows, notes = [], []
    for c in CORPORA:
        warc = corpus(c, ".warc.gz")
        peers = {}
        for label, env in (("FastWARC + Resiliparse extract_plain_text", {}),
                           ("FastWARC + Resiliparse, main_content=True", {"PEER_MAIN_CONTENT": "1"})):
            r = best([PY, os.path.join(PEERS, "extract_fastwarc.py"), warc], env=env)
            j = last_json(r["out"])
            peers[label] = (r, j)
            rows.append([c, label, j.get("documents"), "%.2f" % r["seconds"], "%.2f" % r["cpu"],
                         "%.0f" % (j["documents"] / r["seconds"]), "%.1f" % (j["html_bytes"] / 1e6 / r["seconds"]),
                         "%s (sum of %d processes; largest %s)" % (mib(j["rss_sum_kib"]), j["processes"], mib(j["rss_max_process_kib"])),
                         ""])
        base, bj = peers["FastWARC + Resiliparse extract_plain_text"]
        if "extract" in have:
            with tempfile.TemporaryFile() as sink:
                r = best([INDEXER, "extract", warc], stdout=sink)
            with tempfile.TemporaryFile() as sink:
                timed([INDEXER, "extract", warc], stdout=sink)
                sink.seek(0)
                mimes = collections.Counter(json.loads(line).get("mime") for line in sink)
                docs = sum(mimes.values())
            rows.append([c, "**indexer extract**", docs, "%.2f" % r["seconds"], "%.2f" % r["cpu"], "%.0f" % (docs / r["seconds"]),
                         "%.1f" % (bj["html_bytes"] / 1e6 / r["seconds"]), mib(r["rss_kib"]),
                         "wall %s, CPU %s, RSS %s (goal ≤ 0.50× wall)" % (
                             ratio(r["seconds"], base["seconds"]), ratio(r["cpu"], base["cpu"]),
                             ratio(r["rss_kib"], bj["rss_sum_kib"]))])
            # The peer reads what our ingest indexes (HTML, and plain text and Markdown as
            # plain text; linux-doc's `_sources/*.rst.txt` are half its documents).
            kinds = ", ".join("%d %s" % (n, m) for m, n in mimes.most_common())
            notes.append("%s: indexer extract found %d documents (%s), the peer %d." % (c, docs, kinds, bj["documents"]))
        else:
            rows.append([c, "indexer extract", NA, "", "", "", "", "", "—"])
    body = table(["corpus", "tool", "documents", "wall s", "CPU s", "docs/s", "MB/s of payload", "peak RSS MiB",
                  "ours / FastWARC+Resiliparse"], rows)
    how = ("Input: `Corpora/build/NAME/NAME.warc.gz` (warcio, per-record gzip). Peer: "
           "`Pipelines/peers/extract_fastwarc.py` — one process per core, each reading the whole WARC "
           "with FastWARC and extracting every n-th 2xx record our ingest indexes: HTML with Resiliparse (`HTMLTree` + "
           "`detect_encoding` + `extract_plain_text`, defaults; the second row turns on its "
           "main-content heuristics, the closer match to our boilerplate removal), plain text and Markdown "
           "decoded as plain text (until 2026-12-02 the peers read HTML only: half of linux-doc's documents). "
           "MB/s = decoded payload bytes / wall seconds. Ours: `indexer extract WARC > file`. " + MEASURE)
    return "Extraction", body + "\n\n" + how + ("\n\n" + "\n".join(notes) if notes else "")


# Folders left by timed builds, deleted when the bench ends (see best_build).
STALE = []


def best_build(odir, args, n=REPEAT, key=None):
    """`indexer build ARGS --out DIR --key KEY` timed by best_into()."""
    return best_into(odir, ["build"] + args, n=n, key=key)


def best_into(odir, args, n=REPEAT, key=None):
    """`indexer ARGS --out DIR --key KEY` (ARGS starting with the subcommand: build, merge,
    compact) timed by best(), each run into a new folder; the newest ends at odir. Nothing is
    deleted before the bench ends: on this disk (ext4 without a journal) a file created within
    minutes of many deletions costs a scan of the freed inodes, so a build right after `rm -rf`
    of the last one paid seconds of system time more (rust-doc: 10.7 against 2.4 s), and the
    `rm -rf` itself was inside the timed command."""
    runs = tempfile.mkdtemp(prefix=os.path.basename(odir) + ".runs-", dir=os.path.dirname(odir))
    if key is None:  # one key for every run: a new folder without --key gets a new key
        key = os.path.join(OUT, "bench.key")
        if not os.path.exists(key):
            os.makedirs(OUT, exist_ok=True)
            subprocess.run([INDEXER, "keygen", "--out", key], check=True, capture_output=True)
    r = best(["bash", "-c", 'exec "$0" "${@:3}" --out "$(mktemp -d -p "$1")/index" --key "$2"', INDEXER, runs, key] + args, n=n)
    built = glob.glob(os.path.join(runs, "*", "index", "manifest.json"))
    if os.path.exists(odir):
        old = tempfile.mkdtemp(prefix=os.path.basename(odir) + ".old-", dir=os.path.dirname(odir))
        os.rename(odir, os.path.join(old, "index"))
        STALE.append(old)
    if built:
        os.rename(os.path.dirname(max(built, key=os.path.getmtime)), odir)
        if args[0] == "build":
            with open(os.path.join(odir, ".built-by"), "w") as f:  # see our_index
                f.write(binary_identity())
    STALE.append(runs)
    return r


def section_build(have):
    rows = []
    for c in CORPORA:
        warc, html = corpus(c, ".warc.gz"), os.path.join(ROOT, "Corpora", "build", c, "html")
        tdir = os.path.join(OUT, "tantivy", c)
        r = best([PY, os.path.join(PEERS, "tantivy_build.py"), warc, tdir])
        j = last_json(r["out"])
        tv = (r["seconds"], j["rss_sum_kib"], j["index_bytes"], r["cpu"])
        rows.append([c, "FastWARC + Resiliparse + tantivy", j["documents"], "%.1f" % r["seconds"], "%.1f" % r["cpu"],
                     "%s (sum of %d processes)" % (mib(j["rss_sum_kib"]), j["processes"]),
                     "%.1f" % (j["index_bytes"] / 1e6), ""])
        pdir = os.path.join(OUT, "pagefind", c, "pagefind")
        shutil.rmtree(pdir, ignore_errors=True)
        r = best([PY, "-m", "pagefind_bin", "--site", html, "--output-path", pdir], n=1)
        m = re.search(r"Indexed (\d+) pages", r["out"])
        idx = sum(dir_bytes(os.path.join(pdir, d)) for d in ("index", "fragment")) + sum(
            os.path.getsize(os.path.join(pdir, f)) for f in os.listdir(pdir) if f.endswith(".pf_meta"))
        pf = (r["seconds"], r["rss_kib"], idx, r["cpu"])
        rows.append([c, "Pagefind (HTML folder)", m.group(1) if m else "?", "%.1f" % r["seconds"], "%.1f" % r["cpu"],
                     mib(r["rss_kib"]), "%.1f (whole output %.1f)" % (idx / 1e6, dir_bytes(pdir) / 1e6), ""])
        if "build" in have:
            odir = os.path.join(OUT, "indexer", c)
            r = best_build(odir, [warc, "--json"])
            size = dir_bytes(odir)
            rows.append([c, "**indexer build**", last_json(r["out"]).get("documents", ""), "%.1f" % r["seconds"],
                         "%.1f" % r["cpu"], mib(r["rss_kib"]), "%.1f" % (size / 1e6),
                         "vs tantivy: wall %s, CPU %s, RSS %s, size %s (goals ≤ 0.50× time, < 1× RSS); "
                         "vs Pagefind: wall %s, CPU %s, RSS %s, size %s"
                         % (ratio(r["seconds"], tv[0]), ratio(r["cpu"], tv[3]), ratio(r["rss_kib"], tv[1]), ratio(size, tv[2]),
                            ratio(r["seconds"], pf[0]), ratio(r["cpu"], pf[3]), ratio(r["rss_kib"], pf[1]), ratio(size, pf[2]))])
        else:
            rows.append([c, "indexer build", NA, "", "", "", "", "—"])
    body = table(["corpus", "tool", "documents", "wall s", "CPU s", "peak RSS MiB", "index MB", "ours / peers"], rows)
    how = ("tantivy: `Pipelines/peers/tantivy_build.py` — extraction as in the extraction section, "
           "documents added to a tantivy 0.27 index (url stored raw; title stored + indexed; body indexed "
           "with positions, not stored; `en_stem`; writer with 2 threads, 256 MB heap), commit and merge "
           "included. Pagefind 1.5.2 (`python -m pagefind_bin --site html/`), one run, HTML pages only (it "
           "indexes no plain-text files: linux-doc's `_sources/*.txt` are half of our documents); its index size "
           "counts `index/`, `fragment/` and `.pf_meta` (the whole output also holds its JS, CSS and "
           "wasm). Our index holds extracted text for snippets, which tantivy's here does not. Ours: "
           "`indexer build WARC --out DIR`. " + MEASURE)
    return "Build", body + "\n\n" + how


def known_items(c):
    path = os.path.join(OUT, "known-items", c + ".jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    info = subprocess.run([PY, os.path.join(ROOT, "Pipelines", "known_items.py"), corpus(c, ".pages.jsonl"), path],
                          capture_output=True, text=True, check=True)
    return path, json.loads(info.stdout)


def binary_identity():
    """The `indexer` binary measured, as path, size and modification time: an index another
    binary built is not this one's even when this one reads it (a tree parameter or the
    bootstrap's budget changed, the format did not)."""
    st = os.stat(INDEXER)
    return "%s %d %d" % (os.path.realpath(INDEXER), st.st_size, st.st_mtime_ns)


def our_index(c):
    """The build section's index of corpus `c`, built now if missing, built by another binary
    (`.built-by`, written by this function and by the build section), or unreadable by this one
    (a run of only `query` or `remote` after a change would otherwise measure the old index)."""
    odir = os.path.join(OUT, "indexer", c)
    marker = os.path.join(odir, ".built-by")
    ok = os.path.exists(os.path.join(odir, "manifest.json")) and os.path.exists(marker) \
        and open(marker).read() == binary_identity() \
        and subprocess.run([INDEXER, "stats", odir, "--json"], capture_output=True).returncode == 0
    if not ok:
        print("building %s for this section (none from the build section by this binary)" % odir, flush=True)
        shutil.rmtree(odir, ignore_errors=True)
        subprocess.run([INDEXER, "build", corpus(c, ".warc.gz"), "--out", odir, "--json"], check=True, capture_output=True)
        with open(marker, "w") as f:
            f.write(binary_identity())
    return odir


def our_search(query, index, limit=10, extra=()):
    p = subprocess.run([INDEXER, "search", query, "--index", index, "--json", "--limit", str(limit), *extra],
                       capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None


def section_query(have):
    rows, notes = [], []
    for c in CORPORA:
        qfile = os.path.join(ROOT, "Pipelines", "queries", c + ".txt")
        ki, info = known_items(c)
        tdir = os.path.join(OUT, "tantivy", c)
        if not os.path.isdir(tdir):
            subprocess.run([PY, os.path.join(PEERS, "tantivy_build.py"), corpus(c, ".warc.gz"), tdir],
                           check=True, capture_output=True)
        j = last_json(subprocess.run([PY, os.path.join(PEERS, "tantivy_query.py"), tdir, qfile, "--known-items", ki],
                                     capture_output=True, text=True, check=True).stdout)
        rows.append([c, "tantivy", "%.3f" % j["p50_ms"], "%.3f" % j["p95_ms"], j["mrr_at_10"], j["success_at_1"],
                     j["known_items"], ""])
        if j["queries_without_hits"]:
            notes.append("%s: queries without tantivy hits: %s" % (c, ", ".join(j["queries_without_hits"])))
        odir = our_index(c) if {"build", "search"} <= have else os.path.join(OUT, "indexer", c)
        if "search" in have and os.path.exists(os.path.join(odir, "manifest.json")):
            queries = [l.strip() for l in open(qfile) if l.strip() and not l.startswith("#")]
            if "--queries" in help_text("search"):
                # batch mode: one process, warm timings measured inside it
                lat = last_json(subprocess.run([INDEXER, "search", "--queries", qfile, "--index", odir, "--json",
                                                "--rounds", "20"], capture_output=True, text=True).stdout)
                p50, p95, how = lat.get("p50Ms"), lat.get("p95Ms"), "in-process"
                slow = sorted(lat.get("perQuery") or [], key=lambda q: -q["p50Ms"])[:3]
                if slow:
                    notes.append("%s: our slowest queries (median ms): %s" % (c, ", ".join(
                        "%s %.3f" % (q["query"], q["p50Ms"]) for q in slow)))
            else:
                times = []
                for q in queries:
                    our_search(q, odir)  # warm the page cache
                    for _ in range(5):
                        t0 = time.perf_counter()
                        our_search(q, odir)
                        times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                p50, p95, how = times[len(times) // 2], times[int(0.95 * (len(times) - 1))], "per process"
            rr = first = n = 0
            for line in open(ki):
                item = json.loads(line)
                res = our_search(item["query"], odir) or {}
                urls = [r.get("url") for r in res.get("results", [])]
                n += 1
                if item["url"] in urls:
                    rank = urls.index(item["url"]) + 1
                    rr += 1 / rank
                    first += rank == 1
            mrr, s1 = round(rr / n, 4), round(first / n, 4)
            rows.append([c, "**indexer search** (%s)" % how, "%.3f" % p50 if p50 else "?", "%.3f" % p95 if p95 else "?",
                         mrr, s1, n, "p50 %s (goal ≤ 1×); MRR %s (goal ≥ 1×)" % (
                             ratio(p50, j["p50_ms"]) if how == "in-process" else "not comparable (includes process start)",
                             ratio(mrr, j["mrr_at_10"]))])
        else:
            rows.append([c, "indexer search", NA, "", "", "", "", "—"])
        notes.append("%s known items: %d unique titles among %d pages, %d sampled; site suffixes removed: %s"
                     % (c, info["unique_titles"], info["pages"], info["queries"], ", ".join(info["site_suffixes"])))
    body = table(["corpus", "engine", "warm p50 ms", "warm p95 ms", "known-item MRR@10", "success@1",
                  "known items", "ours / tantivy"], rows)
    how = ("Queries: `Pipelines/queries/NAME.txt` (20 each, 1–3 words, all words required). tantivy: "
           "`Pipelines/peers/tantivy_query.py`, in-process, title boosted 2×, one warm-up round then 20 "
           "timed rounds; a query's time includes loading the 10 hits' url and title. Known items "
           "(`Pipelines/known_items.py`): every page whose title without the site suffix is unique is a "
           "query whose answer is that page; a fixed sample of at most 1000 per corpus. Ours: "
           "`indexer search Q --index DIR --json`; if `search` has no `--queries` batch mode, its latency "
           "includes starting a process and is not comparable with tantivy's in-process figure.")
    return "Query latency and known-item quality", body + "\n\n" + how + "\n\n" + "\n".join("- " + n for n in notes)


class Server:
    """Corpora/serve.py on a free loopback port with a request log."""

    def __init__(self, root, log):
        self.log = log
        if os.path.exists(log):
            os.remove(log)
        self.p = subprocess.Popen([PY, os.path.join(ROOT, "Corpora", "serve.py"), root, "--log", log],
                                  stdout=subprocess.PIPE, text=True)
        self.port = int(self.p.stdout.readline())

    def entries(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(l) for l in f if l.strip()]

    def close(self):
        self.p.terminate()
        self.p.wait()


def section_remote(have):
    rows, notes = [], []
    node = shutil.which("node")
    for c in CORPORA:
        qfile = os.path.join(ROOT, "Pipelines", "queries", c + ".txt")
        site = os.path.join(OUT, "pagefind", c)
        pf = {}
        if not os.path.isdir(os.path.join(site, "pagefind")):
            subprocess.run([PY, "-m", "pagefind_bin", "--site", os.path.join(ROOT, "Corpora", "build", c, "html"),
                            "--output-path", os.path.join(site, "pagefind")], check=True, capture_output=True)
        if node:
            srv = Server(site, os.path.join(OUT, "pagefind-%s.log" % c))
            try:
                p = subprocess.run([node, os.path.join(PEERS, "pagefind_queries.mjs"), os.path.join(site, "pagefind"),
                                    "http://127.0.0.1:%d/pagefind/" % srv.port, srv.log, qfile],
                                   capture_output=True, text=True, timeout=900)
            finally:
                srv.close()
            pf = last_json(p.stdout)
            if not pf:
                notes.append("%s: pagefind_queries.mjs failed: %s" % (c, p.stderr[-500:]))
        if pf:
            rows.append([c, "Pagefind (pagefind.js, Node %s)" % subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip(),
                         pf["cold"]["requests_mean"], "%.1f" % (pf["cold"]["bytes_mean"] / 1024), pf["cold"]["round_trips_mean"],
                         pf["warm"]["requests_mean"], "%.1f" % (pf["warm"]["bytes_mean"] / 1024), ""])
            notes.append("%s: Pagefind's wasm (%.1f KiB, fetched once per site and cached by browsers) is not counted."
                         % (c, pf["wasm_bytes_excluded"] / 1024))
        else:
            rows.append([c, "Pagefind", "node missing" if not node else "failed", "", "", "", "", ""])
        odir = our_index(c) if {"build", "search"} <= have else os.path.join(OUT, "indexer", c)
        remote, why = "search" in have and os.path.exists(os.path.join(odir, "manifest.json")), NA
        if remote:
            # `search --index URL` is supported when it works: probe one query against the server
            srv = Server(odir, os.path.join(OUT, "indexer-probe-%s.log" % c))
            p = subprocess.run([INDEXER, "search", "probe", "--index", "http://127.0.0.1:%d/" % srv.port, "--json"],
                               capture_output=True, text=True)
            srv.close()
            if p.returncode != 0:
                remote = False
                why = "%s (search --index URL: %s)" % (NA, (p.stderr.strip().splitlines() or ["failed"])[-1][:120])
        has_cache_dir = "--cache-dir" in help_text("search")
        if remote:
            srv = Server(odir, os.path.join(OUT, "indexer-remote-%s.log" % c))
            cache = tempfile.mkdtemp()
            cold, warm = [], []
            try:
                url = "http://127.0.0.1:%d/" % srv.port
                for q in (l.strip() for l in open(qfile)):
                    if not q or q.startswith("#"):
                        continue
                    shutil.rmtree(cache, ignore_errors=True)
                    for bucket in (cold, warm):
                        n0 = len(srv.entries())
                        res = our_search(q, url, extra=("--cache-dir", cache) if has_cache_dir else ()) or {}
                        time.sleep(0.03)
                        got = srv.entries()[n0:]
                        bucket.append((len(got), sum(e["bytes"] for e in got), res.get("stats", {}).get("roundTrips", 0)))
            finally:
                srv.close()
                shutil.rmtree(cache, ignore_errors=True)
            mean = lambda xs, i: sum(x[i] for x in xs) / max(1, len(xs))
            ok = pf and pf["cold"]["bytes_mean"]
            rows.append([c, "**indexer search --index URL**", "%.2f" % mean(cold, 0), "%.1f" % (mean(cold, 1) / 1024),
                         "%.2f" % mean(cold, 2), "%.2f" % mean(warm, 0), "%.1f" % (mean(warm, 1) / 1024),
                         "bytes %s (goal ≤ 0.25×), round trips %s (goal < 1×)" % (
                             ratio(mean(cold, 1), pf["cold"]["bytes_mean"]) if ok else "—",
                             ratio(mean(cold, 2), pf["cold"]["round_trips_mean"]) if ok else "—")])
        else:
            rows.append([c, "indexer search --index URL", why, "", "", "", "", "—"])
    body = table(["corpus", "client", "cold requests/query", "cold KiB/query", "cold round trips",
                  "warm requests/query", "warm KiB/query", "ours / Pagefind (cold)"], rows)
    how = ("A top-10 result page with titles and excerpts, per query of `Pipelines/queries/NAME.txt`, "
           "fetched from `Corpora/serve.py` on 127.0.0.1 whose log gives requests and body bytes. "
           "Pagefind: `Pipelines/peers/pagefind_queries.mjs` loads Pagefind's own `pagefind.js` in Node "
           "(`globalThis.location` set), a fresh instance per query (cold: entry JSON, language meta, "
           "index chunks, 10 fragments), then the same query again on that instance (warm). Round trips "
           "= longest chain of requests that each started after the previous finished. Ours: `indexer "
           "search Q --index http://127.0.0.1:PORT/ --json --cache-dir EMPTY` (cold) then again with "
           "that cache (warm), the index folder served by the same static server; round trips from "
           "its `stats.roundTrips`.")
    return "Remote query cost", body + "\n\n" + how + ("\n\n" + "\n".join("- " + n for n in notes) if notes else "")


def block_summary(text):
    """The block, byte and document counters of a command's JSON summary, compactly."""
    j = last_json(text)
    if not j:
        return (text.strip().splitlines() or [""])[-1][:200]
    keep = {k: v for k, v in j.items() if isinstance(v, (int, float)) and
            any(w in k.lower() for w in ("block", "bytes", "documents", "added", "removed", "read"))}
    return ", ".join("%s %s" % (k, v) for k, v in sorted(keep.items()))


def block_names(index_dir):
    """The CIDs of an index's block files, `blocks/<xy>/<cid>` (fan-out) or `blocks/<cid>` (flat)."""
    blocks = os.path.join(index_dir, "blocks")
    names = set()
    if not os.path.isdir(blocks):
        return names
    with os.scandir(blocks) as it:
        for e in it:
            if len(e.name) == 2 and e.is_dir(follow_symlinks=False):
                names.update(os.listdir(e.path))
            else:
                names.add(e.name)
    return names


def count_blocks(index_dir):
    return len(block_names(index_dir))


def share(part, whole):
    return "%.1f%%" % (100 * part / whole) if part and whole else "?"


def section_merge(have):
    rows = []
    c = "linux-doc"
    if {"build", "merge"} <= have:
        split = os.path.join(OUT, "split")
        os.makedirs(split, exist_ok=True)
        a, b = os.path.join(split, c + "-a.warc.gz"), os.path.join(split, c + "-b.warc.gz")
        base, new = os.path.join(split, c + "-99.warc.gz"), os.path.join(split, c + "-1.warc.gz")
        plain = corpus(c, ".warc")
        for args in ((plain, "50", a, b), (plain, "99", base, new)):
            if not os.path.exists(args[3]):
                subprocess.run([PY, os.path.join(ROOT, "Pipelines", "split_warc.py"), *args], check=True, capture_output=True)
        d = lambda n: os.path.join(OUT, "merge", n)
        shutil.rmtree(os.path.join(OUT, "merge"), ignore_errors=True)
        # Two groups need two keys: with one key both shards are group G batch 0 and their
        # DocRefs collide (seen: a 3143 + b 3227 documents merged into 3227).
        # The full build gets a key of its own: under a's key it would be an older version of
        # group a than the split builds, which readers then refuse as a replay.
        keys = {}
        for g in ("a", "b", "full"):
            keys[g] = os.path.join(OUT, "keys", "group-%s.key" % g)
            if not os.path.exists(keys[g]):
                os.makedirs(os.path.dirname(keys[g]), exist_ok=True)
                subprocess.run([INDEXER, "keygen", "--out", keys[g]], check=True, capture_output=True)
        full = timed([INDEXER, "build", corpus(c, ".warc.gz"), "--out", d("full"), "--key", keys["full"], "--json"])
        timed([INDEXER, "build", a, "--out", d("a"), "--key", keys["a"], "--json"])
        timed([INDEXER, "build", b, "--out", d("b"), "--key", keys["b"], "--json"])
        m = timed([INDEXER, "merge", d("a"), d("b"), "--out", d("ab"), "--json"])
        docs = lambda n: last_json(subprocess.run([INDEXER, "stats", d(n), "--json"], capture_output=True, text=True).stdout).get("documents")
        rows.append([c, "merge of 2 URL-hash groups (%s + %s → %s documents; full build %s)" % (docs("a"), docs("b"), docs("ab"), docs("full")),
                     "%.1f s (CPU %.1f s)" % (m["seconds"], m["cpu"]),
                     "%s of a full build's CPU, %s of its wall (goal ≤ 0.20×)" % (ratio(m["cpu"], full["cpu"]), ratio(m["seconds"], full["seconds"])),
                     block_summary(m["out"] or m["err"])])
        timed([INDEXER, "build", base, "--out", d("base"), "--key", keys["a"], "--json"])
        inc = timed([INDEXER, "build", new, "--base", d("base"), "--out", d("inc"), "--key", keys["a"], "--json"])
        rows.append([c, "incremental 1% on a 99% base", "%.1f s (CPU %.1f s)" % (inc["seconds"], inc["cpu"]),
                     "%s of a full build's CPU; blocks written %s of the result's (goal ≤ 5%%)" % (
                         ratio(inc["cpu"], full["cpu"]),
                         share(last_json(inc["out"]).get("blocksWritten"), count_blocks(d("inc")))),
                     block_summary(inc["out"] or inc["err"])])
        if "diff" in have:
            df = timed([INDEXER, "diff", d("base"), d("inc"), "--json"])
            j = last_json(df["out"])
            rows.append([c, "diff base → incremental", "%.1f s" % df["seconds"], "",
                         block_summary(df["out"]) or df["out"].strip()[:200]])
    else:
        rows.append([c, "merge / incremental / diff", NA, "—", "needs `indexer build` and `indexer merge`"])
    body = table(["corpus", "operation", "time", "ratio", "blocks (from the command's summary)"], rows)
    how = ("Inputs made by `Pipelines/split_warc.py` from `linux-doc.warc`: two groups by SHA-1 of the "
           "URL (50/50), and a 99%/1% split for the incremental build. Single runs.")
    return "Merge, incremental build and diff", body + "\n\n" + how


def section_tree(have):
    p = subprocess.run(["bash", os.path.join(ROOT, "Pipelines", "bench-tree.sh")], capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        return "Prolly tree", "bench-tree.sh failed:\n\n```\n%s\n```" % p.stderr[-1500:]
    text = p.stdout.strip()
    heading, _, rest = text.partition("\n")
    return heading.lstrip("# ").strip(), rest.strip()


def section_segments(have):
    """Issue 16's benchmarks: incremental blocks, merge by reference and compaction against a full
    build (CPU seconds, peak RSS), and remote cold query cost over 1, 4 and 16 segments and over
    16 compacted into one. The full build, the merge and the compaction are each timed by best_into
    (the least CPU of REPEAT runs, each into a new folder: a loaded machine inflates a single
    run's CPU, and the ratios with it); the rest single runs. About 12 minutes of machine time for both corpora."""
    if not {"build", "merge", "compact"} <= have:
        return "Segments: updates, merge, compaction", NA
    split = os.path.join(OUT, "split")
    os.makedirs(split, exist_ok=True)
    key_dir = os.path.join(OUT, "keys")
    os.makedirs(key_dir, exist_ok=True)

    def key(name):
        k = os.path.join(key_dir, "segments-%s.key" % name)
        if not os.path.exists(k):
            subprocess.run([INDEXER, "keygen", "--out", k], check=True, capture_output=True)
        return k

    def run(cmd):
        r = timed(cmd)
        if r["rc"] not in (0, 3):
            raise RuntimeError("%s failed: %s" % (" ".join(cmd[:3]), r["err"][-500:]))
        return r

    def blocks(index):
        return block_names(index)

    def best_run(odir, args, key):
        r = best_into(odir, args, key=key)
        if r["rc"] not in (0, 3):
            raise RuntimeError("%s failed: %s" % (" ".join(args[:2]), r["err"][-500:]))
        return r

    cache = tempfile.mkdtemp()  # the versions seen, kept out of the user's cache
    env = {"XDG_CACHE_HOME": cache}
    updates, merges, remote = [], [], []
    for c in CORPORA:
        plain = corpus(c, ".warc")
        w = os.path.join(OUT, "segments", c)
        shutil.rmtree(w, ignore_errors=True)
        os.makedirs(w)
        d = lambda n: os.path.join(w, n)
        s = lambda n: os.path.join(split, "%s-%s.warc.gz" % (c, n))
        for pct, first, second in (("50", "a", "b"), ("99", "99", "1")):
            if not os.path.exists(s(second)):
                subprocess.run([PY, os.path.join(ROOT, "Pipelines", "split_warc.py"), plain, pct, s(first), s(second)],
                               check=True, capture_output=True)
        for k in (4, 16):
            if not os.path.exists(s("p%d-%d" % (k, k - 1))):
                subprocess.run([PY, os.path.join(ROOT, "Pipelines", "split_warc.py"), plain, "--parts", str(k),
                                os.path.join(split, "%s-p%d" % (c, k))], check=True, capture_output=True)
        full = best_run(d("full"), ["build", corpus(c, ".warc.gz"), "--json"], key("a"))

        # (a) a 1% incremental build on a 99% base: blocks new to the result.
        run([INDEXER, "build", s("99"), "--out", d("base"), "--key", key("a"), "--json"])
        inc = run([INDEXER, "build", s("1"), "--base", d("base"), "--out", d("inc"), "--key", key("a"), "--json"])
        result = blocks(d("inc"))
        new = len(result - blocks(d("base")))
        updates.append([c, last_json(inc["out"]).get("documents", "?"), len(result), new,
                        "%s (goal ≤ 3%%)" % share(new, len(result)), "%.2f" % inc["cpu"], ratio(inc["cpu"], full["cpu"])])

        # (b) two groups merged by reference, then compacted by the merger into one segment.
        run([INDEXER, "build", s("a"), "--out", d("a"), "--key", key("a"), "--json"])
        run([INDEXER, "build", s("b"), "--out", d("b"), "--key", key("b"), "--json"])
        m = best_run(d("ab"), ["merge", d("a"), d("b"), "--compact-above", "0", "--json"], key("m"))
        k = best_run(d("ab-compacted"), ["compact", d("ab"), "--all", "--json"], key("m"))
        kj = last_json(k["out"])
        for what, r, goal in (("merge of 2 groups by reference", m, 0.05), ("compaction of the 2 into 1 (merger)", k, 0.3)):
            merges.append([c, what, "%.2f" % r["cpu"], "%s (goal ≤ %.2f)" % (ratio(r["cpu"], full["cpu"]), goal), mib(r["rss_kib"]),
                           "blocks written %s" % (kj.get("blocksWritten") if r is k else last_json(m["out"]).get("blocksCopied", 0) +
                                                    last_json(m["out"]).get("blocksLinked", 0))])
        merges.append([c, "full build (reference)", "%.2f" % full["cpu"], "1.00×", mib(full["rss_kib"]), ""])

        # (c) remote cold queries over K segments (K groups merged by reference) and over 16
        # compacted into one by the merger (a client trusting every key uses the compacted one).
        for n in (4, 16):
            parts = []
            for i in range(n):
                out = d("p%d-%d" % (n, i))
                run([INDEXER, "build", s("p%d-%d" % (n, i)), "--out", out, "--key", key("p%d" % i), "--json"])
                parts.append(out)
            run([INDEXER, "merge", *parts, "--out", d("seg%d" % n), "--key", key("m"), "--compact-above", "0", "--json"])
        for n in (4, 16):
            run([INDEXER, "compact", d("seg%d" % n), "--out", d("seg%d-compacted" % n), "--key", key("m"), "--all", "--json"])
        qfile = os.path.join(ROOT, "Pipelines", "queries", c + ".txt")
        queries = [q.strip() for q in open(qfile) if q.strip() and not q.startswith("#")]
        figures = {}
        for label, index in (("1 segment (one full build)", d("full")), ("4 segments (4 groups)", d("seg4")),
                             ("4 compacted into 1", d("seg4-compacted")), ("16 segments (16 groups)", d("seg16")),
                             ("16 compacted into 1", d("seg16-compacted"))):
            srv = Server(index, os.path.join(OUT, "segments-%s.log" % c))
            got = []
            try:
                url = "http://127.0.0.1:%d/" % srv.port
                for q in queries:
                    n0 = len(srv.entries())
                    p = subprocess.run([INDEXER, "search", q, "--index", url, "--json", "--stats", "--no-cache", "--accept-older"],
                                       capture_output=True, text=True, env={**os.environ, **env})
                    time.sleep(0.03)
                    e = srv.entries()[n0:]
                    got.append((len(e), sum(x["bytes"] for x in e), last_json(p.stdout).get("stats", {}).get("roundTrips", 0)))
            finally:
                srv.close()
            mean = lambda i: sum(g[i] for g in got) / max(1, len(got))
            figures[label] = (mean(0), mean(1), mean(2))
        one = figures["1 segment (one full build)"]
        for label, (req, byt, rt) in figures.items():
            # K groups' segments against the same documents compacted into one segment.
            same = figures.get("%s compacted into 1" % label.split()[0]) if "groups" in label else None
            remote.append([c, label, "%.1f" % req, "%.1f" % (byt / 1024), "%.2f" % rt,
                           "bytes %s, round trips %s" % (ratio(byt, one[1]), ratio(rt, one[2])),
                           "bytes %s, round trips %s" % (ratio(byt, same[1]), ratio(rt, same[2])) if same else ""])
    shutil.rmtree(cache, ignore_errors=True)
    body = "\n\n".join([
        "### 1% incremental build\n\n" + table(
            ["corpus", "new documents", "result's blocks", "blocks new to the result", "share", "CPU s", "CPU vs full build"], updates),
        "### Merge by reference and compaction\n\n" + table(
            ["corpus", "operation", "CPU s", "CPU vs full build", "peak RSS MiB", "blocks"], merges),
        "### Remote cold query cost over segments\n\n" + table(
            ["corpus", "index", "requests/query", "KiB/query", "round trips/query", "vs 1 segment (one group's full build)",
             "vs the same documents compacted into 1 (goals at 4: bytes ≤ 1.5×, round trips ≤ 1×)"],
            remote),
    ])
    how = ("Inputs from `Pipelines/split_warc.py` on `NAME.warc` (by SHA-1 of the URL): 99%/1% for the incremental build (the 1% "
           "built with `--base` into a new folder; new blocks = files in its `blocks/` absent from the base's), 50/50 for two groups "
           "(`merge --compact-above 0`, then `compact --all --out` with the merger's key), and 4 or 16 parts built by 4 or 16 group "
           "keys and merged by reference for the remote rows, each merged index also compacted into one segment by the merger (the "
           "same documents, DocRefs and groups: issue 16 compares K segments against one compacted segment). CPU = user + system seconds of the whole process under /usr/bin/time: "
           "for the full build, the merge and the compaction the least of " + str(REPEAT) + " runs, each into a new folder; single runs for "
           "the rest. Remote: the folder served by `Corpora/serve.py` on 127.0.0.1 (requests and body bytes from its log), each query "
           "of `Pipelines/queries/NAME.txt` as `indexer search Q --index URL --json --stats --no-cache` (cold), round trips from its "
           "`stats.roundTrips`.")
    return "Segments: updates, merge, compaction", body + "\n\n" + how

def start_hub(data, *extra):
    """`indexer hub serve` on a free loopback port; returns (process, base URL)."""
    # Its stderr is kept (DATA.stderr): a hub that dies mid-run says why there.
    hub = subprocess.Popen([INDEXER, "hub", "serve", "--data", data, "--port", "0", *extra],
                           stdout=subprocess.PIPE, stderr=open(data.rstrip("/") + ".stderr", "w"), text=True)
    return hub, hub.stdout.readline().strip().rstrip("/")


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def notes_site(path, n, seed, extra=""):
    """A site folder of `n` short text notes with a skewed vocabulary (and `extra` in the last)."""
    import random
    rng = random.Random(seed)
    words = ("river bread honey lantern bicycle garden compost library meteor solar workshop volunteer "
             "repair kettle orchard winter summer harvest market bridge").split()
    os.makedirs(path, exist_ok=True)
    for i in range(n):
        text = " ".join(words[min(len(words) - 1, int(rng.random() ** 3 * len(words)))] for _ in range(rng.randint(20, 200)))
        with open(os.path.join(path, "note-%04d.txt" % i), "w") as f:
            f.write(text + (" " + extra if extra and i == n - 1 else "") + "\n")


def section_publish(have):
    """Issue 12: a 1% update's bytes on the wire, 50 concurrent publishers against one hub, and
    the delay from an accepted update to the shared index answering with it."""
    if not {"publish", "hub", "build"} <= have:
        return "Publishing to a hub", "not yet available: needs `indexer publish`, `indexer hub` and `indexer build`"
    work = os.path.join(OUT, "publish")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    hub, url = start_hub(os.path.join(work, "hub"), "--default-uploads", "100000", "--default-bytes", str(1 << 40))
    rows, notes = [], []
    try:
        def key(name):
            k = os.path.join(work, "keys", name + ".key")
            os.makedirs(os.path.dirname(k), exist_ok=True)
            subprocess.run([INDEXER, "keygen", "--out", k], check=True, capture_output=True)
            return k

        def publish(index, k):
            t = time.time()
            p = subprocess.run([INDEXER, "publish", index, url, "--key", k, "--json"], capture_output=True, text=True)
            return time.time() - t, p.returncode, last_json(p.stdout), p.stderr

        # A 1% update of linux-doc (the merge section's 99%/1% split), published after the base.
        c = "linux-doc"
        plain = corpus(c, ".warc")
        if os.path.exists(plain):
            split = os.path.join(OUT, "split")
            os.makedirs(split, exist_ok=True)
            base, new = os.path.join(split, c + "-99.warc.gz"), os.path.join(split, c + "-1.warc.gz")
            if not os.path.exists(new):
                subprocess.run([PY, os.path.join(ROOT, "Pipelines", "split_warc.py"), plain, "99", base, new], check=True, capture_output=True)
            k = key("doc")
            subprocess.run([INDEXER, "hub", "register", url, "--key", k], check=True, capture_output=True)
            idx = os.path.join(work, c)
            subprocess.run([INDEXER, "build", base, "--out", idx, "--key", k, "--quiet"], check=True, capture_output=True)
            _, _, first, _ = publish(idx, k)
            subprocess.run([INDEXER, "build", new, "--base", idx, "--out", idx, "--key", k, "--quiet"], check=True, capture_output=True)
            seconds, status, upd, err = publish(idx, k)
            whole = dir_bytes(os.path.join(idx, "blocks"))
            rows.append([c, "publish a 1% update (after the 99% base)", "%.2f s" % seconds,
                         "%s bytes sent, %s of the index's %s bytes (goal ≤ 3%%); %s blocks sent, %s already there" % (
                             upd.get("bytesSent"), share(upd.get("bytesSent"), whole), whole, upd.get("blocksSent"), upd.get("blocksPresent"))
                         if status == 0 else "failed: %s" % err.strip()[-200:]])
            rows.append([c, "first publish of the 99% base", "", "%s bytes sent" % first.get("bytesSent")])
        else:
            notes.append("linux-doc is not built (Corpora/build.sh): the 1% update row is left out.")

        # 50 groups of small site folders: each publishes its first version, then an update, all at once.
        from concurrent.futures import ThreadPoolExecutor
        n = 50
        groups = []
        for g in range(n):
            k = key("g%02d" % g)
            site, idx = os.path.join(work, "sites", "g%02d" % g), os.path.join(work, "idx", "g%02d" % g)
            notes_site(site, 30 + g, seed=g)
            subprocess.run([INDEXER, "build", site, "--out", idx + "-v1", "--key", k, "--quiet", "--base-url", "https://g%d.example/" % g],
                           check=True, capture_output=True)
            notes_site(site + "-2", 1, seed=1000 + g, extra="update%d" % g)
            subprocess.run([INDEXER, "build", site + "-2", "--base", idx + "-v1", "--out", idx + "-v2", "--key", k, "--quiet",
                            "--base-url", "https://g%d.example/new/" % g], check=True, capture_output=True)
            subprocess.run([INDEXER, "hub", "register", url, "--key", k, "--name", "Group %d" % g], check=True, capture_output=True)
            subprocess.run([INDEXER, "hub", "share", "Group %d" % g, "--data", os.path.join(work, "hub")], check=True, capture_output=True)
            groups.append((k, idx))
        for label, suffix in (("first versions", "-v1"), ("updates", "-v2")):
            t0 = time.time()
            with ThreadPoolExecutor(max_workers=n) as pool:
                results = list(pool.map(lambda g: publish(g[1] + suffix, g[0]), groups))
            wall = time.time() - t0
            lat = sorted(r[0] for r in results)
            errors = sum(1 for r in results if r[1] != 0)
            p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
            rows.append(["50 groups", "50 concurrent publishers, %s (all shared)" % label, "%.1f s" % wall,
                         "%.1f accepted updates/s; latency p50 %.2f s, p99 %.2f s; %d errors" % (
                             (n - errors) / wall, lat[len(lat) // 2], p99, errors)])
            if errors:
                notes.append("first error (%s): %s" % (label, next(r[3] for r in results if r[1] != 0).strip()[-300:]))

        # From an accepted update (the publish command returned) to the shared index answering with it.
        k, idx = groups[0]
        site = os.path.join(work, "sites", "g00-3")
        notes_site(site, 1, seed=4242, extra="quokkaupdate")
        subprocess.run([INDEXER, "build", site, "--base", idx + "-v2", "--out", idx + "-v3", "--key", k, "--quiet",
                        "--base-url", "https://g0.example/third/"], check=True, capture_output=True)
        publish(idx + "-v3", k)
        accepted = time.time()
        polls = 0
        while time.time() - accepted < 60:
            polls += 1
            p = subprocess.run([INDEXER, "search", "quokkaupdate", "--index", url + "/shared", "--json", "--no-cache"],
                               capture_output=True, text=True)
            if last_json(p.stdout).get("total", 0) >= 1:
                break
        rows.append(["50 groups", "accepted update → shared index answers (search over HTTP, no cache)",
                     "%.2f s" % (time.time() - accepted), "%d search%s until found" % (polls, "" if polls == 1 else "es")])
        rows.append(["", "hub peak memory (VmHWM)", "", "%s MiB" % mib(peak_rss_kib(hub.pid))])
    finally:
        hub.terminate()
        hub.wait()
    body = table(["index", "operation", "time", "result"], rows)
    how = ("`indexer hub serve` on 127.0.0.1 (quotas raised), every step through the CLI as a user runs it: `indexer publish INDEX HUB "
           "--key K --json` (bytes from its summary). Latency is each publish process's wall time (session, missing-block query, "
           "uploads, the manifest, and, for the publish that starts it, the shared index's merge of all 50 groups: one merge runs at a "
           "time and takes in every version accepted meanwhile), all 50 started at once by a thread pool on this 2-core machine, so "
           "CPU contention is part of it. The last row: from the publish command's return to `indexer search` over HTTP (no cache) "
           "finding the update's word in the shared index, polled. "
           + " ".join(notes))
    return "Publishing to a hub", body + "\n\n" + how


def section_hostile(have):
    """The damage corpus (Corpora/fixtures/make_damage.py) at a larger scale than the test suite
    runs it (bombs and junk BENCH_HOSTILE_SCALE times bigger, more cases per class), checked by
    check_damage.py against the release binary; then what checking WARC digests costs a build."""
    scale = int(os.environ.get("BENCH_HOSTILE_SCALE", "4"))
    per_class = int(os.environ.get("BENCH_HOSTILE_CASES", "8"))
    fixtures = os.path.join(ROOT, "Corpora", "fixtures")
    dmg = os.path.join(OUT, "hostile")
    shutil.rmtree(dmg, ignore_errors=True)
    subprocess.run([PY, os.path.join(fixtures, "make_damage.py"), dmg, "--seed", "10", "--per-class", str(per_class),
                    "--scale", str(scale)], check=True, cwd=ROOT)
    wait_for_quiet()
    out = subprocess.run([PY, os.path.join(fixtures, "check_damage.py"), INDEXER, dmg, "--memory-mb", "512"],
                         check=True, stdout=subprocess.PIPE, cwd=ROOT).stdout
    cases = json.loads(out)["cases"]
    rows, worst = [], []
    for cls in dict.fromkeys(c["class"] for c in cases):
        cs = [c for c in cases if c["class"] == cls]
        lost = sum(len(c["lost"]) + len(c["altered"]) for c in cs)
        unreported = sum(len(c["unreported"]) for c in cs)
        wrong_exit = sum(c["exit"] != c["expectedExit"] for c in cs)
        top = max(cs, key=lambda c: c["cpuSeconds"])
        size = max(os.path.getsize(os.path.join(dmg, c["name"])) for c in cs)
        rows.append([cls, len(cs), "%.2f" % (size / 1e6), lost, unreported, wrong_exit, "%.2f" % top["cpuSeconds"],
                     mib(max(c["maxRSSKiB"] for c in cs))])
        worst.append(top["cpuSeconds"])
    body = table(["damage class", "cases", "largest file MB", "documents lost (goal 0)", "damage unreported (goal 0)",
                  "wrong exit status", "worst CPU s", "worst peak RSS MiB"], rows)
    how = ("`Corpora/fixtures/make_damage.py OUT --seed 10 --per-class %d --scale %d`: warcio's 50-page WARC and "
           "WARC.gz, the demo corpus's WARC.gz and a `wacz create` WACZ, each case damaged one way (seeded); "
           "`check_damage.py` runs `indexer extract --memory-mb 512 --threads 2` on each and compares with the clean "
           "file: documents lost = untouched records whose document did not come out identical (url, title, "
           "digest, text), plus damaged ones indexed changed; damage unreported = touched records or junk with no "
           "skip reported at their file and offset, and repaired records (a wrong Content-Length) with no repair "
           "reported there; wrong exit status = not 3 where something was skipped, 2 where a record was only "
           "repaired, 0 where nothing was damaged. CPU (user + system) and peak RSS of the child from wait4. "
           "The test suite runs the same at scale 1 (DamageCorpusTests)." % (per_class, scale))
    if "build" in have and os.path.exists(corpus("rust-doc", ".warc.gz")):
        warc = corpus("rust-doc", ".warc.gz")
        runs = {}
        for label, extra in (("digests checked (default)", []), ("--no-digest-check", ["--no-digest-check"])):
            odir = os.path.join(OUT, "hostile-build")
            r = best_build(odir, [warc, "--json"] + extra)
            runs[label] = r
        on, off = runs["digests checked (default)"], runs["--no-digest-check"]
        cost = (on["cpu"] - off["cpu"]) / off["cpu"]
        body += "\n\n" + table(["rust-doc.warc.gz build", "CPU s (best of %d)" % REPEAT, "wall s", "peak RSS MiB", "wall s of each run"], [
            [k, "%.2f" % r["cpu"], "%.2f" % r["seconds"], mib(r["rss_kib"]), ", ".join("%.1f" % x for x in r["runs"])]
            for k, r in runs.items()])
        how += ("\n\nDigest checking (WARC-Block-Digest, SHA-1 over every block that becomes a document) costs "
                "%+.1f%% of rust-doc's build CPU (goal ≤ 5%%): `indexer build rust-doc.warc.gz` with and without "
                "`--no-digest-check`. " % (100 * cost)) + MEASURE
    return "Hostile input", body + "\n\n" + how


def block_folder(index_dir):
    """Block files, their allocated and apparent bytes (fan-out folders included, as a host
    stores them), the largest block folder's directory inode size, and the time to list that
    folder (warm, best of 3): `blocks/` itself when flat, its biggest `blocks/<xy>/` fanned out."""
    blocks = os.path.join(index_dir, "blocks")
    files = allocated = apparent = 0
    folders = [blocks]
    with os.scandir(blocks) as it:
        for e in it:
            st = e.stat(follow_symlinks=False)
            allocated += st.st_blocks * 512
            if e.is_dir(follow_symlinks=False):
                folders.append(e.path)
                with os.scandir(e.path) as inner:
                    for f in inner:
                        fst = f.stat(follow_symlinks=False)
                        files += 1
                        allocated += fst.st_blocks * 512
                        apparent += fst.st_size
            else:
                files += 1
                apparent += st.st_size
    biggest = max(folders, key=lambda p: os.stat(p).st_size)
    listing = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(["ls", "-f", biggest], stdout=subprocess.DEVNULL, check=True)
        listing.append(time.perf_counter() - t0)
    return {"files": files, "allocated": allocated, "apparent": apparent, "folders": len(folders),
            "inode": os.stat(biggest).st_size, "ls_s": min(listing)}


SPARK_PARTS = 4


def spark_vs_plain(warc, n, work, memory):
    """The Spark job (`Pipelines/spark/build_index.py` on local[2]) against a plain `indexer
    build` of the same inputs: the corpus cut into SPARK_PARTS WARC.gz files by URL hash, one
    Spark task per file. Returns a table row, or None when pyspark is not installed."""
    submit = os.path.join(ROOT, ".venv", "bin", "spark-submit")
    if not os.path.exists(submit):
        return None
    import zstandard
    parts_dir = os.path.join(work, "spark-parts-%d" % n)
    parts = [os.path.join(parts_dir, "part-%d.warc.gz" % i) for i in range(SPARK_PARTS)]
    if not all(os.path.exists(p) for p in parts):
        os.makedirs(parts_dir, exist_ok=True)
        plain = os.path.join(parts_dir, "corpus.warc")
        with open(warc, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(zstandard.ZstdDecompressor().stream_reader(src, read_across_frames=True), dst, 1 << 20)
        subprocess.run([PY, os.path.join(ROOT, "Pipelines", "split_warc.py"), plain, "--parts", str(SPARK_PARTS),
                        os.path.join(parts_dir, "part")], check=True, stdout=subprocess.DEVNULL)
        os.remove(plain)
    key = os.path.join(work, "spark.key")
    if not os.path.exists(key):
        subprocess.run([INDEXER, "keygen", "--out", key], check=True, capture_output=True)
    plain_dir, spark_dir = os.path.join(work, "plain-%d" % n), os.path.join(work, "spark-%d" % n)
    summary = os.path.join(work, "spark-%d.json" % n)
    plain = best_build(plain_dir, parts + ["--memory-mb", str(memory), "--json", "--quiet"], n=1, key=key)
    venv_bin = os.path.dirname(submit)
    spark_env = {"PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""), "PYSPARK_PYTHON": os.path.join(venv_bin, "python")}
    shutil.rmtree(spark_dir, ignore_errors=True)
    job = [submit, "--conf", "spark.ui.enabled=false", os.path.join(ROOT, "Pipelines", "spark", "build_index.py"),
           "--key", key, "--indexer", INDEXER, "--master", "local[2]", "--memory-mb", str(int(memory) // 2),
           "--out", spark_dir, "--json", summary] + [a for p in parts for a in ("--input", p)]
    spark = best(job, n=1, env=spark_env)
    docs = last_json(plain["out"]).get("documents", 0)
    sdocs = json.load(open(summary)).get("documents", 0) if spark["rc"] == 0 and os.path.exists(summary) else "failed"
    return [n, SPARK_PARTS, "%.0f" % plain["seconds"], "%.0f" % plain["cpu"], "%.0f" % spark["seconds"], "%.0f" % spark["cpu"],
            "%.2f×" % (spark["seconds"] / max(1e-9, plain["seconds"])), "%s / %s" % (docs, sdocs)]


def section_scale(have):
    """Issue 15: one machine at growing sizes, on a corpus made from the real ones
    (`Pipelines/scale_corpus.py`: rust-doc and linux-doc pages repeated with URLs, titles and
    some words varied). BENCH_SCALE_SIZES (default "32000 300000"; add 1000000 on a quiet
    machine), BENCH_SCALE_MEMORY_MB (default 1024)."""
    sizes = [int(x) for x in os.environ.get("BENCH_SCALE_SIZES", "32000 300000").split()]
    memory = os.environ.get("BENCH_SCALE_MEMORY_MB", "1024")
    spark_sizes = [int(x) for x in os.environ.get("BENCH_SCALE_SPARK_SIZES", str(sizes[0]) if sizes else "").split()]
    spark_rows = []
    qfile = os.path.join(ROOT, "Pipelines", "queries", "rust-doc.txt")
    queries = [l.strip() for l in open(qfile) if l.strip() and not l.startswith("#")]
    work = os.path.join(OUT, "scale")
    os.makedirs(work, exist_ok=True)
    rows, growth, prev = [], [], None
    if "build" not in have:
        return "Scale", "indexer build: " + NA
    for n in sizes:
        warc = os.path.join(work, "corpus-%d.warc.zst" % n)
        if not os.path.exists(warc):
            t0 = time.time()
            subprocess.run([PY, os.path.join(ROOT, "Pipelines", "scale_corpus.py"), warc, str(n),
                            corpus("rust-doc", ".warc.gz"), corpus("linux-doc", ".warc.gz")], check=True)
            print("made %s in %.0f s" % (warc, time.time() - t0), flush=True)
        odir = os.path.join(work, "index-%d" % n)
        r = best_build(odir, [warc, "--memory-mb", str(memory), "--json"], n=1)
        j = last_json(r["out"])
        if r["rc"] not in (0, 3) or not j:
            rows.append([n, "build failed: %s" % r["err"][-200:]] + [""] * 9)
            continue
        folder = block_folder(odir)
        lat = last_json(subprocess.run([INDEXER, "search", "--queries", qfile, "--index", odir, "--json", "--rounds", "5"],
                                       capture_output=True, text=True).stdout)
        # Cold: a fresh process per query against the folder served over loopback HTTP, empty cache.
        srv = Server(odir, os.path.join(work, "serve-%d.log" % n))
        cold_ms, trips = [], []
        try:
            for q in queries:
                cache = tempfile.mkdtemp()
                t0 = time.perf_counter()
                res = our_search(q, "http://127.0.0.1:%d/" % srv.port, extra=("--cache-dir", cache)) or {}
                cold_ms.append((time.perf_counter() - t0) * 1000)
                trips.append(res.get("stats", {}).get("roundTrips", 0))
                shutil.rmtree(cache, ignore_errors=True)
        finally:
            srv.close()
        cold_ms.sort()
        m = {"docs": j.get("documents", 0), "wall": r["seconds"], "cpu": r["cpu"], "rss": r["rss_kib"] / 1024,
             "files": folder["files"], "alloc": folder["allocated"] / 1e6, "warm": lat.get("p50Ms") or 0,
             "cold": cold_ms[len(cold_ms) // 2], "trips": sum(trips) / max(1, len(trips))}
        rows.append([m["docs"], "%.0f" % m["wall"], "%.0f" % m["cpu"], "%.2f" % (1000 * m["cpu"] / max(1, m["docs"])),
                     "%.0f" % m["rss"], j.get("runs", ""), m["files"],
                     "%.0f (apparent %.0f)" % (m["alloc"], folder["apparent"] / 1e6),
                     "%.1f MB, ls %.2f s" % (folder["inode"] / 1e6, folder["ls_s"]),
                     "%.2f / %.2f" % (m["warm"], lat.get("p95Ms") or 0), "%.0f / %.1f" % (m["cold"], m["trips"])])
        if prev:
            f = m["docs"] / max(1, prev["docs"])
            growth.append("%d → %d documents (×%.1f): CPU ×%.2f, wall ×%.2f, peak RSS ×%.2f, files ×%.2f, "
                          "allocated ×%.2f, warm p50 ×%.2f, cold p50 ×%.2f, cold round trips %.1f → %.1f"
                          % (prev["docs"], m["docs"], f, m["cpu"] / prev["cpu"], m["wall"] / prev["wall"],
                             m["rss"] / prev["rss"], m["files"] / prev["files"], m["alloc"] / prev["alloc"],
                             m["warm"] / max(1e-9, prev["warm"]), m["cold"] / max(1e-9, prev["cold"]),
                             prev["trips"], m["trips"]))
        prev = m
        if n in spark_sizes:
            row = spark_vs_plain(warc, n, work, memory)
            spark_rows.append(row or [n, "not measured: no .venv/bin/spark-submit (`make test-spark` installs pyspark and Java)"] + [""] * 6)
    body = table(["documents", "build wall s", "build CPU s", "CPU ms/doc", "peak RSS MiB", "sorted runs",
                  "block files", "allocated MB", "biggest block folder: inode, `ls -f`", "warm p50 / p95 ms",
                  "cold p50 ms / round trips"], rows)
    how = ("Corpus: `Pipelines/scale_corpus.py OUT N rust-doc.warc.gz linux-doc.warc.gz`: the HTML pages "
           "of both, repeated; copy c has URLs under /cc/, \" (c)\" appended to titles, and 1 in 8 words of "
           "5+ letters in the text given a copy-specific suffix, so vocabulary and texts grow. Build: "
           "`indexer build CORPUS --out DIR --memory-mb %s --json`, one run under /usr/bin/time -v "
           "(CPU = user + system). Warm: `indexer search --queries rust-doc.txt --rounds 5` in-process p50/p95. "
           "Cold: a fresh `indexer search Q --index http://127.0.0.1:PORT/ --cache-dir EMPTY` per query "
           "(process start included) against `Corpora/serve.py`; round trips from its stats. Block "
           "files and allocated bytes: every file of blocks/ and its fan-out folders, and the folders "
           "(st_blocks × 512); `ls -f` of the biggest block folder (blocks/ when flat), warm, best of 3. "
           "Sizes: BENCH_SCALE_SIZES." % memory)
    spark = ""
    if spark_rows:
        spark = ("\n\n" + table(["documents", "input files", "plain build wall s", "plain build CPU s", "Spark local[2] wall s",
                                  "Spark CPU s (JVM and tasks)", "Spark wall / plain", "documents plain / Spark"], spark_rows)
                 + "\n\nSpark: the corpus decompressed and cut by `Pipelines/split_warc.py --parts %d` (by URL hash) into "
                 "WARC.gz files; plain = `indexer build PART... --memory-mb %s` (one segment); Spark = `spark-submit "
                 "Pipelines/spark/build_index.py --input PART... --master local[2] --memory-mb %d` (a task per file, "
                 "the driver's join and tiered compaction), each one run under /usr/bin/time -v (CPU counts the "
                 "processes it reaped). Sizes: BENCH_SCALE_SPARK_SIZES (default the first size)."
                 % (SPARK_PARTS, memory, int(memory) // 2))
    return "Scale", body + "\n\n" + how + ("\n\n" + "\n".join("- " + g for g in growth) if growth else "") + spark


# The two pages of the `browser` section, each ready when it shows the answer to window.__q.
OUR_PAGE = {"input": "#indexer-q", "count": "document.querySelectorAll('li.result').length",
            "ready": "new URLSearchParams(location.search).get('q') === window.__q && "
                     "!['', 'Searching…'].includes(document.querySelector('#indexer-status').textContent)"}
PAGEFIND_PAGE = {"input": ".pagefind-ui__search-input", "count": "document.querySelectorAll('.pagefind-ui__result').length",
                 "ready": "(document.querySelector('.pagefind-ui__message') || {textContent: ''}).textContent.includes(window.__q) && "
                          "(document.querySelector('.pagefind-ui__message').textContent.startsWith('No results') || "
                          "!!document.querySelector('.pagefind-ui__result-link'))"}
PAGEFIND_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Search</title><link href="/pagefind/pagefind-ui.css" rel="stylesheet"><script src="/pagefind/pagefind-ui.js"></script></head>
<body><main><h1>Search</h1><div id="search"></div></main>
<script>window.addEventListener("DOMContentLoaded", () => new PagefindUI({ element: "#search" }));</script></body></html>
"""


def gz_only(src, dst):
    """`dst` as gzip only (Corpora/serve.py then sends it with Content-Encoding: gzip, as a static
    host that compresses would)."""
    import gzip
    with open(src, "rb") as f, gzip.open(dst + ".gz", "wb", compresslevel=9) as g:
        g.write(f.read())


def browser_site(c, ours_dir):
    """The folders the `browser` section serves: our index with its page, and Pagefind's
    output with its default UI, both with the page's HTML, CSS, JS and wasm gzipped (our page
    fetches querycore.wasm.lzma, sent as it is)."""
    root = os.path.join(OUT, "browser", c)
    shutil.rmtree(root, ignore_errors=True)
    mine, theirs = os.path.join(root, "indexer"), os.path.join(root, "pagefind")
    os.makedirs(os.path.join(mine, "search"))
    for name in os.listdir(ours_dir):
        if name != "search":
            os.symlink(os.path.join(ours_dir, name), os.path.join(mine, name))
    # The page as `indexer build` writes it now (Wasm/page and `make wasm`'s module), not the
    # copy an older build left in the index folder.
    for name in ("index.html", "indexer-page.js", "indexer-search.js"):
        gz_only(os.path.join(ROOT, "Wasm", "page", name), os.path.join(mine, "search", name))
    gz_only(os.path.join(ROOT, ".build", "wasm", "querycore.wasm"), os.path.join(mine, "search", "querycore.wasm"))
    # What the page fetches first: LZMA, decoded by the page (served as it is, as a static host
    # sends a file it does not know).
    shutil.copyfile(os.path.join(ROOT, ".build", "wasm", "querycore.wasm.lzma"), os.path.join(mine, "search", "querycore.wasm.lzma"))
    pf = os.path.join(OUT, "pagefind", c, "pagefind")
    os.makedirs(os.path.join(theirs, "pagefind"))
    for name in os.listdir(pf):
        if name.endswith((".js", ".css")):
            gz_only(os.path.join(pf, name), os.path.join(theirs, "pagefind", name))
        else:
            os.symlink(os.path.join(pf, name), os.path.join(theirs, "pagefind", name))
    with open(os.path.join(root, "pagefind.html"), "w") as f:
        f.write(PAGEFIND_HTML)
    gz_only(os.path.join(root, "pagefind.html"), os.path.join(theirs, "index.html"))
    return mine, theirs


def section_browser(have):
    rows, notes = [], []
    for c in CORPORA:
        qfile = os.path.join(ROOT, "Pipelines", "queries", c + ".txt")
        queries = [l.strip() for l in open(qfile) if l.strip() and not l.startswith("#")][:10]
        if not os.path.isdir(os.path.join(OUT, "pagefind", c, "pagefind")):
            subprocess.run([PY, "-m", "pagefind_bin", "--site", os.path.join(CORPORA_DIR, c, "html"),
                            "--output-path", os.path.join(OUT, "pagefind", c, "pagefind")], check=True, capture_output=True)
        odir = our_index(c) if {"build", "search"} <= have else None
        if not odir or not os.path.exists(os.path.join(ROOT, ".build", "wasm", "querycore.wasm")):
            notes.append("%s: no index or no querycore.wasm (run `make wasm`)" % c)
            continue
        mine, theirs = browser_site(c, odir)
        servers = [Server(mine, os.path.join(OUT, "browser-ours-%s.log" % c)), Server(theirs, os.path.join(OUT, "browser-pagefind-%s.log" % c))]
        spec = os.path.join(OUT, "browser", c, "spec.json")
        try:
            with open(spec, "w") as f:
                json.dump({"window": "1280,900", "queries": queries, "clients": [
                    dict(OUR_PAGE, name="ours", url="http://127.0.0.1:%d/search/index.html" % servers[0].port),
                    dict(PAGEFIND_PAGE, name="pagefind", url="http://127.0.0.1:%d/index.html" % servers[1].port)]}, f)
            p = subprocess.run([PY, os.path.join(PEERS, "browser_pages.py"), spec], capture_output=True, text=True, timeout=1800)
        finally:
            logged = [sum(e["bytes"] for e in s.entries()) for s in servers]
            for s in servers:
                s.close()
        got = last_json(p.stdout)
        if got:
            # The servers' own logs (body bytes) against the browser's events (with headers):
            # a worker's fetches missing from the events would show here.
            seen = [sum(r["bytes"] for r in got[n]) for n in ("ours", "pagefind")]
            notes.append("%s: body bytes the servers logged / wire bytes the browser reported: ours %d / %d, Pagefind %d / %d"
                         % (c, logged[0], seen[0], logged[1], seen[1]))
        if not got:
            notes.append("%s: browser_pages.py failed: %s" % (c, p.stderr[-500:]))
            continue
        figures = {}
        for name, label in (("pagefind", "Pagefind 1.5.2, default UI (pagefind-ui.js)"), ("ours", "**indexer's page (search/)**")):
            runs = got[name]
            first, later = runs[0], runs[1:]
            kib = lambda run, *kinds: sum(run["by"].get(k, {}).get("bytes", 0) for k in kinds) / 1024
            per = lambda f: sum(f(r) for r in later) / max(1, len(later))
            ms = sorted(r["ms"] for r in later)
            figures[name] = {"first": first["bytes"], "later": per(lambda r: r["bytes"]), "ms": ms[len(ms) // 2] if ms else 0,
                             "code": kib(first, "js", "wasm") * 1024,
                             "perResult": sum(r["bytes"] for r in later) / max(1, sum(r["results"] or 0 for r in later))}
            rows.append([c, label, "%.1f" % kib(first, "html", "css", "js"), "%.1f" % kib(first, "wasm"), "%.1f" % kib(first, "index"),
                         first["requests"], "%.0f" % first["sinceLoad"], "%.1f" % (per(lambda r: r["bytes"]) / 1024),
                         "%.1f" % per(lambda r: r["requests"]), "%.0f" % figures[name]["ms"], ""])
        o, t = figures["ours"], figures["pagefind"]
        rows[-1][-1] = ("first visit %s (goal ≤ 1×), later queries %s (goal ≤ 0.5×; %s per result shown), time to first "
                        "result %s; JS + wasm %.0f KB (goal ≤ 250)") % (
            ratio(o["first"], t["first"]), ratio(o["later"], t["later"]), ratio(o["perResult"], t["perResult"]),
            ratio(o["ms"], t["ms"]), o["code"] / 1000)
        counts = [(a["results"], b["results"]) for a, b in zip(got["ours"], got["pagefind"])]
        notes.append("%s: results shown per query (ours, Pagefind): %s" % (c, ", ".join("%s/%s" % x for x in counts)))
    body = table(["corpus", "page", "first visit: HTML+CSS+JS KiB", "wasm KiB", "index KiB", "requests",
                  "ms to first results (from navigation)", "later query KiB", "requests", "median ms to first results",
                  "ours / Pagefind"], rows)
    how = ("Both pages in one headless Chromium (`Pipelines/peers/browser_pages.py` over `Pipelines/devtools.py`), "
           "each served by `Corpora/serve.py` on its own loopback port with its HTML, CSS, JS and wasm gzipped "
           "(as a static host that compresses sends them; index files, Pagefind's own compressed files and our "
           "page's `querycore.wasm.lzma`, which it decodes itself, as written). The browser's cache and "
           "the origin's storage are cleared before each page's first visit: loading the page and answering "
           "the first query of `Pipelines/queries/NAME.txt`; then its next 9 queries on the same page. A query "
           "is set in the box at once and `input` fired; an answer is the page showing its first result (or "
           "none). Bytes are the browser's `encodedDataLength` (wire bytes with headers) from its network "
           "events, by kind. Times are the page's own clock (`performance.now()`), medians of the later "
           "queries, and include each UI's typing debounce (ours 150 ms, Pagefind's own). Pagefind: "
           "`python -m pagefind_bin --site html/` with `new PagefindUI({element})`, its default UI. Ours: the "
           "build section's index with the page `indexer build` writes (`search/`).")
    return "Search page in the browser", body + "\n\n" + how + ("\n\n" + "\n".join("- " + n for n in notes) if notes else "")


SECTIONS = {"extract": section_extract, "build": section_build, "query": section_query,
            "remote": section_remote, "merge": section_merge, "tree": section_tree, "segments": section_segments,
            "publish": section_publish, "hostile": section_hostile,
            "scale": section_scale, "browser": section_browser}


# ------------------------------------------------------------------ BENCHMARKS.md
def rewrite(path, heading, body):
    """Replaces the `## heading` section of BENCHMARKS.md (or appends it), keeping the rest."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    parts = re.split(r"(?m)^(?=## )", text)
    new = "## %s\n\n%s\n\n" % (heading, body.strip())
    for i, part in enumerate(parts):
        if part.startswith("## ") and part[3:].splitlines()[0].strip() == heading:
            # Subsections marked "(not rewritten by `make bench`)" hold paired measurements
            # made by hand: they stay, after the new body.
            kept = [sub for sub in re.split(r"(?m)^(?=### )", part)
                    if sub.startswith("### ") and "not rewritten" in sub.splitlines()[0]]
            parts[i] = new + "".join(sub.rstrip("\n") + "\n\n" for sub in kept)
            break
    else:
        if not parts[-1].endswith("\n\n"):
            parts[-1] = parts[-1].rstrip("\n") + "\n\n"
        parts.append(new)
    with open(path + ".tmp", "w") as f:
        f.write("".join(parts).rstrip("\n") + "\n")
    os.replace(path + ".tmp", path)


def main():
    names = sys.argv[1:] or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        sys.exit("unknown section(s): %s\n%s" % (" ".join(unknown), __doc__))
    os.makedirs(OUT, exist_ok=True)
    # Readers remember the newest version of each group they have seen (replay protection); the
    # bench's many builds under its keys keep that memory to themselves, not the user's.
    os.environ["XDG_CACHE_HOME"] = os.path.abspath(os.path.join(OUT, "cache"))
    have = ours()
    print("indexer subcommands: %s" % (" ".join(sorted(have)) or "none (no release build)"), flush=True)
    for name in names:
        stamp = machine()
        t0 = time.time()
        print("\n== %s" % name, flush=True)
        BUSY.clear()
        heading, body = SECTIONS[name](have)
        quiet = (" CPUs busy before the reported runs: at most %.0f%% (other sessions share the machine)."
                 % (100 * max(BUSY)) if BUSY else "")
        body = "%s; `make bench` section `%s` took %.0f s.%s\n\n%s" % (stamp, name, time.time() - t0, quiet, body)
        print("## %s\n\n%s" % (heading, body), flush=True)
        rewrite(os.path.join(ROOT, "BENCHMARKS.md"), heading, body)
    for d in STALE:  # the timed builds' old folders (best_build), once nothing is timed
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
