#!/usr/bin/env python3
"""Build one group's index on Apache Spark: one task per input file (or group of files) runs
`indexer build --partition I/N`, the driver joins the partitions (`indexer join`) into one
signed version, compacted by the tiered policy unless told otherwise.

    spark-submit Pipelines/spark/build_index.py --inputs LIST --key KEY --out OUT [--master local[2]]

LIST holds one input a line (# comments; LIST may be .gz, or an http(s) URL): a local path
(relative to LIST's folder), an http(s) URL, or a Common Crawl path (`crawl-data/…`, the
`warc.paths.gz` format), fetched from --prefix. Partition I holds inputs [I*K, (I+1)*K) for
--files-per-task K, so partition numbers (the segments' batch numbers) follow LIST, never
timing: a task's segment is the same on every attempt and machine, which is what makes Spark's
retries safe and the result reproducible by hand with `indexer build --partition` and
`indexer join` (README: "Building on Apache Spark").

Without --work, each task builds in its executor's scratch folder and sends the partition back
through Spark (kept on the executor's disk, pulled by the driver one at a time); with --work
(a folder every executor and the driver see: local disk under local[N], NFS, a mounted bucket)
tasks write DIR/part-NNNNN there directly.

The job logs progress (the executors' logs on a cluster) and, with --json FILE, writes a summary
(root, version, sequence, created, the partitions' segments and attempts) to FILE.
"""
import argparse
import gzip
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

LOG = logging.getLogger("indexer-spark")


def setup_logging():
    """Progress goes to stderr (the executors' logs), never to stdout, which holds the summary
    (pyspark may have given the root logger a stdout handler already)."""
    if not LOG.handlers:
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        LOG.addHandler(h)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False
COMMON_CRAWL = "https://data.commoncrawl.org/"
# Test hook: partitions (comma-separated numbers) whose first attempt is killed mid-build.
FAIL_FIRST = "INDEXER_SPARK_FAIL_FIRST_ATTEMPT"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="build_index.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    p.add_argument("--inputs", action="append", default=[], metavar="LIST",
                   help="file (or URL) listing inputs, one a line; repeatable")
    p.add_argument("--input", action="append", default=[], metavar="PATH_OR_URL",
                   help="one input (repeatable), after those of --inputs")
    p.add_argument("--key", required=True, help="the group's key file (ship it with --files on a cluster)")
    p.add_argument("--out", required=True, help="the joined index folder, written on the driver")
    p.add_argument("--master", help="Spark master (default: spark-submit's, or local[2])")
    p.add_argument("--files-per-task", type=int, default=1, metavar="K", help="inputs per partition (default 1)")
    p.add_argument("--indexer", help="indexer binary (default: one shipped with --files, $INDEXER, or indexer on PATH)")
    p.add_argument("--work", help="a folder the driver and every executor see; partitions go there directly")
    p.add_argument("--prefix", default=COMMON_CRAWL, help="base URL of Common Crawl paths (default %(default)s)")
    p.add_argument("--compact", choices=["tiered", "all", "none"], default="tiered",
                   help="compaction of the joined segments (default tiered: a few segments stay)")
    p.add_argument("--sequence", type=int, help="the version's sequence number (default: now, in microseconds)")
    p.add_argument("--created", help="the version's creation time, ISO 8601 (default: now)")
    p.add_argument("--memory-mb", type=int, default=512, help="each task's indexer --memory-mb (default 512)")
    p.add_argument("--threads", type=int, help="each task's indexer --threads (default: spark.task.cpus)")
    p.add_argument("--task-retries", type=int, default=4, help="attempts per task (spark.task.maxFailures; default 4)")
    p.add_argument("--json", metavar="FILE",
                   help="write the summary as JSON to FILE (spark-submit merges a Python driver's stderr into its stdout)")
    p.add_argument("--keep-partitions", action="store_true", help="keep the driver's copy of the partitions (OUT.parts)")
    a = p.parse_args(argv)
    if not a.inputs and not a.input:
        p.error("give --inputs LIST or --input PATH")
    if a.files_per_task < 1 or a.task_retries < 1:
        p.error("--files-per-task and --task-retries must be at least 1")
    return a


def is_url(s):
    return s.startswith("http://") or s.startswith("https://")


