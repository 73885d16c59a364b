#!/usr/bin/env python3
"""Query peer: warm tantivy latency over a query list, and known-item quality.

Queries are reduced to their words (\\w+, lower-cased so AND/OR/NOT are not operators) and
parsed with all words required (conjunction), over title and body with title boosted 2x, the
same semantics as `indexer search`'s default. A query's time covers parsing, the top-10 search,
and loading the 10 hits' stored url and title (what a result page shows; no snippets: body is
not stored). Warm: each query runs once untimed, then --rounds timed rounds of the whole list.

Prints one JSON line: p50/p95/mean latency in ms, hits per query, and (with --known-items) MRR@10
and success@1 over the known-item file (one JSON {query, url} per line).

usage: tantivy_query.py INDEX_DIR QUERIES.txt [--known-items FILE] [--rounds N]
"""
import json
import re
import statistics
import sys
import time

import tantivy

WORD = re.compile(r"\w+")


def read_queries(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def run(index, searcher, text, limit=10):
    words = [w.lower() for w in WORD.findall(text)]
    if not words:
        return []
    query = index.parse_query(" ".join(words), ["title", "body"], field_boosts={"title": 2.0},
                              conjunction_by_default=True)
    hits = searcher.search(query, limit).hits
    out = []
    for _, address in hits:
        doc = searcher.doc(address)
        out.append((doc["url"][0], (doc.get_first("title") or "")))
    return out


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 20
    index = tantivy.Index.open(args[0])
    index.reload()
    searcher = index.searcher()
    queries = read_queries(args[1])
    hits = {q: len(run(index, searcher, q)) for q in queries}  # warm-up round
    times = []
    for _ in range(rounds):
        for q in queries:
            t0 = time.perf_counter()
            run(index, searcher, q)
            times.append((time.perf_counter() - t0) * 1000)
    result = {"tool": "tantivy", "documents": searcher.num_docs, "queries": len(queries),
              "rounds": rounds, "p50_ms": round(percentile(times, 50), 3),
              "p95_ms": round(percentile(times, 95), 3), "mean_ms": round(statistics.mean(times), 3),
              "queries_without_hits": [q for q, n in hits.items() if n == 0]}
    if "--known-items" in args:
        rr, first, n = 0.0, 0, 0
        with open(args[args.index("--known-items") + 1]) as f:
            for line in f:
                item = json.loads(line)
                urls = [u for u, _ in run(index, searcher, item["query"])]
                n += 1
                if item["url"] in urls:
                    rank = urls.index(item["url"]) + 1
                    rr += 1 / rank
                    first += rank == 1
        result.update({"known_items": n, "mrr_at_10": round(rr / n, 4) if n else None,
                       "success_at_1": round(first / n, 4) if n else None})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
