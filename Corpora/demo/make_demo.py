#!/usr/bin/env python3
"""Writes the bundled demo corpus under Corpora/demo/ (committed; regenerate with this script).

All text here was written for this project and is released with it (see README.md). Two groups:

  group-a/web.warc.gz      crawl of riverside-makers.example and a few other hosts (warcio)
  group-a/site-alice/      Alice's peer-to-peer site folder: profile.json, posts/*.json, pages
  group-b/web.warc.gz      a second crawl: some identical captures of group A's pages, some newer
                           captures of the same URLs with changed text, some pages of its own
  group-b/site-bob/        Bob's site folder: posts that mention @alice and reply to her posts

The WARCs deliberately hold what real crawls hold: request records, a revisit, a page captured
twice at two URLs, a newer capture of the same URL, a gzip-encoded and a chunked response, a
latin-1 page declared only in the HTTP header, a windows-1252 page declared only in <meta>, a page
without <title>, non-English pages (fr, de, es, ja, ru), a redirect, a 404, a resource record,
images/CSS/JSON/robots.txt. EXPECTED.json lists, per WARC, the counts a reader should find
(html_responses: 2xx HTML response records; html_documents: those plus HTML resource records).

Deterministic: fixed dates and UUIDv5 record IDs, so re-running gives identical bytes.
usage: python make_demo.py   (needs PyPI warcio)
"""
import gzip
import io
import json
import os
import shutil
import struct
import uuid
import zlib
from datetime import datetime, timedelta, timezone

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))
MAKERS = "http://riverside-makers.example"

