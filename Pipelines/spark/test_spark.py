#!/usr/bin/env python3
"""`make test-spark`: the Spark job on local[2] against the same partitions built and joined by
hand with the CLI on one machine.

Inputs: the demo corpus's two crawls (one local, one fetched over HTTP from a Common Crawl-style
`warc.paths.gz`) and, when `make corpora` has run, four WARCs of a slice of linux-doc (4 of $INDEXER_SPARK_LINUX_DOC_PARTS
parts by URL hash, default 32; 4 gives all of it). Checks:
1. the Spark index has the same root, version and segment CIDs as the hand build and join;
   it verifies (`verify --recompute`) and searches like it, and like a plain one-machine build;
2. with partitions 0 and 2 killed mid-build on their first attempt, Spark retries them and the
   result is the same root.
Prints timings (Spark local[2] against the plain build, wall and CPU) and exits non-zero on a
mismatch. usage: test_spark.py INDEXER_BINARY
"""
import functools
import gzip
import http.server
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JOB = os.path.join(ROOT, "Pipelines", "spark", "build_index.py")
SLICE = int(os.environ.get("INDEXER_SPARK_LINUX_DOC_PARTS", "32"))
QUERIES = ["bread", "honey OR lantern", "kernel memory", "\"device driver\""]


def run(cmd, env=None):
    """Runs `cmd`, returns (stdout, wall seconds, CPU seconds of it and its reaped children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    # Spark's own log (and the job's, merged into its stdout) goes to our stderr.
    p = subprocess.run(cmd, stdout=subprocess.PIPE if "spark-submit" not in cmd[0] else sys.stderr, env=env)
    wall = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0, 2, 3):
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (p.stdout or b"").decode(), wall, cpu


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        check.failed = True


check.failed = False


def main():
    binary = os.path.abspath(sys.argv[1])
    venv_bin = os.path.dirname(sys.executable)
    spark_submit = os.path.join(venv_bin, "spark-submit")
    # spark-submit finds pyspark (SPARK_HOME) through the `python` on PATH; the workers run ours.
    spark_env = dict(os.environ, PATH=venv_bin + os.pathsep + os.environ.get("PATH", ""), PYSPARK_PYTHON=sys.executable)
    work = tempfile.mkdtemp(prefix="indexer-spark-test-")
    key = os.path.join(work, "group.key")
    run([binary, "keygen", "--out", key])

    # A static host standing in for Common Crawl (data.commoncrawl.org/crawl-data/…).
    http_root = os.path.join(work, "http")
    cc_path = "crawl-data/DEMO-2026/segments/0/warc/group-b.warc.gz"
    os.makedirs(os.path.dirname(os.path.join(http_root, cc_path)))
    shutil.copy(os.path.join(ROOT, "Corpora/demo/group-b/web.warc.gz"), os.path.join(http_root, cc_path))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=http_root)
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    prefix = f"http://127.0.0.1:{server.server_address[1]}/"

    local = [os.path.join(ROOT, "Corpora/demo/group-a/web.warc.gz")]
    linux_doc = os.path.join(ROOT, "Corpora/build/linux-doc/linux-doc.warc")
    if os.path.exists(linux_doc):
        # A slice: 4 of 32 parts by URL hash, about 400 pages, so a debug binary builds it in a minute.
        subprocess.run([sys.executable, os.path.join(ROOT, "Pipelines/split_warc.py"), linux_doc, "--parts", str(SLICE),
                        os.path.join(work, "linux-doc")], check=True, stdout=subprocess.DEVNULL)
        local += [os.path.join(work, f"linux-doc-{i}.warc.gz") for i in range(4)]
    else:
        print("note: no Corpora/build/linux-doc (make corpora); the demo corpus only")
    with open(os.path.join(work, "local.txt"), "w") as f:
        f.write("# relative to this list's folder\n" + "".join(os.path.relpath(p, work) + "\n" for p in local))
    with gzip.open(os.path.join(work, "warc.paths.gz"), "wt") as f:
        f.write(cc_path + "\n")
    inputs = local + [prefix + cc_path]
    count = len(inputs)

    job = [spark_submit, "--conf", "spark.ui.enabled=false", JOB, "--inputs", os.path.join(work, "local.txt"),
           "--inputs", os.path.join(work, "warc.paths.gz"), "--prefix", prefix, "--key", key, "--indexer", binary,
           "--master", "local[2]"]
    # 1. Partitions sent back through Spark.
    _, spark_wall, spark_cpu = run(job + ["--out", os.path.join(work, "spark"), "--json", work + "/spark.json"], env=spark_env)
    spark = json.load(open(work + "/spark.json"))
    check(len(spark["partitions"]) == count, f"{count} partitions, one per input")
    check([p["inputs"] for p in spark["partitions"]] == [[i] for i in inputs], "partition I holds input I of the lists")

    # The same partitions by hand; the fetched file is recorded under its URL, as the job does.
    hand_parts = []
    hand_cpu = 0.0
    for i, name in enumerate(inputs):
        part = os.path.join(work, "hand", f"part-{i}")
        source = os.path.join(http_root, cc_path) if name.startswith("http") else name
        cmd = [binary, "build", source, "--partition", f"{i}/{count}", "--out", part, "--key", key, "--json", "--quiet"]
        if source != name:
            cmd += ["--source-name", name]
        built, _, cpu = run(cmd)
        hand_cpu += cpu
        check(json.loads(built)["segment"] == spark["partitions"][i]["segment"], f"partition {i}: same segment CID")
        hand_parts.append(part)
    # Joined in reverse order: the order must not matter.
    joined, _, _ = run([binary, "join", *reversed(hand_parts), "--out", os.path.join(work, "hand", "joined"), "--key", key,
                        "--sequence", str(spark["sequence"]), "--created", spark["created"], "--compact", "--json"])
    hand = json.loads(joined)
    for field in ("root", "version", "joined", "segments", "documents"):
        check(hand[field] == spark[field], f"{field}: Spark {str(spark[field])[:70]} == by hand")
    _, _, _ = run([binary, "verify", os.path.join(work, "spark"), "--recompute"])
    check(True, "verify --recompute of the Spark index")

    # A plain build of every input on one machine: other CIDs (one batch), the same documents and hits.
    plain_sources = local + [os.path.join(http_root, cc_path)]
    # Another key: its version (sequence: now) must not make the reader refuse the others as replays.
    other = os.path.join(work, "other.key")
    run([binary, "keygen", "--out", other])
    _, plain_wall, plain_cpu = run([binary, "build", *plain_sources, "--out", os.path.join(work, "plain"), "--key", other,
                                    "--quiet", "--json"])
    for q in QUERIES:
        hits = {}
        for name in ("spark", "hand/joined", "plain"):
            r = json.loads(run([binary, "search", q, "--index", os.path.join(work, name), "--json", "--limit", "1000"])[0])
            hits[name] = (r["total"], [(x["url"], round(x["score"], 4)) for x in r["results"]])
        check(hits["spark"] == hits["hand/joined"], f"search {q!r}: {hits['spark'][0]} hits, the same in the Spark and hand-joined index")
        # Another segment layout may order equal scores differently: compare as sets.
        check(sorted(hits["spark"][1]) == sorted(hits["plain"][1]), f"search {q!r}: the same results and scores as a plain build")

    # 2. A task killed on its first attempt is retried with the same result (shared work folder).
    # The first and the last partition (a fresh clone without `make corpora` has only two).
    killed = sorted({0, count - 1})
    env = dict(spark_env, INDEXER_SPARK_FAIL_FIRST_ATTEMPT=",".join(map(str, killed)))
    _, retry_wall, _ = run(job + ["--out", os.path.join(work, "retried"), "--work", os.path.join(work, "shared"),
                                  "--sequence", str(spark["sequence"]), "--created", spark["created"],
                                  "--json", work + "/retried.json"], env=env)
    retried = json.load(open(work + "/retried.json"))
    attempts = [p["attempt"] for p in retried["partitions"]]
    check(all(attempts[i] >= 1 for i in killed), f"partitions {killed} retried (attempts {attempts})")
    check(retried["root"] == spark["root"], f"retried root {retried['root']} == first run's")
    server.shutdown()

    print(json.dumps({
        "partitions": count, "documents": spark["documents"], "root": spark["root"],
        "sparkWallSeconds": round(spark_wall, 2), "sparkCpuSeconds": round(spark_cpu, 2),
        "sparkBuildSeconds": spark["buildSeconds"], "handPartitionsCpuSeconds": round(hand_cpu, 2),
        "plainWallSeconds": round(plain_wall, 2), "plainCpuSeconds": round(plain_cpu, 2),
        "retriedWallSeconds": round(retry_wall, 2),
    }, indent=2))
    if check.failed:
        sys.exit(f"FAIL (outputs kept in {work})")
    shutil.rmtree(work)
    print("test-spark: all checks passed")


if __name__ == "__main__":
    main()
