import Foundation

/// Drives the static search page (`search/index.html`, Wasm/page) in headless Chromium
/// (`devToolsPrelude`), whoever serves it (stock nginx, `indexer serve`, the benchmark's
/// server). Input (argv[1], JSON): `page` (the page's URL), `window` ("1280,900"), `steps`:
///
/// - `{"open": {"q": …, "site": …}}`: load the page with those URL parameters;
/// - `{"type": "text"}`: load it bare, then type the text a key at a time;
/// - `{"filters": true}`: open the filter panel; `{"click": [kind, value]}`: press a filter;
/// - `{"more": true}`: press "More results"; `{"screenshot": path}`: save a PNG.
///
/// Each step waits for the page's answer (its `data-answers` / `data-facet-answers`
/// counters) and prints what a user then sees: results (URLs, titles, links, marks, their boxes
/// in the viewport), the status line, filters (kind, value, count, pressed, label), whether the page
/// is wider than the window, and the browser's own network events since the step began:
/// requests and encoded bytes, in all and by kind (html, js, wasm, index: manifest, names and
/// blocks). A screenshot is decoded (zlib) and described: its size and how much of it is not
/// the background colour.
public let searchPageScript =
    devToolsPrelude
        + #"""
        import struct, zlib
        spec = json.loads(sys.argv[1])
        on_event, net = network_counter()
        def png_summary(data):
            # Decodes an 8-bit RGB(A) PNG (what Chromium writes) without libraries.
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            i, idat, w = 8, b"", 0
            while i < len(data):
                n, t = struct.unpack(">I4s", data[i:i + 8])
                body = data[i + 8:i + 8 + n]
                if t == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
                if t == b"IDAT": idat += body
                i += 12 + n
            bpp = 4 if ctype == 6 else 3
            raw = zlib.decompress(idat)
            stride = w * bpp
            prev = bytearray(stride)
            rows = []
            for y in range(h):
                f = raw[y * (stride + 1)]
                line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
                for x in range(stride):
                    a = line[x - bpp] if x >= bpp else 0
                    b = prev[x]
                    c = prev[x - bpp] if x >= bpp else 0
                    if f == 1: line[x] = (line[x] + a) & 255
                    elif f == 2: line[x] = (line[x] + b) & 255
                    elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                    elif f == 4:
                        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                        line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                rows.append(line)
                prev = line
            background = bytes(rows[0][:3])
            other = sum(1 for row in rows for x in range(0, stride, bpp) if bytes(row[x:x + 3]) != background)
            return {"width": w, "height": h, "nonBackground": other / (w * h)}
        call, js, close = devtools(spec.get("window", "1280,900"), on_event)
        STATE = """JSON.stringify((() => {
            const host = document.querySelector('[data-indexer-search]') || document.body;
            const items = [...document.querySelectorAll('li.result')];
            return {
                answers: Number(host.dataset.answers || 0), facetAnswers: Number(host.dataset.facetAnswers || 0),
                firstResultMs: Number(host.dataset.firstResultMs || -1),
                status: (document.querySelector('#indexer-status') || {}).textContent || '',
                urls: items.map(li => li.querySelector('.meta').textContent.split(' · ')[0]),
                titles: items.map(li => li.querySelector('a.title').textContent),
                hrefs: items.map(li => li.querySelector('a.title').getAttribute('href')),
                lives: items.map(li => (li.querySelector('a.live') || {getAttribute: () => null}).getAttribute('href')).filter(h => h),
                groups: items.map(li => li.querySelector('.meta').textContent.split(' · ').find(s => s.startsWith('group ')) || ''),
                marks: [...document.querySelectorAll('li.result mark')].map(m => m.textContent),
                boxes: items.map(li => { const r = li.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }),
                viewport: [window.innerWidth, window.innerHeight],
                overflow: document.documentElement.scrollWidth > window.innerWidth,
                facets: [...document.querySelectorAll('details.filters button[data-kind]')].map(b =>
                    [b.dataset.kind, b.dataset.value, Number((b.querySelector('.count') || {}).textContent || -1), b.getAttribute('aria-pressed') === 'true', b.firstChild.textContent]),
                facetStatus: (document.querySelector('.facet-status') || {}).textContent || '',
                chips: [...document.querySelectorAll('.chips button')].map(b => b.textContent),
                more: !!document.querySelector('.more') && !document.querySelector('.more').hidden,
                location: location.search,
            };
        })())"""
        def state():
            return json.loads(js(STATE))
        def wait(key, above, deadline):
            while True:
                s = js("document.querySelector('[data-indexer-search]') ? Number(document.querySelector('[data-indexer-search]').dataset.%s || 0) : 0" % key)
                if s and s > above:
                    return
                if time.time() > deadline:
                    sys.exit("no answer (%s) at step; status %r" % (key, js("(document.querySelector('#indexer-status') || {}).textContent")))
                time.sleep(0.05)
        def load(url, deadline):
            call("Page.navigate", url=url)
            while js("document.readyState") != "complete" or not js("!!document.querySelector('#indexer-q')"):
                if time.time() > deadline: sys.exit("page did not load: " + url)
                time.sleep(0.05)
        try:
            call("Page.enable")
            call("Network.enable")
            call("Network.setCacheDisabled", cacheDisabled=bool(spec.get("noCache", False)))
            out = []
            for step in spec["steps"]:
                deadline = time.time() + 120
                before = json.loads(json.dumps(net))
                started = time.time()
                if "open" in step:
                    load(spec["page"] + "?" + urllib.parse.urlencode(step["open"], doseq=True), deadline)
                    wait("answers", 0, deadline)
                elif "type" in step:
                    load(spec["page"], deadline)
                    js("document.querySelector('#indexer-q').focus()")
                    for ch in step["type"]:
                        call("Input.insertText", text=ch)
                        time.sleep(0.03)
                    # The last keystroke's search answers last: wait until the results show it.
                    while True:
                        wait("answers", 0, deadline)
                        s = state()
                        if urllib.parse.parse_qs(s["location"][1:]).get("q", [""])[0] == step["type"] and s["status"] != "Searching…":
                            break
                        time.sleep(0.05)
                    time.sleep(0.3)
                elif "filters" in step:
                    n = state()["facetAnswers"]
                    js("document.querySelector('details.filters summary').click()")
                    wait("facetAnswers", n, deadline)
                elif "click" in step:
                    s = state()
                    k, v = step["click"]
                    clicked = js("(() => { const b = [...document.querySelectorAll('details.filters button[data-kind]')].find(b => b.dataset.kind === %s && b.dataset.value === %s); if (b) b.click(); return !!b; })()" % (json.dumps(k), json.dumps(v)))
                    if not clicked: sys.exit("no filter %s=%s" % (k, v))
                    wait("answers", s["answers"], deadline)
                    wait("facetAnswers", s["facetAnswers"], deadline)
                elif "more" in step:
                    n = state()["answers"]
                    js("document.querySelector('.more').click()")
                    wait("answers", n, deadline)
                s = state()
                s["seconds"] = time.time() - started
                if "screenshot" in step:
                    data = base64.b64decode(call("Page.captureScreenshot", format="png")["data"])
                    with open(step["screenshot"], "wb") as f:
                        f.write(data)
                    s["png"] = png_summary(data)
                # Network events of this step (a last look for late ones).
                time.sleep(0.2)
                js("1")
                s.update(network_since(net, before))
                out.append(s)
            print(json.dumps(out))
        finally:
            close()
        """#

/// Runs `searchPageScript` on `page` (the page's URL) with `steps`; returns each step's state.
public func browseSearchPage(_ page: String, window: String = "1280,900", steps: [[String: Any]]) throws -> [[String: Any]] {
    guard let python = PythonChecker.interpreter else {
        throw ServerError("no Python: set INDEXER_PYTHON or run `make setup` to create .venv")
    }
    let spec = try JSONSerialization.data(withJSONObject: ["page": page, "window": window, "steps": steps] as [String: Any])
    let child = try ChildProcess(python, ["-c", searchPageScript, String(decoding: spec, as: UTF8.self)])
    let output = child.stdout.fileHandleForReading.readDataToEndOfFile()
    child.process.waitUntilExit()
    let err = String(decoding: child.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard child.process.terminationStatus == 0 else { throw ServerError("browser script failed: \(err.suffix(1000))") }
    guard let states = try JSONSerialization.jsonObject(with: output) as? [[String: Any]] else {
        throw ServerError("browser script printed no states: \(String(decoding: output.prefix(500), as: UTF8.self))")
    }
    return states
}
