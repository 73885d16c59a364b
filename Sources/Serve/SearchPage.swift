import Snippets

/// The search page at `/`: one self-contained HTML file (inline style and script, no external
/// assets, no build step) that calls `/api/search` as the user types and shows title, URL,
/// date, a post's author and the post it replies to, and the highlighted snippet of each result. A result with a replay link has its title
/// link to the archived capture and its live URL linked beside it; without one the title links
/// to the live URL.
enum SearchPage {
    /// Scripts and styles are inline; the page may only talk to its own server.
    static let contentSecurityPolicy =
        "default-src 'none'; connect-src 'self'; style-src 'unsafe-inline'; "
        + "script-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'"

    static func html(index: String) -> String {
        template.replacingOccurrences(of: "@INDEX@", with: Snippet.escapeHTML(index))
    }

    private static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>indexer search</title>
        <style>
          :root { color-scheme: light dark; --fg: #1b1b1b; --muted: #5f6368; --link: #1a0dab; --mark: #fff3a3; --line: #e3e3e3; }
          @media (prefers-color-scheme: dark) { :root { --fg: #e8e8e8; --muted: #a0a4a8; --link: #8ab4f8; --mark: #5c4b00; --line: #333; } }
          body { font: 16px/1.5 system-ui, sans-serif; color: var(--fg); max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
          form { display: flex; gap: .5rem; }
          input[type=search] { flex: 1; font: inherit; padding: .5rem .75rem; border: 1px solid var(--muted); border-radius: .4rem; }
          select, button { font: inherit; padding: .4rem .6rem; }
          #summary { color: var(--muted); font-size: .9rem; margin: .75rem 0; min-height: 1.5em; }
          ol { list-style: none; padding: 0; margin: 0; }
          li.result { padding: .75rem 0; border-bottom: 1px solid var(--line); }
          a.title { font-size: 1.1rem; color: var(--link); text-decoration: none; overflow-wrap: anywhere; }
          a.title:hover { text-decoration: underline; }
          .meta { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
          a.live { color: inherit; }
          .snippet { margin: .25rem 0 0; }
          mark { background: var(--mark); color: inherit; padding: 0 .1em; border-radius: .15em; }
          .error { color: #c5221f; }
          #more { margin: 1rem 0; display: none; }
        </style>
        </head>
        <body>
        <h1>Search</h1>
        <form id="form" role="search" action="" method="get">
          <input id="q" name="q" type="search" placeholder="words, &quot;phrases&quot;, prefix*, site:host, after:2024 …" autocomplete="off" autofocus>
          <select id="index" name="index" title="index" hidden></select>
          <button type="submit">Search</button>
        </form>
        <div id="summary" aria-live="polite"></div>
        <ol id="results"></ol>
        <button id="more" type="button">More results</button>
        <script>
        "use strict";
        const defaultIndex = "@INDEX@";
        const $ = (id) => document.getElementById(id);
        const params = new URLSearchParams(location.search);
        let controller = null, timer = null, offset = 0, lastQuery = "";

        async function loadIndexes() {
          try {
            const r = await fetch("/api/indexes");
            const list = (await r.json()).indexes || [];
            for (const ix of list) {
              const o = document.createElement("option");
              o.value = ix.name;
              o.textContent = ix.name + " (" + ix.documents + " documents)";
              $("index").append(o);
            }
            $("index").value = params.get("index") || defaultIndex;
            $("index").hidden = list.length < 2;
          } catch (e) { /* the search still works on the default index */ }
        }

        function safeURL(u) { return /^https?:\/\//i.test(u) ? u : null; }

        function render(data, append) {
          const ol = $("results");
          if (!append) ol.replaceChildren();
          for (const r of data.results) {
            const li = document.createElement("li");
            li.className = "result";
            const a = document.createElement("a");
            a.className = "title";
            a.textContent = r.title || r.url;
            const live = safeURL(r.url), replay = safeURL(r.replay || "");
            const href = replay || live;
            if (href) { a.href = href; a.rel = "noopener noreferrer"; }
            if (replay) a.title = "archived " + (r.date || "") + " (replay)";
            const meta = document.createElement("div");
            meta.className = "meta";
            if (replay && live) {
              const l = document.createElement("a");
              l.className = "live"; l.href = live; l.rel = "noopener noreferrer"; l.textContent = r.url;
              meta.append(l);
            } else {
              meta.append(r.url);
            }
            if (r.date) meta.append(" · " + (replay ? "archived " : "") + r.date.slice(0, 10));
            // A site folder's post: its author (as the CLI's byline) and the post it answers.
            if (r.author) meta.append(" · " + (r.authorName ? r.authorName + " (@" + r.author + ")" : "@" + r.author));
            if (r.groupName) meta.append(" · " + r.groupName);
            const parent = safeURL(r.parent || "");
            if (parent) {
              const l = document.createElement("a");
              l.className = "parent"; l.href = parent; l.rel = "noopener noreferrer"; l.textContent = r.parent;
              meta.append(" · reply to ", l);
            }
            const p = document.createElement("p");
            p.className = "snippet";
            p.innerHTML = r.snippetHTML;  // escaped by the server; only <mark> is markup
            li.append(a, meta, p);
            ol.append(li);
          }
          const shown = data.offset + data.results.length;
          $("summary").textContent = data.total === 0 ? "No results" :
            "Results 1–" + shown + " of " + data.total + (data.totalIsExact ? "" : "+") + " (" + data.tookMs + " ms)";
          $("more").style.display = shown < data.total && data.results.length > 0 ? "block" : "none";
        }

        async function search(append) {
          const q = $("q").value.trim();
          if (!append) offset = 0;
          if (!q) { $("results").replaceChildren(); $("summary").textContent = ""; $("more").style.display = "none"; return; }
          if (controller) controller.abort();
          controller = new AbortController();
          const index = $("index").value || defaultIndex;
          const url = "/api/search?" + new URLSearchParams({ q, index, limit: "10", offset: String(offset) });
          try {
            const r = await fetch(url, { signal: controller.signal });
            const data = await r.json();
            if (!r.ok) { $("summary").innerHTML = ""; const s = document.createElement("span"); s.className = "error"; s.textContent = data.error; $("summary").append(s); $("results").replaceChildren(); return; }
            render(data, append);
            if (q !== lastQuery) { history.replaceState(null, "", "?" + new URLSearchParams({ q, index })); lastQuery = q; }
          } catch (e) {
            if (e.name !== "AbortError") $("summary").textContent = "Search failed: " + e.message;
          }
        }

        $("q").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => search(false), 200); });
        $("index").addEventListener("change", () => search(false));
        $("form").addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(timer); search(false); });
        $("more").addEventListener("click", () => { offset += 10; search(true); });
        loadIndexes().then(() => { if (params.get("q")) { $("q").value = params.get("q"); search(false); } });
        </script>
        </body>
        </html>
        """#
}