# ---------------------------------------------------------------- pages (title, paragraphs)
PAGES = {
    "/index.html": ("Riverside Makers — community workshop", [
        "Riverside Makers is a volunteer workshop by the river where neighbours repair bicycles, "
        "bake bread, keep bees and build small solar lanterns together.",
        "We meet every Saturday morning in the old boathouse. Bring something broken; leave with "
        "something that works and a new skill.",
    ]),
    "/bikes/repair-cafe.html": ("Bicycle repair café — Riverside Makers", [
        "At the bicycle repair café volunteers help you true a wheel, adjust brakes and replace a "
        "worn chain. Tools are shared; the knowledge is free.",
        "Most flat tyres are caused by a thorn still stuck in the tyre. Always run your fingers "
        "along the inside before fitting a new inner tube.",
    ]),
    "/bikes/chain-wear.html": ("Measuring chain wear — Riverside Makers", [
        "A chain stretches as its pins and rollers wear. Measure twelve links: if they span more "
        "than 12 1/8 inches the chain is worn and will start to wear the cassette too.",
        "Replacing a chain at 0.5 percent elongation is cheaper than replacing chain, cassette "
        "and chainrings together later.",
    ]),
    "/bikes/winter.html": ("Winter cycling checklist — Riverside Makers", [
        "Before winter: fit mudguards, check that lights are charged, lower tyre pressure a little "
        "for grip, and rinse road salt off the drivetrain every week.",
    ]),
    "/bread/sourdough.html": ("Sourdough starter from scratch — Riverside Makers", [
        "Mix equal weights of wholemeal rye flour and water in a jar. Feed it once a day for a week, "
        "discarding half before each feeding, until it doubles within six hours.",
        "A lively starter smells pleasantly sour, like yoghurt and green apples. A layer of grey "
        "liquid on top only means it is hungry.",
    ]),
    "/bread/rye-loaf.html": ("Dark rye loaf — Riverside Makers", [
        "Rye dough is sticky and never builds gluten the way wheat does, so it is baked in a tin. "
        "Let the loaf rest a full day before slicing it.",
    ]),
    "/bees/hive-inspection.html": ("Hive inspection basics — Riverside Makers", [
        "Inspect hives on warm, calm days around noon when foragers are out. Look for eggs, "
        "capped brood, stores of honey and pollen, and signs of swarming such as queen cells.",
        "Move slowly, use little smoke and keep each frame over the open hive.",
    ]),
    "/bees/honey-harvest.html": ("Honey harvest day — Riverside Makers", [
        "In August we extracted forty kilograms of linden honey from six hives. Frames are "
        "uncapped with a warm knife and spun in the shared extractor.",
    ]),
    "/solar/lantern-kit.html": ("Solar lantern kit — Riverside Makers", [
        "Our lantern kit uses a small photovoltaic panel, a lithium iron phosphate cell, a charge "
        "controller and a warm white LED. Soldering takes about an hour.",
        "A full day of sunshine gives about six hours of light at the medium setting.",
    ]),
    "/solar/battery-safety.html": ("Battery safety — Riverside Makers", [
        "Never short-circuit a lithium cell, store cells at half charge, and recycle swollen "
        "batteries at the municipal collection point rather than in household waste.",
    ]),
    "/garden/compost.html": ("Hot composting in eighteen days — Riverside Makers", [
        "A hot compost heap needs a cubic metre of material, a mix of green and brown matter of "
        "about one to two, moisture like a wrung-out sponge, and turning every second day.",
        "The centre reaches sixty degrees Celsius, which kills most weed seeds.",
    ]),
    "/garden/rainwater.html": ("Rainwater harvesting — Riverside Makers", [
        "One square metre of roof collects about one litre of water per millimetre of rain. Our "
        "boathouse roof filled two thousand litres of barrels in a single spring storm.",
    ]),
    "/garden/seed-library.html": ("Seed library — Riverside Makers", [
        "Borrow seeds in spring, grow them, and return a few seeds from your best plants in autumn. "
        "Tomatoes, beans and lettuce are the easiest to save.",
    ]),
    "/textiles/darning.html": ("Visible mending and darning — Riverside Makers", [
        "Darning weaves new yarn across a hole in rows and columns. A darning mushroom keeps the "
        "fabric taut. Contrasting colours turn a repair into decoration.",
    ]),
    "/textiles/knitting-circle.html": ("Knitting circle — Riverside Makers", [
        "The knitting circle meets on Thursday evenings. Beginners learn the long-tail cast on, "
        "knit and purl stitches, and how to read a simple pattern.",
    ]),
    "/sky/star-party.html": ("Star party on the dyke — Riverside Makers", [
        "On clear moonless nights we set up telescopes on the river dyke. Saturn's rings, the "
        "Andromeda galaxy and the Orion nebula are favourites with children.",
        "Let your eyes adapt to the dark for twenty minutes and use red light only.",
    ]),
    "/sky/meteor-showers.html": ("Meteor showers this year — Riverside Makers", [
        "The Perseids peak around the twelfth of August and the Geminids around the fourteenth of "
        "December. No telescope is needed, just a reclining chair and patience.",
    ]),
    "/birds/river-count.html": ("River bird count — Riverside Makers", [
        "Twice a year volunteers walk the towpath and count birds: grey herons, kingfishers, "
        "moorhens, great crested grebes and the occasional otter, which we also note.",
    ]),
    "/events/2024.html": ("Events calendar 2024 — Riverside Makers", [
        "March: repair café and seed swap. May: hive opening. August: honey harvest and star "
        "party. November: lantern soldering workshop.",
    ]),
    "/about/contact.html": ("Contact and opening hours — Riverside Makers", [
        "The workshop is open on Saturdays from nine to one. Write to us through the notice board "
        "at the boathouse door.",
    ]),
    # Non-English pages.
    "/fr/atelier-velo.html": ("Atelier de réparation de vélos — Riverside Makers", [
        "Chaque samedi, des bénévoles aident à réparer les vélos : réglage des freins, "
        "remplacement de la chaîne, réparation des crevaisons.",
        "L'atelier prête les outils ; on apprend en réparant soi-même.",
    ], "fr"),
    "/de/imkerei.html": ("Imkerei am Fluss — Riverside Makers", [
        "Unsere Bienenvölker stehen auf der Wiese hinter dem Bootshaus. Im Sommer ernten wir "
        "Lindenhonig; die Waben werden mit einem warmen Messer entdeckelt.",
        "Größere Schwärme fangen wir im Mai ein.",
    ], "de"),
    "/es/pan-de-masa-madre.html": ("Pan de masa madre — Riverside Makers", [
        "Mezcle harina integral de centeno y agua a partes iguales. Aliméntela cada día durante "
        "una semana hasta que duplique su volumen en seis horas.",
    ], "es"),
    "/ja/jitensha.html": ("自転車修理カフェ — Riverside Makers", [
        "毎週土曜日の朝、川沿いの古いボートハウスで自転車修理カフェを開いています。",
        "ブレーキの調整やチェーンの交換、パンク修理をボランティアが手伝います。工具は無料で使えます。",
    ], "ja"),
    "/ru/pchely.html": ("Пчеловодство у реки — Riverside Makers", [
        "Наши ульи стоят на лугу за лодочным сараем. В августе мы собираем липовый мёд.",
    ], "ru"),
}

