// Remote-cost peer: Pagefind's own pagefind.js, run under Node 20, against a logging
// static server on loopback (Corpora/serve.py --log). For each query it measures what a browser
// showing a top-10 result page with titles and excerpts fetches:
//   cold: a fresh pagefind.js instance (empty in-memory cache; Node's fetch has no HTTP cache):
//         init (entry JSON, language meta, wasm), search, then data() of the first 10 results;
//   warm: the same query again on the same instance.
// Requests and body bytes come from the server's log; serial round trips from the client: a
// request's depth is 1 + the deepest request that had completed before it started.
// The wasm module (wasm.LANG.pagefind) is left out of requests, bytes and round trips: a browser
// fetches it once per site and caches it. Its size is reported separately.
//
// usage: node pagefind_queries.mjs PAGEFIND_DIR BASE_URL SERVER_LOG QUERIES.txt
// (BASE_URL is where PAGEFIND_DIR is served, e.g. http://127.0.0.1:8123/pagefind/)
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dir, baseURL, logFile, queryFile] = process.argv.slice(2);
if (!queryFile) {
  console.error("usage: node pagefind_queries.mjs PAGEFIND_DIR BASE_URL SERVER_LOG QUERIES.txt");
  process.exit(2);
}
const queries = fs.readFileSync(queryFile, "utf8").split("\n").map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

globalThis.location = new URL(baseURL);  // pagefind.js reads location.href for relative paths

const isWasm = (u) => /\/wasm\.[^/]*\.pagefind$/.test(new URL(u, baseURL).pathname);
let completed = [];  // depths of finished requests in the current measurement
let inFlight = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = typeof input === "string" ? input : input.url ?? String(input);
  const wasm = isWasm(url);
  const depth = wasm ? 0 : 1 + Math.max(0, ...completed);
  const response = await realFetch(input, init);
  const body = await response.arrayBuffer();  // a request is complete when its body has arrived
  if (!wasm) completed.push(depth);
  return new Response(body, { status: response.status, headers: response.headers });
};

const logLines = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean) : []);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(fn) {
  completed = [];
  const before = logLines().length;
  const t0 = performance.now();
  const out = await fn();
  const ms = performance.now() - t0;
  await sleep(30);  // the server logs after it has sent the body
  const entries = logLines().slice(before).map((l) => JSON.parse(l));
  const counted = entries.filter((e) => !/\/wasm\.[^/]*\.pagefind$/.test(e.path));
  return {
    out, ms,
    requests: counted.length,
    bytes: counted.reduce((s, e) => s + e.bytes, 0),
    roundTrips: Math.max(0, ...completed),
    wasmBytes: entries.filter((e) => !counted.includes(e)).reduce((s, e) => s + e.bytes, 0),
  };
}

async function resultPage(pagefind, q) {
  const search = await pagefind.search(q);
  const data = await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
  return { total: search.results.length, titles: data.map((d) => d.meta?.title), urls: data.map((d) => d.url) };
}

const modulePath = pathToFileURL(path.resolve(dir, "pagefind.js")).href;
const perQuery = [];
let wasmBytes = 0;
for (const [i, q] of queries.entries()) {
  let pagefind;
  const cold = await measure(async () => {
    pagefind = await import(`${modulePath}?instance=${i}`);
    await pagefind.options({ basePath: baseURL });
    await pagefind.init();
    return resultPage(pagefind, q);
  });
  const warm = await measure(() => resultPage(pagefind, q));
  wasmBytes = Math.max(wasmBytes, cold.wasmBytes);
  perQuery.push({
    query: q, results: cold.out.total,
    cold: { requests: cold.requests, bytes: cold.bytes, roundTrips: cold.roundTrips, ms: Math.round(cold.ms) },
    warm: { requests: warm.requests, bytes: warm.bytes, roundTrips: warm.roundTrips, ms: Math.round(warm.ms) },
  });
  await pagefind.destroy?.();
}
const mean = (f) => perQuery.reduce((s, p) => s + f(p), 0) / perQuery.length;
const median = (f) => { const v = perQuery.map(f).sort((a, b) => a - b); return v[Math.floor((v.length - 1) / 2)]; };
console.log(JSON.stringify({
  tool: "pagefind.js", queries: perQuery.length, wasm_bytes_excluded: wasmBytes,
  cold: {
    requests_mean: +mean((p) => p.cold.requests).toFixed(2), bytes_mean: Math.round(mean((p) => p.cold.bytes)),
    bytes_median: median((p) => p.cold.bytes), round_trips_mean: +mean((p) => p.cold.roundTrips).toFixed(2),
  },
  warm: {
    requests_mean: +mean((p) => p.warm.requests).toFixed(2), bytes_mean: Math.round(mean((p) => p.warm.bytes)),
    round_trips_mean: +mean((p) => p.warm.roundTrips).toFixed(2),
  },
  per_query: perQuery,
}));