def read_list(path, prefix):
    """The inputs LIST names, resolved: URLs as they are, Common Crawl paths under `prefix`,
    other paths relative to LIST's folder (absolute, so every executor and a hand build use
    the same name)."""
    if is_url(path):
        with urllib.request.urlopen(path, timeout=60) as r:
            data = r.read()
        base = None
    else:
        with open(path, "rb") as f:
            data = f.read()
        base = os.path.dirname(os.path.abspath(path))
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    out = []
    for n, line in enumerate(data.decode("utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if is_url(line):
            out.append(line)
        elif line.startswith("crawl-data/"):
            out.append(prefix.rstrip("/") + "/" + line)
        elif base is None:
            out.append(urllib.parse.urljoin(path, line))
        else:
            out.append(os.path.normpath(os.path.join(base, line)))
    if not out:
        raise SystemExit(f"{path}: lists no inputs")
    return out


def find_binary(explicit, name="indexer"):
    """The indexer binary on this machine: --indexer if it exists here, a copy shipped with
    --files, $INDEXER, or indexer on PATH."""
    candidates = [explicit] if explicit else []
    try:
        from pyspark import SparkFiles
        candidates.append(SparkFiles.get(name))
    except Exception:
        pass
    candidates += [os.environ.get("INDEXER"), shutil.which(name)]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise RuntimeError(f"no {name} binary: give --indexer PATH or ship it with spark-submit --files PATH/{name}")


def find_file(path):
    """A file shipped with --files (by its name) or at the same path on every machine."""
    if os.path.exists(path):
        return path
    from pyspark import SparkFiles
    shipped = SparkFiles.get(os.path.basename(path))
    if os.path.exists(shipped):
        return shipped
    raise RuntimeError(f"{path} is not on this executor: ship it with spark-submit --files {path}")


def fetch(url, dest, attempts=4):
    """Downloads `url` to `dest`, retrying transient failures; a client error (404, 403) is
    permanent and fails at once, rather than after the retries' back-off on every task attempt."""
    for attempt in range(attempts):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "indexer-spark/1"})
            with urllib.request.urlopen(req, timeout=120) as r, open(dest, "wb") as f:
                shutil.copyfileobj(r, f, 1 << 20)
            return
        except OSError as e:
            permanent = isinstance(e, urllib.error.HTTPError) and 400 <= e.code < 500 and e.code not in (408, 429)
            if permanent or attempt == attempts - 1:
                raise RuntimeError(f"fetching {url}: {e}") from e
            LOG.warning("fetching %s: %s; retrying", url, e)
            time.sleep(2 ** attempt)


def build_command(binary, files, names, index, count, out, key, memory_mb, threads):
    """The `indexer build` of one partition; `names` are recorded in place of `files` (the
    URLs fetched), so the segment does not depend on the scratch folder."""
    cmd = [binary, "build", *files, "--partition", f"{index}/{count}", "--out", out, "--key", key,
           "--memory-mb", str(memory_mb), "--threads", str(threads), "--json", "--quiet"]
    if files != names:
        for n in names:
            cmd += ["--source-name", n]
    return cmd