NAV = ["/index.html", "/bikes/repair-cafe.html", "/bread/sourdough.html",
       "/bees/hive-inspection.html", "/solar/lantern-kit.html", "/garden/compost.html",
       "/events/2024.html"]


def page_html(path, title, paras, lang="en", charset="utf-8", meta_charset=True, with_title=True,
              extra_links=()):
    links = "".join('<li><a href="%s">%s</a></li>' % (p, PAGES[p][0].split(" — ")[0])
                    for p in NAV + list(extra_links) if p != path)
    body = "".join("<p>%s</p>\n" % p for p in paras)
    head = '<meta charset="%s">\n' % charset if meta_charset else ""
    if with_title:
        head += "<title>%s</title>\n" % title
    head += '<meta name="description" content="%s">\n' % paras[0][:120].replace('"', "&quot;")
    head += '<link rel="stylesheet" href="/style.css">\n<script>window.dataLayer=[];</script>\n'
    return ("<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n%s</head>\n<body>\n"
            "<nav><ul>%s</ul></nav>\n<main>\n<h1>%s</h1>\n%s</main>\n"
            "<footer>Riverside Makers · volunteer workshop · <a href=\"/about/contact.html\">contact</a></footer>\n"
            "</body>\n</html>\n") % (lang, head, links, title.split(" — ")[0], body)


def page(path, **kw):
    spec = PAGES[path]
    lang = spec[2] if len(spec) > 2 else "en"
    return page_html(path, spec[0], spec[1], lang=lang, **kw).encode("utf-8")


