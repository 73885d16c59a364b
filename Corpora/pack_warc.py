#!/usr/bin/env python3
"""Pack a folder of static files into WARCs the way a crawler would have written them.

Every file becomes a `request` + `response` record pair (WARC/1.1, written by PyPI warcio) with
the HTTP headers a stock nginx sends, under `BASE_URL/<relative path>`. A file Debian stored as
`X.gz` is served at `X` with `Content-Encoding: gzip` (nginx `gzip_static`), so the archive
holds some encoded payloads, as real crawls do. The site root `BASE_URL/` is captured too (a
second capture of `index.html`: the same payload at two URLs, as crawls have).

Writes OUT.warc.gz (one gzip member per record, warcio's default) and OUT.warc (plain) with the
same records, and OUT.pages.jsonl (WACZ "json-pages-1.0": url, ts, title of every HTML page) for
`wacz create --pages`. Output is deterministic: record IDs are UUIDv5 of the URL and dates come from a
crawl start one day after the newest file's mtime, so re-running gives byte-identical files.

usage: pack_warc.py HTML_DIR BASE_URL OUT_PREFIX
"""
import email.utils
import html
import io
import json
import re
import mimetypes
import os
import sys
import uuid
from datetime import datetime, timedelta, timezone

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("application/javascript", ".js")


def files_in(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if os.path.isfile(path):  # skips symlinks Debian points at other packages
                yield path


def content_type(url_path):
    t, _ = mimetypes.guess_type(url_path)
    t = t or "application/octet-stream"
    if t.startswith("text/") or t in ("application/javascript", "application/json",
                                      "image/svg+xml"):
        t += "; charset=utf-8"
    return t


def records(root, base_url):
    """Yields (url, http_headers, payload bytes) in crawl order: index first."""
    paths = list(files_in(root))
    index = os.path.join(root, "index.html")
    if index in paths:
        paths.remove(index)
        paths.insert(0, index)
    for path in paths:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        encoding = None
        if rel.endswith(".gz") and not os.path.exists(path[:-3]):
            rel, encoding = rel[:-3], "gzip"
        with open(path, "rb") as f:
            body = f.read()
        st = os.stat(path)
        headers = [
            ("Server", "nginx/1.22.1"),
            ("Date", None),  # filled in per capture
            ("Content-Type", content_type(rel)),
            ("Content-Length", str(len(body))),
            ("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True)),
            ("Connection", "keep-alive"),
            ("ETag", '"%x-%x"' % (int(st.st_mtime), len(body))),
            ("Accept-Ranges", "bytes"),
        ]
        if encoding:
            headers.insert(4, ("Content-Encoding", encoding))
        url = base_url.rstrip("/") + "/" + rel
        yield url, headers, body
        if path == index:
            yield base_url.rstrip("/") + "/", headers, body


def crawl_start(root):
    newest = max(os.stat(p).st_mtime for p in files_in(root))
    day = datetime.fromtimestamp(newest, timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)


def capture_date(start, i):
    return start + timedelta(milliseconds=37 * i)


TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.S | re.I)


def write_pages(path, base_url, items, start):
    with open(path + ".tmp", "w") as out:
        out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}) + "\n")
        for i, (url, headers, body) in enumerate(items):
            if not dict(headers)["Content-Type"].startswith("text/html") or "Content-Encoding" in dict(headers):
                continue
            m = TITLE.search(body[:65536])
            title = " ".join(html.unescape(m.group(1).decode("utf-8", "replace")).split()) if m else url
            out.write(json.dumps({"id": str(uuid.uuid5(uuid.NAMESPACE_URL, url)), "url": url,
                                  "ts": capture_date(start, i).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                                  "title": title}, ensure_ascii=False) + "\n")
    os.replace(path + ".tmp", path)


def write(out, filename, base_url, items, gzip, start):
    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    host = base_url.split("://", 1)[1].split("/", 1)[0]
    info = writer.create_warcinfo_record(filename, {
        "software": "indexer Corpora/pack_warc.py (warcio)",
        "format": "WARC File Format 1.1",
        "description": "Debian package documentation packed as a crawl of " + base_url,
        "isPartOf": host,
    })
    info.rec_headers.replace_header("WARC-Record-ID", "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, base_url + "#warcinfo"))
    info.rec_headers.replace_header("WARC-Date", start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    writer.write_record(info)
    for i, (url, headers, body) in enumerate(items):
        when = capture_date(start, i)
        date = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        http_date = email.utils.format_datetime(when.replace(microsecond=0), usegmt=True)
        resp_id = "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, url)
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        req_headers = StatusAndHeaders("GET %s HTTP/1.1" % path, [
            ("Host", host),
            ("User-Agent", "Mozilla/5.0 (compatible; indexer-corpora/1.0)"),
            ("Accept", "*/*"),
            ("Accept-Encoding", "gzip"),
            ("Connection", "keep-alive"),
        ], is_http_request=True)
        req = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), length=0,
                                        http_headers=req_headers, warc_headers_dict={
                                            "WARC-Record-ID": "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, url + "#request"),
                                            "WARC-Date": date,
                                            "WARC-Concurrent-To": resp_id,
                                        })
        hdrs = [(k, http_date if v is None else v) for k, v in headers]
        resp_headers = StatusAndHeaders("200 OK", hdrs, protocol="HTTP/1.1")
        resp = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                         length=len(body), http_headers=resp_headers,
                                         warc_headers_dict={
                                             "WARC-Record-ID": resp_id,
                                             "WARC-Date": date,
                                             "WARC-IP-Address": "127.0.0.1",
                                         })
        writer.write_record(req)
        writer.write_record(resp)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    root, base_url, prefix = sys.argv[1:]
    start = crawl_start(root)
    for suffix, gz in ((".warc", False), (".warc.gz", True)):
        tmp = prefix + suffix + ".tmp"
        with open(tmp, "wb") as out:
            write(out, os.path.basename(prefix + suffix), base_url, records(root, base_url), gz, start)
        os.replace(tmp, prefix + suffix)
    write_pages(prefix + ".pages.jsonl", base_url, records(root, base_url), start)


if __name__ == "__main__":
    main()
