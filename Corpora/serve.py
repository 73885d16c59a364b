#!/usr/bin/env python3
"""A loopback-only static file server for crawls and request counting.

Differences from `python -m http.server` that the corpora and benchmarks need:
- accepts absolute-form request targets (`GET http://linux-doc.local/x HTTP/1.1`), so wget can
  crawl through it as a proxy and the WARC gets realistic URLs instead of 127.0.0.1;
- when `X` is missing but `X.gz` exists (Debian compresses large files), serves `X.gz` with
  `Content-Encoding: gzip`, as nginx's `gzip_static always` would;
- `--log FILE` appends one JSON line per request (path, status, bytes sent) so a benchmark can
  count requests and bytes;
- binds 127.0.0.1 only and prints the chosen port on its first stdout line.
"""
import argparse
import json
import mimetypes
import os
import sys
import threading
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("font/woff2", ".woff2")


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers and clients use
    disable_nagle_algorithm = True  # else header+body writes cost a 40 ms delayed ACK each
    log_file = None
    log_lock = threading.Lock()
    server_version = "nginx/1.22.1"
    sys_version = ""

    def translate_path(self, path):
        if "://" in path.split("?", 1)[0]:
            path = urllib.parse.urlsplit(path).path or "/"
        return super().translate_path(path)

    def send_head(self):
        path = self.translate_path(self.path)
        if not os.path.exists(path) and os.path.isfile(path + ".gz"):
            ctype = self.guess_type(path)
            try:
                f = open(path + ".gz", "rb")
            except OSError:
                self.send_error(404, "File not found")
                return None
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(size))
            self.send_header("Last-Modified", self.date_time_string(os.fstat(f.fileno()).st_mtime))
            self.end_headers()
            return f
        return super().send_head()

    def send_header(self, keyword, value):
        if keyword.lower() == "content-length":
            self._sent = int(value)
        super().send_header(keyword, value)

    def guess_type(self, path):
        t = super().guess_type(path)
        if t.startswith("text/") and "charset" not in t:
            t += "; charset=utf-8"
        return t

    def do_GET(self):
        self._sent, self._code = 0, 0
        super().do_GET()
        if Handler.log_file is None:
            return
        path = self.path
        if "://" in path:
            path = urllib.parse.urlsplit(path).path
        # bytes = response body length (Content-Length), headers not counted
        entry = {"path": path, "status": self._code, "bytes": self._sent}
        with Handler.log_lock:
            with open(Handler.log_file, "a") as out:
                out.write(json.dumps(entry) + "\n")

    def log_request(self, code="-", size="-"):
        self._code = int(code) if str(code).isdigit() else 0

    def log_message(self, fmt, *args):
        pass  # quiet: the crawl's own log says what was fetched


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    args = ap.parse_args()
    Handler.log_file = args.log
    root = os.path.abspath(args.root)

    def handler(*a, **kw):
        return Handler(*a, directory=root, **kw)

    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    httpd.daemon_threads = True
    print(httpd.server_address[1], flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