# ---------------------------------------------------------------- WARC writing
class Crawl:
    def __init__(self, path, start, operator):
        self.f = open(path + ".tmp", "wb")
        self.path = path
        self.writer = WARCWriter(self.f, gzip=True, warc_version="1.1")
        self.when = start
        self.counts = {"response": 0, "request": 0, "revisit": 0, "resource": 0, "warcinfo": 0,
                       "metadata": 0, "html_responses": 0, "html_documents": 0}
        info = self.writer.create_warcinfo_record(os.path.basename(path), {
            "software": "indexer Corpora/demo/make_demo.py (warcio)",
            "format": "WARC File Format 1.1", "operator": operator,
            "description": "Demo crawl written for the indexer project; text is freely licensed.",
        })
        self._fix(info, "warcinfo:" + path)
        self._write(info, "warcinfo")

    def _fix(self, record, key):
        record.rec_headers.replace_header("WARC-Record-ID", self.rid(key))
        record.rec_headers.replace_header("WARC-Date", self.date())

    def _write(self, record, kind):
        self.writer.write_record(record)
        self.counts[kind] += 1

    def rid(self, key):
        return "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, self.path + "|" + key)

    def date(self):
        return self.when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def tick(self, seconds=7):
        self.when += timedelta(seconds=seconds)

    def response(self, url, body, ctype="text/html; charset=utf-8", status="200 OK", extra=(),
                 request=True, length_header=True, document=None):
        """A request+response pair; body is the payload exactly as sent on the wire."""
        self.tick()
        http_date = self.when.strftime("%a, %d %b %Y %H:%M:%S GMT")
        headers = [("Date", http_date), ("Server", "nginx/1.22.1")]
        if ctype:
            headers.append(("Content-Type", ctype))
        if length_header:
            headers.append(("Content-Length", str(len(body))))
        headers += list(extra)
        resp_id = self.rid("response:%s:%s" % (url, self.date()))
        if request:
            host = url.split("/")[2]
            path = "/" + url.split("/", 3)[3] if url.count("/") > 2 else "/"
            req = self.writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""), length=0,
                http_headers=StatusAndHeaders("GET %s HTTP/1.1" % path, [
                    ("Host", host), ("User-Agent", "demo-crawler/1.0"),
                    ("Accept-Encoding", "gzip"), ("Referer", MAKERS + "/index.html")],
                    is_http_request=True),
                warc_headers_dict={"WARC-Record-ID": self.rid("request:%s:%s" % (url, self.date())),
                                   "WARC-Date": self.date(), "WARC-Concurrent-To": resp_id})
            self._write(req, "request")
        rec = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Record-ID": resp_id, "WARC-Date": self.date()})
        self._write(rec, "response")
        is_doc = status.startswith("2") and (ctype or "").startswith("text/html")
        if document if document is not None else is_doc:
            self.counts["html_responses"] += 1
            self.counts["html_documents"] += 1
        return rec

    def revisit(self, url, original):
        self.tick(3600)
        rec = self.writer.create_revisit_record(
            url, digest=original.rec_headers.get_header("WARC-Payload-Digest"),
            refers_to_uri=original.rec_headers.get_header("WARC-Target-URI"),
            refers_to_date=original.rec_headers.get_header("WARC-Date"),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                          protocol="HTTP/1.1"))
        self._fix(rec, "revisit:" + url)
        rec.rec_headers.add_header("WARC-Refers-To", original.rec_headers.get_header("WARC-Record-ID"))
        self._write(rec, "revisit")

    def resource(self, url, body, ctype):
        self.tick()
        rec = self.writer.create_warc_record(url, "resource", payload=io.BytesIO(body), length=len(body),
                                             warc_content_type=ctype)
        self._fix(rec, "resource:" + url)
        self._write(rec, "resource")
        if ctype.startswith("text/html"):
            self.counts["html_documents"] += 1

    def metadata(self, url, text):
        rec = self.writer.create_warc_record(url, "metadata", payload=io.BytesIO(text.encode()),
                                             length=len(text.encode()),
                                             warc_content_type="application/warc-fields")
        self._fix(rec, "metadata:" + url)
        self._write(rec, "metadata")

    def close(self):
        self.f.close()
        os.replace(self.path + ".tmp", self.path)
        return self.counts


