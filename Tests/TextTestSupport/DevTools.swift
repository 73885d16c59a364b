/// Python that starts Debian's headless Chromium and drives it over the DevTools protocol
/// (websocket-client), shared by the browser tests: a script is this, then its own steps.
/// `devtools(window, on_event)` returns `call(method, **params)` (the result; every message
/// before it goes to `on_event`), `js(expression)` (its value) and `close()`.
public let devToolsPrelude = #"""
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
        def call(method, **params):
            counter[0] += 1
            ws.send(json.dumps({"id": counter[0], "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == counter[0]:
                    if "error" in msg:
                        sys.exit("%s: %s" % (method, msg["error"]))
                    return msg.get("result", {})
                if on_event:
                    on_event(msg)
        def js(expr):
            return call("Runtime.evaluate", expression=expr, returnByValue=True).get("result", {}).get("value")
        return call, js, close

    """#
