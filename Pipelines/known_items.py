#!/usr/bin/env python3
"""Known-item queries from a corpus's pages list (the quality measure).

Every HTML page whose title, with the site suffix removed, is unique in the corpus becomes a
query (the title) whose one right answer is that page. The site suffix is the text after the
last " - ", " — ", " – " or " | " when at least 1% of pages share it ("The Linux Kernel
documentation", "Rust", "The Rust Programming Language", ...). Titles are compared case-folded
with whitespace collapsed; empty titles and titles of fewer than two characters are dropped.

A deterministic sample (by SHA-1 of the URL) of at most --max queries is written, so that
engines that pay a process start per query can run them all.

usage: known_items.py PAGES.jsonl OUT.jsonl [--max N]      (N defaults to 1000)
"""
import collections
import hashlib
import json
import re
import sys

SEPARATOR = re.compile(r"^(.*)\s(?:-|—|–|\|)\s(.*)$")


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    limit = int(args[args.index("--max") + 1]) if "--max" in args else 1000
    pages = []
    with open(args[0]) as f:
        for line in f:
            p = json.loads(line)
            if "format" not in p:
                pages.append((p["url"], " ".join(p.get("title", "").split())))
    suffixes = collections.Counter(m.group(2) for _, t in pages if (m := SEPARATOR.match(t)))
    site = {s for s, n in suffixes.items() if n >= max(2, len(pages) // 100)}

    def strip(title):
        m = SEPARATOR.match(title)
        return m.group(1).strip() if m and m.group(2) in site else title

    stripped = [(url, strip(t)) for url, t in pages]
    counts = collections.Counter(t.casefold() for _, t in stripped)
    unique = [(url, t) for url, t in stripped
              if len(t) >= 2 and counts[t.casefold()] == 1 and t != url]
    unique.sort(key=lambda ut: hashlib.sha1(ut[0].encode()).hexdigest())
    chosen = unique[:limit]
    with open(args[1], "w") as out:
        for url, t in chosen:
            out.write(json.dumps({"query": t, "url": url}, ensure_ascii=False) + "\n")
    print(json.dumps({"pages": len(pages), "unique_titles": len(unique), "queries": len(chosen),
                      "site_suffixes": sorted(site)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
