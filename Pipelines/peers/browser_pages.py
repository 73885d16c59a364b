#!/usr/bin/env python3
"""The `browser` benchmark's driver: two search pages in one headless Chromium (Pipelines/devtools.py),
each typed the same queries as a user would, costs from the browser's own network events.

usage: browser_pages.py SPEC.json    (prints one JSON object)

SPEC: {"window": "1280,900", "queries": [...], "clients": [{"name", "url", "input", "ready"}]}:
`url` the page, `input` the search box's CSS selector, `ready` a JavaScript expression true once
the page shows the answer to the query in `window.__q` (its first result, or that there is
none). For each client, in turn, with the browser's cache cleared first: load the page, then
per query set the box's value and fire `input` (as typing the whole query at once), and wait
for `ready`. First visit = loading the page and answering the first query; each later query on
the same page (its caches warm) is counted apart. Bytes are `encodedDataLength` (what came over
the wire, headers included), split by kind: html, css, js, wasm, index (everything else: the
index's files). Time to first result: from setting the query to `ready`, on the page's clock.
"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from devtools import devtools, network_counter, network_since  # noqa: E402


def main():
    spec = json.load(open(sys.argv[1]))
    on_event, net = network_counter()

    call, js, close = devtools(spec.get("window", "1280,900"), on_event)
    out = {}
    try:
        call("Page.enable")
        call("Network.enable")
        for client in spec["clients"]:
            call("Network.clearBrowserCache")
            origin = urllib.parse.urlparse(client["url"])
            call("Storage.clearDataForOrigin", origin="%s://%s" % (origin.scheme, origin.netloc), storageTypes="all")
            runs = []
            snapshot = lambda: json.loads(json.dumps(net))
            before = snapshot()
            call("Page.navigate", url=client["url"])
            deadline = time.time() + 120
            while js("document.readyState") != "complete" or not js("!!document.querySelector(%s)" % json.dumps(client["input"])):
                if time.time() > deadline:
                    sys.exit("%s: the page did not load" % client["name"])
                time.sleep(0.02)
            for n, q in enumerate(spec["queries"]):
                if n > 0:
                    before = snapshot()
                js("""(() => { window.__q = %s; const box = document.querySelector(%s);
                       box.focus(); box.value = window.__q; window.__t0 = performance.now();
                       box.dispatchEvent(new Event('input', {bubbles: true})); })()""" % (json.dumps(q), json.dumps(client["input"])))
                deadline = time.time() + 120
                while not js("(() => { try { return !!(%s); } catch (e) { return false; } })()" % client["ready"]):
                    if time.time() > deadline:
                        sys.exit("%s: no answer to %r" % (client["name"], q))
                    time.sleep(0.01)
                ms = js("performance.now() - window.__t0")
                since_load = js("performance.now()")
                # Requests the answer started (fragments, snippets) finish before it is counted.
                quiet_since, seen = time.time(), net["requests"]
                while time.time() - quiet_since < 0.5:
                    js("1")
                    if net["requests"] != seen:
                        quiet_since, seen = time.time(), net["requests"]
                    time.sleep(0.05)
                runs.append(dict(network_since(net, before), query=q, ms=ms, sinceLoad=since_load,
                                 results=js(client.get("count", "0"))))
            out[client["name"]] = runs
    finally:
        close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
