// The search page's interface, mounted into an element with `data-indexer-search` (its value:
// the index folder's URL, relative to the page; empty: the folder above this script), with
// an optional `data-indexer-trust` (the Ed25519 public keys, in hex, whose groups it searches;
// space-separated, as `indexer search --trust` takes them one per line). The
// page indexer build writes (search/index.html) is one such element; an existing site embeds
// the same with the snippet in search/embed.html.
import { openIndex } from "./indexer-search.js";

const STYLE = `
  .indexer-search form { display: flex; gap: .5rem; }
  .indexer-search input[type=search] { flex: 1; min-width: 0; font-size: 1.05rem; padding: .5rem; border: 1px solid #888; border-radius: 4px; }
  .indexer-search .status { color: #555; font-size: .9rem; margin: .5rem 0; min-height: 1.2em; }
  .indexer-search ol { list-style: none; padding: 0; margin: 0; }
  .indexer-search li { margin: 0 0 1.1rem; overflow-wrap: anywhere; }
  .indexer-search li h2 { font-size: 1.05rem; margin: 0; }
  .meta { color: #2d6a2d; font-size: .85rem; }
  .snippet { margin: .2rem 0 0; font-size: .95rem; }
  mark { background: #fde68a; color: inherit; }
  button { font-size: 1rem; padding: .4rem .9rem; }
  a:focus, input:focus, button:focus { outline: 2px solid #1d4ed8; outline-offset: 2px; }
  .error { color: #a40000; }
  .indexer-hidden { position: absolute; left: -9999px; }
`;

function mount(host) {
  const given = host.dataset.indexerSearch;
  const base = given ? new URL(given, location.href).href : new URL("..", import.meta.url).href;
  if (!document.getElementById("indexer-search-style")) {
    const style = document.createElement("style");
    style.id = "indexer-search-style";
    style.textContent = STYLE;
    document.head.append(style);
  }
  host.classList.add("indexer-search");
  host.innerHTML = `
    <form role="search">
      <label for="indexer-q" class="indexer-hidden">Search this collection</label>
      <input type="search" id="indexer-q" name="q" autocomplete="off"
        placeholder="words, &quot;a phrase&quot;, site:, tag:, -exclude" aria-describedby="indexer-status">
      <button type="submit">Search</button>
    </form>
    <p id="indexer-status" class="status" role="status" aria-live="polite"></p>
    <ol class="results" aria-label="Results"></ol>
    <button class="more" hidden>More results</button>`;
  const input = host.querySelector("input"), status = host.querySelector(".status");
  const list = host.querySelector(".results"), more = host.querySelector(".more");
  const trust = (host.dataset.indexerTrust ?? "").split(/\s+/).filter((k) => k.length > 0);
  const indexReady = openIndex(base, { trust });
  let latest = 0, shown = 0, current = "";
  function result(r) {
    const li = document.createElement("li");
    li.className = "result";
    const h2 = document.createElement("h2");
    const a = document.createElement("a");
    a.href = r.replay ?? r.url;
    a.className = "title";
    a.textContent = r.title || r.url;
    h2.append(a);
    const meta = document.createElement("div");
    meta.className = "meta";
    const date = r.date ? new Date(r.date * 1000).toISOString().slice(0, 10) + " · " : "";
    meta.textContent = `${r.url} · ${date}group ${r.groupName ?? r.group}`;
    if (r.replay) {
      const live = document.createElement("a");
      live.href = r.url;
      live.className = "live";
      live.textContent = "live page";
      meta.append(" · ", live);
    }
    const p = document.createElement("p");
    p.className = "snippet";
    // The module escapes the text and adds only <mark> elements.
    p.innerHTML = r.snippet;
    li.append(h2, meta, p);
    return li;
  }

  async function run(query, append) {
    const ticket = ++latest;
    if (!query.trim()) {
      list.replaceChildren();
      status.textContent = "";
      more.hidden = true;
      return;
    }
    status.textContent = "Searching…";
    try {
      const index = await indexReady;
      const page = await index.search(query, { limit: 10, offset: append ? shown : 0 });
      if (ticket !== latest) return;  // a newer query was typed meanwhile
      if (!append) { list.replaceChildren(); shown = 0; }
      for (const r of page.results) list.append(result(r));
      shown += page.results.length;
      const s = index.stats;
      status.textContent = `${page.totalIsExact ? "" : "at least "}${page.total} results · ${s.requests} requests, ${(s.bytes / 1024).toFixed(1)} KiB so far`;
      more.hidden = shown >= page.total || page.results.length === 0;
      status.classList.remove("error");
    } catch (e) {
      if (ticket !== latest) return;
      status.textContent = e.query ? `Query error at character ${e.offset + 1}: ${e.message}` : `Cannot search: ${e.message}`;
      status.classList.add("error");
      if (!append) list.replaceChildren();
      more.hidden = true;
    }
  }

  function search() {
    current = input.value;
    const url = new URL(location.href);
    if (current) url.searchParams.set("q", current); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    run(current, false);
  }

  let timer = 0;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  host.querySelector("form").addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(timer); search(); });
  more.addEventListener("click", () => run(current, true));
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; search(); }
  input.focus();
}

for (const host of document.querySelectorAll("[data-indexer-search]")) mount(host);
