// The search page's interface, mounted into an element with `data-indexer-search` (its value:
// the index folder's URL, relative to the page; empty: the folder above this script), with
// optional `data-indexer-autofocus` (the box takes the focus on load) and `data-indexer-trust`
// (the Ed25519 public keys, in hex, whose groups it searches; space-separated, as `indexer
// search --trust` takes them one per line). The page indexer build writes (search/index.html)
// is one such element; an existing site embeds the same with the snippet in search/embed.html.
//
// Filters (site, tag, mention, group, language, date) are query syntax added to what is typed
// (`site:(a OR b) lang:en date:2024..2025`), so the engine filters exactly as `indexer search`
// does; their counts are `indexer facets`' (qc_facets), read only while the filter panel is
// open. The page's URL carries the query and the filters (`?q=…&site=…&from=…`): a search can
// be linked and bookmarked.
import { openIndex } from "./indexer-search.js";

const STYLE = `
  .indexer-search { --accent: #1d4ed8; }
  .indexer-search form { display: flex; gap: .5rem; }
  .indexer-search input[type=search] { flex: 1; min-width: 0; font-size: 1.05rem; padding: .5rem; border: 1px solid #888; border-radius: 4px; }
  .indexer-search .status { color: #555; font-size: .9rem; margin: .5rem 0; min-height: 1.2em; }
  .indexer-search ol { list-style: none; padding: 0; margin: 0; }
  .indexer-search li.result { margin: 0 0 1.1rem; overflow-wrap: anywhere; }
  .indexer-search li h2 { font-size: 1.05rem; margin: 0; }
  .indexer-search details { margin: .5rem 0; font-size: .9rem; }
  .indexer-search summary { cursor: pointer; color: #333; }
  .indexer-search fieldset { border: 0; margin: .4rem 0; padding: 0; min-width: 0; }
  .indexer-search legend { font-weight: 600; padding: 0; margin-bottom: .2rem; }
  .indexer-search .values { display: flex; flex-wrap: wrap; gap: .3rem; }
  .indexer-search .values button, .indexer-search .chips button { font-size: .85rem; padding: .2rem .5rem; border: 1px solid #aaa;
    border-radius: 1rem; background: #f6f6f6; max-width: 100%; overflow-wrap: anywhere; text-align: left; cursor: pointer; }
  .indexer-search .values button[aria-pressed=true] { background: #dbeafe; border-color: var(--accent); }
  .indexer-search .count { color: #555; margin-left: .3rem; }
  .indexer-search .chips { display: flex; flex-wrap: wrap; gap: .3rem; margin: .3rem 0; }
  .indexer-search .dates { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  .indexer-search .dates input { width: 7.5rem; padding: .2rem; }
  .indexer-search .sort { display: block; margin: .5rem 0 0; font-size: .9rem; }
  .indexer-search .help dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: .4rem 0; }
  .indexer-search .help dt { font-family: monospace; }
  .indexer-search .help dd { margin: 0; }
  .meta { color: #2d6a2d; font-size: .85rem; }
  .snippet { margin: .2rem 0 0; font-size: .95rem; }
  mark { background: #fde68a; color: inherit; }
  .indexer-search > form button, .indexer-search .more { font-size: 1rem; padding: .4rem .9rem; }
  .indexer-search a:focus, .indexer-search input:focus, .indexer-search button:focus, .indexer-search summary:focus { outline: 2px solid var(--accent); outline-offset: 2px; }
  .error { color: #a40000; }
  .indexer-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

/** The filter kinds the page offers, with their labels and query fields. */
const KINDS = [
  { kind: "site", label: "Site", field: "site" },
  { kind: "group", label: "Group", field: "group" },
  { kind: "tag", label: "Tag", field: "tag" },
  { kind: "mention", label: "Mention", field: "mention" },
  { kind: "lang", label: "Language", field: "lang" },
];

const HELP = [
  ["rust borrow", "pages with both words"],
  ['"seed library"', "the exact phrase"],
  ["seed OR garden", "either word"],
  ["garden -kyoto", "without a word"],
  ["compo*", "words starting with compo"],
  ["title:garden", "in the title (also url:, body:)"],
  ["site:example.org", "one site and its subdomains"],
  ["tag:x  #x  @name", "a tag, a mention"],
  ["date:2024-05  after:2024", "a date or range (date:2024-01..2024-03)"],
];

/** `url` if it is an http(s) URL, else null. */
function web(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

/** A filter value as query syntax: bare when it is one plain word, else a quoted phrase. */
function value(v) {
  return /^[\p{L}\p{N}._\-@/:+]+$/u.test(v) ? v : `"${v.replace(/"/g, "")}"`;
}