def run_build(cmd, kill_early):
    """Runs one partition's build; exit 2 (records repaired) and 3 (records skipped) are success. `kill_early` kills it
    as soon as it has written a block (the retry test's simulated lost executor)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_early:
        out_dir = cmd[cmd.index("--out") + 1]
        while proc.poll() is None and not (os.path.isdir(out_dir + "/blocks") and os.listdir(out_dir + "/blocks")):
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None
    stdout, stderr = proc.communicate()
    if proc.returncode not in (0, 2, 3):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {stderr.decode(errors='replace')[-2000:]}")
    summary = json.loads(stdout)
    summary["exitStatus"] = proc.returncode
    return summary


def build_partition(task, count, conf):
    """Spark task: builds partition `index` of `count` from `inputs`; returns its summary and,
    without a shared work folder, the partition folder as tar bytes."""
    from pyspark import TaskContext
    index, inputs = task
    ctx = TaskContext.get()
    attempt = ctx.attemptNumber() if ctx else 0
    setup_logging()
    LOG.info("partition %d/%d attempt %d: %d input(s) %s", index, count, attempt, len(inputs), inputs[:3])
    started = time.time()
    binary = find_binary(conf["indexer"])
    key = find_file(conf["key"])
    scratch = tempfile.mkdtemp(prefix=f"indexer-part-{index:05d}-")
    try:
        files = []
        for n, name in enumerate(inputs):
            if is_url(name):
                local = os.path.join(scratch, "in", f"{n:03d}-" + os.path.basename(urllib.parse.urlparse(name).path))
                os.makedirs(os.path.dirname(local), exist_ok=True)
                fetch(name, local)
                files.append(local)
            else:
                files.append(name)
        if conf["work"]:
            final = os.path.join(conf["work"], f"part-{index:05d}")
            out = f"{final}.attempt-{attempt}-{os.getpid()}"
        else:
            out = os.path.join(scratch, "part")
        cmd = build_command(binary, files, inputs, index, count, out, key, conf["memory_mb"], conf["threads"])
        fail = attempt == 0 and str(index) in os.environ.get(FAIL_FIRST, "").split(",")
        summary = run_build(cmd, kill_early=fail)
        if fail:
            LOG.warning("partition %d attempt 0: killed mid-build (%s); Spark retries it", index, FAIL_FIRST)
            os._exit(17)  # the Python worker dies, as on a lost executor
        summary.update(partition=index, attempt=attempt, seconds=round(time.time() - started, 3), inputs=inputs)
        LOG.info("partition %d/%d: %d documents, segment %s in %.1f s",
                 index, count, summary["documents"], summary["segment"], summary["seconds"])
        if conf["work"]:
            # Same content on every attempt, so replacing an earlier attempt's result is safe.
            if os.path.exists(final):
                shutil.rmtree(final)
            os.rename(out, final)
            return summary, None
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            tar.add(out, arcname=".")
        return summary, buf.getvalue()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def with_retries(master, retries):
    """local[N] retries no failed task; local[N,F] gives each task F attempts."""
    if master and master.startswith("local") and "," not in master:
        n = master[len("local["):-1] if master.startswith("local[") else "1"
        return f"local[{n},{retries}]"
    return master


def main(argv):
    args = parse_args(argv)
    setup_logging()
    from pyspark import SparkConf, StorageLevel
    from pyspark.sql import SparkSession

    inputs = [x for lst in args.inputs for x in read_list(lst, args.prefix)]
    inputs += [x if is_url(x) else os.path.abspath(x) for x in args.input]
    k = args.files_per_task
    groups = [inputs[i:i + k] for i in range(0, len(inputs), k)]
    count = len(groups)
    sequence = args.sequence or time.time_ns() // 1000
    created = args.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    # The JVM first, so SparkConf sees spark-submit's --master and --conf.
    from pyspark import SparkContext
    SparkContext._ensure_initialized()
    conf = SparkConf().setAppName(f"indexer build: {count} partitions").set("spark.task.maxFailures", str(args.task_retries))
    master = args.master or conf.get("spark.master", None) or "local[2]"
    conf.setMaster(with_retries(master, args.task_retries))
    spark = SparkSession.builder.config(conf=conf).getOrCreate()
    sc = spark.sparkContext
    task_conf = {
        "indexer": args.indexer, "key": os.path.abspath(args.key) if os.path.exists(args.key) else args.key,
        "work": os.path.abspath(args.work) if args.work else None, "memory_mb": args.memory_mb,
        "threads": args.threads or int(sc.getConf().get("spark.task.cpus", "1")),
    }
    if task_conf["work"]:
        os.makedirs(task_conf["work"], exist_ok=True)
    LOG.info("%d inputs in %d partitions on %s; version %d, created %s", len(inputs), count, sc.master, sequence, created)
    started = time.time()

    sc.setJobDescription(f"indexer build --partition I/{count}")
    rdd = sc.parallelize(list(enumerate(groups)), count).map(lambda t: build_partition(t, count, task_conf))
    parts_dir = args.work and os.path.abspath(args.work)
    summaries = []
    if parts_dir:
        summaries = [s for s, _ in rdd.collect()]
    else:
        # Results stay on the executors' disks; the driver pulls one partition at a time.
        rdd = rdd.persist(StorageLevel.DISK_ONLY)
        rdd.count()
        parts_dir = os.path.abspath(args.out.rstrip("/") + ".parts")
        shutil.rmtree(parts_dir, ignore_errors=True)
        for summary, data in rdd.toLocalIterator():
            dest = os.path.join(parts_dir, f"part-{summary['partition']:05d}")
            os.makedirs(dest)
            with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
                tar.extractall(dest, filter="data")
            summaries.append(summary)
        rdd.unpersist()
    built = time.time() - started
    summaries.sort(key=lambda s: s["partition"])

    sc.setJobDescription("indexer join")
    binary = find_binary(args.indexer)
    join = [binary, "join", *[os.path.join(parts_dir, f"part-{i:05d}") for i in range(count)], "--out", args.out,
            "--key", args.key, "--sequence", str(sequence), "--created", created, "--json", "--quiet"]
    if args.compact != "none":
        join.append("--compact-all" if args.compact == "all" else "--compact")
    LOG.info("joining: %s", " ".join(join))
    joined = json.loads(subprocess.run(join, check=True, stdout=subprocess.PIPE).stdout)
    if not args.work and not args.keep_partitions:
        shutil.rmtree(parts_dir, ignore_errors=True)
    spark.stop()

    result = {
        "index": args.out, "root": joined["root"], "version": joined["version"], "sequence": sequence, "created": created,
        "segments": joined["segments"], "joined": joined["joined"], "documents": joined["documents"],
        "partitions": [{k: s[k] for k in ("partition", "inputs", "segment", "documents", "attempt", "seconds", "exitStatus")}
                       for s in summaries],
        "buildSeconds": round(built, 3), "seconds": round(time.time() - started, 3), "master": sc.master,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    LOG.info("index %s: root %s, %d documents, %d segments (%d partitions) in %.1f s",
             args.out, joined["root"], joined["documents"], len(joined["segments"]), count, result["seconds"])
    # A partition that skipped (or only repaired) records finished; say so with the build's own
    # exit status, the worst of them.
    statuses = {s["exitStatus"] for s in summaries}
    return 3 if 3 in statuses else 2 if 2 in statuses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