def gzip_bytes(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(data)
    return out.getvalue()


def chunked(data, size=97):
    parts = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def tiny_png(rgb):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + bytes(rgb) * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


CSS = b"body{font-family:sans-serif;max-width:40em;margin:auto}nav ul{display:flex;gap:1em;list-style:none}\n"


# ---------------------------------------------------------------- group A's crawl
def crawl_a(path):
    c = Crawl(path, datetime(2024, 3, 2, 9, 0, 0, tzinfo=timezone.utc), "Group A: Riverside Makers archive team")
    c.response(MAKERS + "/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain")
    first = c.response(MAKERS + "/index.html", page("/index.html"))
    c.response(MAKERS + "/", page("/index.html"))  # the same payload at a second URL
    c.response(MAKERS + "/style.css", CSS, "text/css")
    c.response(MAKERS + "/img/logo.png", tiny_png((30, 120, 200)), "image/png")
    for p in sorted(PAGES):
        if p in ("/index.html", "/de/imkerei.html", "/bread/rye-loaf.html", "/bikes/winter.html",
                 "/sky/meteor-showers.html", "/events/2024.html"):
            continue
        c.response(MAKERS + p, page(p))
    # latin-1 page whose charset is only in the HTTP header
    c.response(MAKERS + "/de/imkerei.html", page("/de/imkerei.html", charset="iso-8859-1",
               meta_charset=False).decode("utf-8").encode("latin-1", "xmlcharrefreplace"), "text/html; charset=ISO-8859-1")
    # windows-1252 page whose charset is only in <meta>
    c.response(MAKERS + "/bread/rye-loaf.html",
               page("/bread/rye-loaf.html", charset="windows-1252").decode("utf-8").encode("cp1252", "xmlcharrefreplace"),
               "text/html")
    # gzip-encoded response
    c.response(MAKERS + "/bikes/winter.html", gzip_bytes(page("/bikes/winter.html")),
               extra=[("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])
    # chunked response (no Content-Length in the HTTP headers)
    c.response(MAKERS + "/sky/meteor-showers.html", chunked(page("/sky/meteor-showers.html")),
               extra=[("Transfer-Encoding", "chunked")], length_header=False)
    # a page without <title>
    c.response(MAKERS + "/notes/untitled.html", page_html(
        "/notes/untitled.html", "Untitled note", [
            "Reminder: the boathouse key is with the harbour master on Sundays. The padlock code "
            "for the tool shed changes every month."], with_title=False).encode())
    # the events page, then a newer capture of it with changed text
    c.response(MAKERS + "/events/2024.html", page("/events/2024.html"))
    c.tick(86400 * 30)
    c.response(MAKERS + "/events/2024.html", page_html("/events/2024.html", PAGES["/events/2024.html"][0], [
        "March: repair café and seed swap. May: hive opening. August: honey harvest and star "
        "party. November: lantern soldering workshop, moved to the library because of flooding."]).encode())
    # revisit of the front page (identical payload)
    c.revisit(MAKERS + "/index.html", first)
    # redirect and 404
    c.response(MAKERS + "/bikes", b"", "text/html", "301 Moved Permanently",
               extra=[("Location", MAKERS + "/bikes/repair-cafe.html")])
    c.response(MAKERS + "/old/newsletter.html",
               b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>",
               "text/html", "404 Not Found")
    # JSON API response
    c.response(MAKERS + "/api/opening-hours.json",
               json.dumps({"saturday": "09:00-13:00", "thursday": "19:00-21:00"}).encode(), "application/json")
    # an HTML page archived as a resource record (e.g. uploaded by hand, not crawled)
    c.resource(MAKERS + "/flyers/lantern-workshop.html", page_html(
        "/flyers/lantern-workshop.html", "Lantern workshop flyer — Riverside Makers", [
            "Build your own solar lantern in November. Kits cost twelve euros; soldering irons are "
            "provided. Children over ten are welcome with an adult."]).encode(), "text/html; charset=utf-8")
    c.metadata(MAKERS + "/index.html", "outlink: %s/bikes/repair-cafe.html L a/@href\n" % MAKERS)
    # a page on another host
    c.response("http://kyoto-garden.example/notes/momiji.html", page_html(
        "/notes/momiji.html", "紅葉の庭 — Kyoto garden notes", [
            "十一月になると、庭のもみじが赤く色づきます。朝の光の中で見るのがいちばん美しいです。",
            "落ち葉は集めて堆肥にします。"], lang="ja").encode())
    return c.close()


# ---------------------------------------------------------------- group B's crawl
def crawl_b(path):
    c = Crawl(path, datetime(2024, 4, 20, 14, 0, 0, tzinfo=timezone.utc), "Group B: Hilltop Library archive")
    hill = "http://hilltop-library.example"
    # identical captures of pages group A also has (same payload digest)
    for p in ("/index.html", "/bikes/repair-cafe.html", "/garden/compost.html", "/ja/jitensha.html"):
        c.response(MAKERS + p, page(p))
    # same URLs as group A, newer captures with different text
    c.response(MAKERS + "/bees/honey-harvest.html", page_html("/bees/honey-harvest.html",
        "Honey harvest day — Riverside Makers", [
            "In August we extracted forty-six kilograms of linden and clover honey from seven hives. "
            "Frames are uncapped with a warm knife and spun in the shared extractor.",
            "Jars are sold at the repair café; the money buys new frames and foundation wax."]).encode())
    c.response(MAKERS + "/events/2024.html", page_html("/events/2024.html",
        "Events calendar 2024 — Riverside Makers", [
            "March: repair café and seed swap. May: hive opening. August: honey harvest and star "
            "party. November: lantern workshop at the Hilltop Library. December: Geminids watch."]).encode())
    # the library's own pages
    own = {
        "/index.html": ("Hilltop Library — books, tools and seeds", [
            "The Hilltop Library lends books, tools and seeds. Members can borrow a drill, a "
            "sewing machine or a telescope for two weeks."]),
        "/tools/catalogue.html": ("Tool library catalogue — Hilltop Library", [
            "Cordless drill, jigsaw, soldering station, sewing machine, pressure washer, ladder, "
            "bicycle stand, chain checker, and a six-inch reflecting telescope."]),
        "/history/mill.html": ("The old water mill — Hilltop Library", [
            "The water mill on the river ground rye and wheat until 1952. Its wheel was restored by "
            "volunteers in 2019 and turns again on open days."]),
        "/reading/club.html": ("Reading club — Hilltop Library", [
            "This season the reading club reads books about rivers, bees and the night sky. We "
            "meet on the first Tuesday of each month."]),
        "/tools/telescope.html": ("Borrowing the telescope — Hilltop Library", [
            "The six-inch Dobsonian telescope can be borrowed for a week. Join a star party with "
            "Riverside Makers first to learn how to collimate it."]),
        "/fr/bibliotheque.html": ("Bibliothèque d'outils — Hilltop Library", [
            "La bibliothèque prête des livres, des outils et des graines. On peut emprunter une "
            "perceuse ou un télescope pendant deux semaines."], "fr"),
    }
    for p, spec in own.items():
        c.response(hill + p, page_html(p, spec[0], spec[1], lang=spec[2] if len(spec) > 2 else "en",
                                       extra_links=()).encode())
    c.response(hill + "/img/banner.png", tiny_png((200, 160, 40)), "image/png")
    return c.close()


# ---------------------------------------------------------------- peer-to-peer site folders
def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_posts(root, posts):
    """posts: (id, createdAt, text, threadParent or None) -> posts/ID.json"""
    for pid, created, text, parent in posts:
        post = {"text": text, "createdAt": created}
        if parent:
            post["threadParent"] = parent
        write_json(root + "/posts/%s.json" % pid, post)


def site_alice(root):
    write_json(root + "/profile.json", {
        "name": "Alice Moreau",
        "handle": "alice",
        "bio": "Bicycle mechanic and beekeeper at Riverside Makers. I fix things and write about it. #repaircafe #bees",
    })
    posts = [
        ("0001", "2024-03-02T10:15:00Z", "Fixed eleven bikes at the #repaircafe this morning with @bob and @chiara. Most common fault: worn brake pads.", None),
        ("0002", "2024-03-02T18:40:00Z", "Thread: how to measure #chainwear without a special tool. Twelve links should span twelve inches; more than 12 1/8 means replace.", None),
        ("0003", "2024-03-02T18:45:00Z", "If the chain is worn, check the cassette too: a new chain skipping on old cogs is the giveaway. #chainwear #bikes", "/posts/0002.json"),
        ("0004", "2024-05-11T12:05:00Z", "First hive inspection of the year. Eggs, capped brood, no queen cells yet. The linden will flower in June. #bees", None),
        ("0005", "2024-08-17T16:30:00Z", "Honey harvest: forty kilograms from six hives! Thank you @bob for lending the extractor. #bees #honey", None),
        ("0006", "2024-08-18T08:00:00Z", "Star party tonight on the dyke if the sky stays clear. Saturn rises around ten. #stargazing", None),
        ("0007", "2024-11-09T11:20:00Z", "Lantern workshop moved to the library because of the flood. Twelve lanterns soldered, all of them work. #solar", None),
        ("0008", "2024-11-09T11:25:00Z", "Photos of the lanterns are on the notice board. Next time we try a USB charging port. #solar", "/posts/0007.json"),
        ("0009", "2024-12-14T21:10:00Z", "自転車のチェーンを交換しました。#repaircafe", None),
    ]
    write_posts(root, posts)
    write_text(root + "/index.html", page_html("/index.html", "Alice Moreau — bikes and bees", [
        "I repair bicycles at the Riverside Makers repair café and keep six beehives on the river "
        "meadow. My posts are in /posts; my notes are in notes.md.",
    ]))
    write_text(root + "/notes.md", "# Workshop notes\n\nTools to bring on Saturday: chain checker, "
               "cone spanners, tyre levers, a pump with both valve heads.\n\n## Bees\n\n"
               "Feed sugar syrup in September only if the hives feel light. #bees\n")
    write_text(root + "/about/hives.html", page_html("/about/hives.html", "My hives — Alice Moreau", [
        "Six hives on the river meadow: four Warré and two Langstroth. The bees forage on linden, "
        "clover and the willow along the towpath in early spring.",
    ]))


def site_bob(root):
    write_json(root + "/profile.json", {
        "name": "Bob Okafor",
        "handle": "bob",
        "bio": "Librarian at the Hilltop Library. Lends tools, telescopes and seeds. #toollibrary",
    })
    posts = [
        ("a1", "2024-03-02T12:00:00Z", "Great #repaircafe with @alice today. The library now lends a chain checker too. #toollibrary", None),
        ("a2", "2024-04-20T15:30:00Z", "Our six-inch telescope is back from repair. Borrow it for a week, or come to the next star party. #stargazing", None),
        ("a3", "2024-08-17T17:00:00Z", "@alice happy to lend the extractor any time. Linden honey tastes of summer. #honey", "http://alice.example/posts/0005.json"),
        ("a4", "2024-11-09T12:00:00Z", "The lantern workshop was held in our reading room after the flood. Thank you @alice for moving it here. #solar", "http://alice.example/posts/0007.json"),
        ("a5", "2024-12-14T22:00:00Z", "Geminids tonight: forty meteors an hour from the hilltop. #stargazing #meteors", None),
        ("a6", "2025-01-05T09:30:00Z", "Seed library opens for the season on the first of March. Return a few seeds from your best plants in autumn. #seeds #toollibrary", None),
    ]
    write_posts(root, posts)
    write_text(root + "/index.html", page_html("/index.html", "Bob Okafor — Hilltop Library", [
        "I look after the Hilltop Library's tool and seed collections. Posts about what you can "
        "borrow are in /posts.",
    ]))
    write_text(root + "/reading-list.md", "# Reading list\n\n- A history of the river mills\n"
               "- Keeping bees in small gardens\n- The amateur astronomer's handbook\n\n"
               "Suggestions welcome: mention @bob.\n")


def main():
    for d in ("group-a", "group-b"):
        shutil.rmtree(os.path.join(HERE, d), ignore_errors=True)
        os.makedirs(os.path.join(HERE, d))
    expected = {
        "group-a/web.warc.gz": crawl_a(os.path.join(HERE, "group-a/web.warc.gz")),
        "group-b/web.warc.gz": crawl_b(os.path.join(HERE, "group-b/web.warc.gz")),
    }
    site_alice(os.path.join(HERE, "group-a/site-alice"))
    site_bob(os.path.join(HERE, "group-b/site-bob"))
    for name in ("site-alice", "site-bob"):
        group = "group-a" if name == "site-alice" else "group-b"
        root = os.path.join(HERE, group, name)
        expected["%s/%s" % (group, name)] = {
            "posts": len(os.listdir(os.path.join(root, "posts"))),
            "files": sum(len(f) for _, _, f in os.walk(root)),
        }
    write_json(os.path.join(HERE, "EXPECTED.json"), expected)
    print(json.dumps(expected, indent=2))


if __name__ == "__main__":
    main()
