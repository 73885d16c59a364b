import Foundation

/// Python that starts Debian's headless Chromium and drives it over the DevTools protocol
/// (websocket-client): `Pipelines/devtools.py`, shared with the `browser` benchmark. A test's
/// script is this, then its own steps; `devtools(window, on_event)` returns
/// `call(method, **params)`, `js(expression)` and `close()`.
public let devToolsPrelude: String = {
    let path = PythonChecker.packageRoot.appendingPathComponent("Pipelines/devtools.py").path
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        return "import sys\nsys.exit('\(path) is missing')\n"
    }
    return text + "\n"
}()
