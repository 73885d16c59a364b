"""Headless Chromium over the DevTools protocol (websocket-client), shared by the browser tests
(Tests/TextTestSupport: a test's script is this file, then its own steps) and the `browser`
benchmark (Pipelines/peers/browser_pages.py imports it). `devtools(window, on_event)` starts
Debian's chromium and returns `call(method, session=None, **params)` (the result; every event
before it goes to `on_event`, the page's workers' too: they are attached with their network
events on), `js(expression)` (its value) and `close()`."""
import base64, json, os, shutil, subprocess, sys, tempfile, time, urllib.parse, urllib.request
import websocket

def devtools(window, on_event=None):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium is not installed: run `make setup` (it installs Debian's chromium)")
    profile = tempfile.mkdtemp(prefix="indexer-chromium-")
    proc = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile,
                             "--window-size=" + window, "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def close():
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    try:
        deadline = time.time() + 60
        port_file = os.path.join(profile, "DevToolsActivePort")
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if time.time() > deadline or proc.poll() is not None:
                sys.exit("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
    except BaseException:
        close()
        raise
    counter = [0]
    responses = {}
    def call(method, session=None, **params):
        # Answers are kept by id: an event handler may call in turn (a worker attaching).
        counter[0] += 1
        mine = counter[0]
        msg = {"id": mine, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        ws.send(json.dumps(msg))
        while mine not in responses:
            msg = json.loads(ws.recv())
            if "id" in msg:
                responses[msg["id"]] = msg
            elif msg.get("method") == "Target.attachedToTarget":
                # A worker of the page (Pagefind searches in one): its requests count too.
                s = msg["params"]["sessionId"]
                call("Network.enable", session=s)
                call("Runtime.runIfWaitingForDebugger", session=s)
            elif on_event:
                on_event(msg)
        msg = responses.pop(mine)
        if "error" in msg:
            sys.exit("%s: %s" % (method, msg["error"]))
        return msg.get("result", {})
    def js(expr):
        return call("Runtime.evaluate", expression=expr, returnByValue=True).get("result", {}).get("value")
    # Headless windows have a minimum width (500 px here): the page's viewport is set exactly.
    width, height = (int(v) for v in window.split(","))
    call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
    call("Target.setAutoAttach", autoAttach=True, waitForDebuggerOnStart=True, flatten=True)
    return call, js, close

def asset_kind(url):
    """What a URL fetched: html, css, js, wasm (ours also as .wasm.lzma; Pagefind's is
    wasm.LANG.pagefind), or index (everything else: an index's files)."""
    path = urllib.parse.urlparse(url).path
    for suffix, k in ((".wasm", "wasm"), (".wasm.lzma", "wasm"), (".js", "js"), (".css", "css"), (".html", "html"), ("/", "html")):
        if path.endswith(suffix):
            return k
    return "wasm" if os.path.basename(path).startswith("wasm.") else "index"


def network_counter(kind=asset_kind):
    """The browser's own network events, counted: returns `(on_event, net)`, where `net` holds
    requests and encoded (wire) bytes in all and `by` kind (`kind(url)` names it) as
    `Network.loadingFinished` events arrive through `on_event`."""
    net = {"requests": 0, "bytes": 0, "by": {}}
    urls = {}
    def on_event(msg):
        m, p = msg.get("method"), msg.get("params", {})
        if m == "Network.responseReceived":
            urls[(msg.get("sessionId"), p["requestId"])] = p["response"]["url"]
        elif m == "Network.loadingFinished":
            k = kind(urls.get((msg.get("sessionId"), p["requestId"]), ""))
            net["requests"] += 1
            net["bytes"] += p.get("encodedDataLength", 0)
            by = net["by"].setdefault(k, {"requests": 0, "bytes": 0})
            by["requests"] += 1
            by["bytes"] += p.get("encodedDataLength", 0)
    return on_event, net


def network_since(net, before):
    """What `net` counted since the copy `before` of it: requests, bytes, and `by` kind."""
    return {"requests": net["requests"] - before["requests"], "bytes": net["bytes"] - before["bytes"],
            "by": {k: {"requests": v["requests"] - before["by"].get(k, {}).get("requests", 0),
                       "bytes": v["bytes"] - before["by"].get(k, {}).get("bytes", 0)} for k, v in net["by"].items()}}