/** The query clauses of the chosen filters: `field:v` or `field:(a OR b)`, and the dates. */
export function filterClauses(filters) {
  const out = [];
  for (const { kind, field } of KINDS) {
    const vs = [...(filters[kind] ?? [])];
    if (vs.length === 1) out.push(`${field}:${value(vs[0])}`);
    else if (vs.length > 1) out.push(`${field}:(${vs.map(value).join(" OR ")})`);
  }
  if (filters.from || filters.to) out.push(`date:${filters.from ?? ""}..${filters.to ?? ""}`);
  return out;
}

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
      <input type="search" id="indexer-q" name="q" autocomplete="off" enterkeyhint="search"
        placeholder="words, &quot;a phrase&quot;, -exclude" aria-describedby="indexer-status" aria-controls="indexer-results">
      <button type="submit">Search</button>
    </form>
    <label class="sort">Sort <select name="sort">
      <option value="relevance">by relevance</option><option value="date">newest first</option><option value="oldest">oldest first</option>
    </select></label>
    <details class="help"><summary>Search syntax</summary><dl></dl></details>
    <details class="filters"><summary>Filters</summary>
      <div class="facets"></div>
      <fieldset class="dates"><legend>Date</legend>
        <label>from <input name="from" inputmode="numeric" placeholder="2024-01" pattern="\\d{4}(-\\d{2}(-\\d{2})?)?"></label>
        <label>to <input name="to" inputmode="numeric" placeholder="2024-12" pattern="\\d{4}(-\\d{2}(-\\d{2})?)?"></label>
        <span class="values years"></span>
      </fieldset>
      <p class="facet-status status" aria-live="polite"></p>
    </details>
    <div class="chips" aria-label="Active filters"></div>
    <p id="indexer-status" class="status" role="status" aria-live="polite"></p>
    <ol class="results" id="indexer-results" aria-label="Results"></ol>
    <button class="more" hidden>More results</button>`;
  const input = host.querySelector("input[type=search]"), status = host.querySelector("#indexer-status");
  const list = host.querySelector(".results"), more = host.querySelector(".more");
  const panel = host.querySelector("details.filters"), facetBox = host.querySelector(".facets");
  const facetStatus = host.querySelector(".facet-status"), chips = host.querySelector(".chips");
  const fromInput = host.querySelector("input[name=from]"), toInput = host.querySelector("input[name=to]");
  const years = host.querySelector(".years"), sort = host.querySelector("select[name=sort]");
  host.querySelector(".help dl").append(...HELP.flatMap(([syntax, meaning]) => {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = syntax;
    dd.textContent = meaning;
    return [dt, dd];
  }));

  const trust = (host.dataset.indexerTrust ?? "").split(/\s+/).filter((k) => k.length > 0);
  const indexReady = openIndex(base, { trust });
  // Group display names, only for an index of several groups (a hub's merged index), as the CLI.
  const namesReady = indexReady.then((index) => {
    const signer = index.manifest.signer?.publicKey;
    return (index.manifest.index?.versions ?? []).some((v) => v.publicKey !== signer) ? index.groupNames() : {};
  }).catch(() => ({}));
  const filters = { from: null, to: null };
  for (const { kind } of KINDS) filters[kind] = new Set();
  // Results per answer and per "More results": 5, as Pagefind's default UI shows. Each result
  // shown costs its record and text blocks (its snippet): a later query fetches 0.70-0.77x the
  // bytes 10 cost (BENCHMARKS.md, "Search page in the browser").
  const PAGE = 5;
  let latest = 0, latestFacets = 0, shown = 0, current = "";
  // Counted on the element once each answer is shown (tests and benchmarks wait for them);
  // firstResultMs: the page's clock when the first results were shown.
  let answers = 0, facetAnswers = 0;
  const answered = () => {
    host.dataset.answers = String(++answers);
    if (list.children.length > 0 && !host.dataset.firstResultMs) host.dataset.firstResultMs = String(Math.round(performance.now()));
  };

  function query() {
    return [input.value.trim(), ...filterClauses(filters)].filter((s) => s.length > 0).join(" ");
  }

  function result(r, names) {
    const li = document.createElement("li");
    li.className = "result";
    const h2 = document.createElement("h2");
    const a = document.createElement("a");
    // Only http(s) links: an index is data, and a javascript: URL in it must not become one.
    const href = web(r.replay) ?? web(r.url);
    if (href) a.href = href;
    a.className = "title";
    a.textContent = r.title || r.url;
    h2.append(a);
    const meta = document.createElement("div");
    meta.className = "meta";
    const date = r.date ? new Date(r.date * 1000).toISOString().slice(0, 10) + " · " : "";
    meta.textContent = `${r.url} · ${date}group ${names[r.group] ?? r.group}`;
    if (web(r.replay) && web(r.url)) {
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

  async function run(q, append) {
    const ticket = ++latest;
    if (!q) {
      list.replaceChildren();
      status.textContent = "";
      status.classList.remove("error");
      more.hidden = true;
      answered();
      return;
    }
    status.textContent = "Searching…";
    try {
      const index = await indexReady;
      const page = await index.search(q, { limit: PAGE, offset: append ? shown : 0, order: sort.value });
      const names = await namesReady;
      if (ticket !== latest) return;  // a newer query was typed meanwhile
      if (!append) { list.replaceChildren(); shown = 0; }
      for (const r of page.results) list.append(result(r, names));
      shown += page.results.length;
      const s = index.stats;
      const count = page.total === 1 ? "1 result" : `${page.totalIsExact ? "" : "at least "}${page.total} results`;
      status.textContent = `${count} · ${s.requests} requests, ${(s.bytes / 1024).toFixed(1)} KiB so far`;
      more.hidden = shown >= page.total || page.results.length === 0;
      status.classList.remove("error");
      if (append && page.results.length > 0) list.children[shown - page.results.length]?.querySelector("a")?.focus();
      answered();
    } catch (e) {
      if (ticket !== latest) return;
      status.textContent = e.query ? `Query error at character ${e.offset + 1}: ${e.message}` : `Cannot search: ${e.message}`;
      status.classList.add("error");
      if (!append) list.replaceChildren();
      more.hidden = true;
      answered();
    }
  }

  function toggle(kind, v, label, n) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.kind = kind;
    b.dataset.value = v;
    b.setAttribute("aria-pressed", String(filters[kind]?.has(v) ?? false));
    b.append(label);
    if (n !== null) {
      const c = document.createElement("span");
      c.className = "count";
      c.textContent = String(n);
      c.setAttribute("aria-label", `${n} documents`);
      b.append(c);
    }
    return b;
  }

  /** The counts for what is searched now; only while the panel is open (they cost reads). */
  async function loadFacets() {
    if (!panel.open) return;
    const ticket = ++latestFacets;
    facetStatus.textContent = "Counting…";
    try {
      const index = await indexReady;
      const names = await namesReady;
      const q = query();
      const counts = await index.facets(q, [...KINDS.map((k) => k.kind), "year"]);
      if (ticket !== latestFacets) return;
      facetBox.replaceChildren();
      for (const { kind, label } of KINDS) {
        const values = counts[kind]?.values ?? [];
        // A chosen value stays shown (and can be unchosen) even when it no longer counts.
        for (const v of filters[kind]) if (!values.some(([x]) => x === v)) values.push([v, 0]);
        if (values.length === 0) continue;
        const set = document.createElement("fieldset");
        const legend = document.createElement("legend");
        legend.textContent = label;
        const box = document.createElement("div");
        box.className = "values";
        for (const [v, n] of values) box.append(toggle(kind, v, kind === "group" ? names[v] ?? v : v, n));
        set.append(legend, box);
        facetBox.append(set);
      }
      years.replaceChildren(...(counts.year?.values ?? []).sort((a, b) => a[0].localeCompare(b[0])).map(([y, n]) => toggle("year", y, y, n)));
      const any = Object.values(counts)[0];
      facetStatus.textContent = !any || any.matches < 0 ? "Counts over the whole collection."
        : any.truncated ? `Counted among the first ${any.matches} matches.` : `Counted among ${any.matches} matches.`;
    } catch (e) {
      if (ticket !== latestFacets) return;
      facetStatus.textContent = `Cannot count: ${e.message}`;
    }
    host.dataset.facetAnswers = String(++facetAnswers);
  }

  function renderChips() {
    chips.replaceChildren();
    const add = (text, remove) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = `${text} ✕`;
      b.setAttribute("aria-label", `Remove filter ${text}`);
      b.addEventListener("click", () => { remove(); changed(); });
      chips.append(b);
    };
    for (const { kind, field } of KINDS) for (const v of filters[kind]) add(`${field}:${v}`, () => filters[kind].delete(v));
    if (filters.from || filters.to) add(`date:${filters.from ?? ""}..${filters.to ?? ""}`, () => { filters.from = filters.to = null; fromInput.value = toInput.value = ""; });
  }

  function syncURL() {
    const url = new URL(location.href);
    for (const k of ["q", "from", "to", "sort", ...KINDS.map((k) => k.kind)]) url.searchParams.delete(k);
    if (input.value) url.searchParams.set("q", input.value);
    if (sort.value !== "relevance") url.searchParams.set("sort", sort.value);
    for (const { kind } of KINDS) for (const v of filters[kind]) url.searchParams.append(kind, v);
    if (filters.from) url.searchParams.set("from", filters.from);
    if (filters.to) url.searchParams.set("to", filters.to);
    history.replaceState(null, "", url);
  }

  function search() {
    current = query();
    syncURL();
    renderChips();
    run(current, false);
    loadFacets();
  }

  function changed() {
    clearTimeout(timer);
    search();
  }

  let timer = 0;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener("keydown", (e) => { if (e.key === "Escape" && input.value) { input.value = ""; changed(); } });
  host.querySelector("form").addEventListener("submit", (e) => { e.preventDefault(); changed(); });
  more.addEventListener("click", () => run(current, true));
  sort.addEventListener("change", changed);
  panel.addEventListener("toggle", loadFacets);
  panel.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-kind]");
    if (!b) return;
    const { kind, value: v } = b.dataset;
    if (kind === "year") {
      const on = filters.from === v && filters.to === v;
      filters.from = filters.to = on ? null : v;
      fromInput.value = toInput.value = filters.from ?? "";
    } else if (filters[kind].has(v)) filters[kind].delete(v);
    else filters[kind].add(v);
    changed();
  });
  for (const box of [fromInput, toInput]) {
    box.addEventListener("change", () => {
      if (!box.checkValidity()) return;
      filters[box.name] = box.value.trim() || null;
      changed();
    });
  }
  // "/" focuses the search box, as on many sites, unless typing somewhere already.
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName)) {
      e.preventDefault();
      input.focus();
    }
  });

  const params = new URLSearchParams(location.search);
  input.value = params.get("q") ?? "";
  if ([...sort.options].some((o) => o.value === params.get("sort"))) sort.value = params.get("sort");
  for (const { kind } of KINDS) for (const v of params.getAll(kind)) filters[kind].add(v);
  filters.from = params.get("from");
  filters.to = params.get("to");
  fromInput.value = filters.from ?? "";
  toInput.value = filters.to ?? "";
  if ([...KINDS.map((k) => k.kind), "from", "to"].some((k) => params.has(k))) panel.open = true;
  if (query()) search();
  // Only the page of its own takes the focus; embedded in a site's page, the box waits for "/".
  if (host.hasAttribute("data-indexer-autofocus")) input.focus();
}

for (const host of document.querySelectorAll("[data-indexer-search]")) mount(host);
