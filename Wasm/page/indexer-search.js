// The browser client of an index folder on any static host: the CLI's query engine, compiled
// to WebAssembly (querycore.wasm, docs/ARCHITECTURE.md "The wasm target"), over blocks this
// script fetches. No build step, no dependencies.
//
//   import { openIndex } from "./indexer-search.js";
//   const index = await openIndex("../");              // the folder holding manifest.json
//   const page = await index.search("rust borrow", { limit: 10, offset: 0 });
//   page.results  // [{url, title, date, score, group, snippet (HTML), recordId, file, offset, replay}]
//   index.stats   // {requests, bytes, roundTrips, cacheHits}
//   await index.facets("rust", ["site", "tag"])  // filter counts (qc_facets)
//
// The blocks every query reads first come in `bootstrap.car` beside the manifest (fetched in
// parallel with it; docs/FORMAT.md): the module uses the file when the manifest signs its hash,
// each block verified like any other, so the first search asks only for what lies below them.
// The engine asks for the blocks it lacks (a tree level's siblings at once); they are fetched
// in parallel, each verified against its CID inside the module (BLAKE2b) before it is kept, and
// the search runs again: one call per round trip. Verified blocks are kept in the Cache API by
// CID (they never change), so a later visit reads them without the network.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const CACHE = "indexer-blocks-v1";
/** qc_facets' kinds, in the order of their bits (FacetKind.allCases). */
export const FACET_KINDS = ["tag", "mention", "site", "group", "lang", "year"];

/** The multibase text of a binary CID, as block file names spell it: "b" + base32. */
export function cidText(bytes) {
  let out = "b", buffer = 0, bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * A block's path below the index folder, as the manifest's `blockLayout` names it: absent for
 * `blocks/<cid>`, "next-to-last/2" for `blocks/<xy>/<cid>` (the CID's two characters before its
 * last). Throws for a layout this page does not know rather than fetch wrong URLs.
 */
export function blockPathFor(layout) {
  if (layout === undefined) return (name) => "blocks/" + name;
  if (layout === "next-to-last/2") return (name) => `blocks/${name.slice(-3, -1)}/${name}`;
  throw new Error(`unknown block layout ${JSON.stringify(layout)}: made by a newer version`);
}

/** A framed list (varint length, bytes) as arrays. */
function unframe(bytes) {
  const items = [];
  let i = 0;
  while (i < bytes.length) {
    let n = 0, shift = 0, b;
    do {
      b = bytes[i++];
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    items.push(bytes.slice(i, i + n));
    i += n;
  }
  return items;
}

/** Items framed as a varint length, then the bytes: the module's list format. */
function frame(items) {
  const out = [];
  for (const item of items) {
    let n = item.length;
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    out.push(...item);
  }
  return new Uint8Array(out);
}

/** A score from the hex of its 64 bits (the module prints no floating point). */
function scoreFromBits(hex) {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt("0x" + hex));
  return view.getFloat64(0);
}

/**
 * The LZMA range decoder's state (LZMA SDK's LzmaSpec.cpp is the reference the decoder below
 * follows): the input and where it is read, the range and the code (unsigned 32-bit values kept
 * in int32 and compared with the sign bit flipped, so they stay on the engine's integer paths),
 * and the probabilities. An object rather than variables shared with closures: V8 then runs
 * the decoder about twice as fast.
 */
class RangeDecoder {
  constructor(input, at, probs) {
    this.input = input;
    this.at = at + 4;
    this.range = -1;
    this.code = (input[at] << 24) | (input[at + 1] << 16) | (input[at + 2] << 8) | input[at + 3];
    this.probs = probs;
  }
}

function decodeBit(d, i) {
  const probs = d.probs, p = probs[i], bound = Math.imul(d.range >>> 11, p);
  let range = d.range, code = d.code, b = 0;
  if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
    range = bound;
    probs[i] = p + ((2048 - p) >>> 5);
  } else {
    range = (range - bound) | 0;
    code = (code - bound) | 0;
    probs[i] = p - (p >>> 5);
    b = 1;
  }
  if (range >>> 24 === 0) {
    range <<= 8;
    code = (code << 8) | d.input[d.at++];
  }
  d.range = range;
  d.code = code;
  return b;
}

function bitTree(d, base, bits) {
  let m = 1;
  for (let i = 0; i < bits; i++) m = (m << 1) | decodeBit(d, base + m);
  return m - (1 << bits);
}

function reverseBits(d, base, bits) {
  let m = 1, symbol = 0;
  for (let i = 0; i < bits; i++) {
    const b = decodeBit(d, base + m);
    m = (m << 1) | b;
    symbol |= b << i;
  }
  return symbol;
}

function directBits(d, bits) {
  let value = 0;
  for (let i = 0; i < bits; i++) {
    d.range >>>= 1;
    const b = (d.code ^ 0x80000000) >= (d.range ^ 0x80000000) ? 1 : 0;
    if (b) d.code = (d.code - d.range) | 0;
    value = value * 2 + b;
    if (d.range >>> 24 === 0) {
      d.range <<= 8;
      d.code = (d.code << 8) | d.input[d.at++];
    }
  }
  return value;
}

/** A match length less 2: the choice bits, then a low or mid tree per pos state, or the high tree. */
function matchLength(d, base, posState) {
  if (decodeBit(d, base) === 0) return bitTree(d, base + 2 + (posState << 3), 3);
  if (decodeBit(d, base + 1) === 0) return 8 + bitTree(d, base + 130 + (posState << 3), 3);
  return 16 + bitTree(d, base + 258, 8);
}

/**
 * Decodes an LZMA file (`.lzma`: a properties byte, the dictionary size, the uncompressed size,
 * then the range-coded stream), as `make wasm` writes querycore.wasm.lzma
 * (Pipelines/lzma-pack.py): 27% fewer bytes than gzip -9 on the module. Browsers'
 * DecompressionStream reads gzip and deflate only (Chromium 156 has no brotli). The size must be
 * in the header; an end marker after it is not read.
 */
export function unlzma(input) {
  const props = input[0];
  if (!(props < 225) || input.length < 18 || input[13] !== 0) throw new Error("not an LZMA file");
  const lc = props % 9, lp = Math.floor(props / 9) % 5, pb = Math.floor(props / 45);
  let size = 0;
  for (let i = 12; i >= 5; i--) size = size * 256 + input[i];
  if (size > 0x7fffffff) throw new Error("LZMA: no size in the header");
  const out = new Uint8Array(size);
  // Every probability in one array: is-match (state × pos state), is-rep 0-2, rep0-long, the
  // four distance-slot trees, the distance bits below slot 14, the align bits, the two length
  // coders (choice, choice 2, low and mid trees per pos state, the high tree), the literals.
  const IS_REP = 192, G0 = 204, G1 = 216, G2 = 228, REP0_LONG = 240, SLOT = 432, SPEC = 688, ALIGN = 803;
  const LEN = 819, REP_LEN = 1333, LITERAL = 1847;
  const d = new RangeDecoder(input, 14, new Uint16Array(LITERAL + (0x300 << (lc + lp))).fill(1024));
  const pbMask = (1 << pb) - 1, lpMask = (1 << lp) - 1;
  let pos = 0, state = 0, rep0 = 0, rep1 = 0, rep2 = 0, rep3 = 0;
  while (pos < size) {
    const posState = pos & pbMask;
    if (decodeBit(d, (state << 4) + posState) === 0) {
      const base = LITERAL + 0x300 * (((pos & lpMask) << lc) + ((pos > 0 ? out[pos - 1] : 0) >>> (8 - lc)));
      let symbol = 1;
      if (state >= 7) {
        let match = out[pos - rep0 - 1];
        do {
          const matchBit = (match >>> 7) & 1;
          match <<= 1;
          const b = decodeBit(d, base + ((1 + matchBit) << 8) + symbol);
          symbol = (symbol << 1) | b;
          if (matchBit !== b) break;
        } while (symbol < 0x100);
      }
      while (symbol < 0x100) symbol = (symbol << 1) | decodeBit(d, base + symbol);
      out[pos++] = symbol - 0x100;
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    let len;
    if (decodeBit(d, IS_REP + state) !== 0) {
      if (pos === 0) throw new Error("LZMA: corrupt data");
      if (decodeBit(d, G0 + state) === 0) {
        if (decodeBit(d, REP0_LONG + (state << 4) + posState) === 0) {
          state = state < 7 ? 9 : 11;
          out[pos] = out[pos - rep0 - 1];
          pos++;
          continue;
        }
      } else {
        let dist;
        if (decodeBit(d, G1 + state) === 0) dist = rep1;
        else {
          if (decodeBit(d, G2 + state) === 0) dist = rep2;
          else {
            dist = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = dist;
      }
      len = matchLength(d, REP_LEN, posState);
      state = state < 7 ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      len = matchLength(d, LEN, posState);
      state = state < 7 ? 7 : 10;
      const slot = bitTree(d, SLOT + ((len < 4 ? len : 3) << 6), 6);
      if (slot < 4) rep0 = slot;
      else {
        const bits = (slot >>> 1) - 1;
        rep0 = (2 | (slot & 1)) * 2 ** bits;
        if (slot < 14) rep0 += reverseBits(d, SPEC + rep0 - slot, bits);
        else rep0 += directBits(d, bits - 4) * 16 + reverseBits(d, ALIGN, 4);
        if (rep0 === 0xffffffff) break; // the end marker
      }
      if (rep0 >= pos) throw new Error("LZMA: corrupt data");
    }
    len += 2;
    if (pos + len > size) throw new Error("LZMA: corrupt data");
    for (let from = pos - rep0 - 1, end = pos + len; pos < end; ) out[pos++] = out[from++];
  }
  if (pos !== size || d.at > input.length) throw new Error("LZMA: truncated");
  return out;
}

class Engine {
  constructor(instance) {
    this.exports = instance.exports;
    // build and merge copy whatever module the source folder holds: one older than these
    // scripts would otherwise fail with "… is not a function".
    const missing = ["qc_search_json", "qc_block_add", "qc_trust", "qc_search_order", "qc_facets", "qc_group_names", "qc_bootstrap"].filter((name) => typeof this.exports[name] !== "function");
    if (missing.length) throw new Error(`querycore.wasm is older than this page (no ${missing.join(", ")}): run make wasm, then build again`);
  }

  /** Calls an export with byte arrays and integers; returns {code, bytes}. */
  call(name, arrays, ints = []) {
    const e = this.exports;
    const pointers = arrays.map((a) => {
      const p = e.qc_alloc(a.length);
      new Uint8Array(e.memory.buffer, p, a.length).set(a);
      return p;
    });
    const args = [];
    arrays.forEach((a, i) => args.push(pointers[i], a.length));
    const code = e[name](...args, ...ints);
    // Memory may have grown during the call: views are made afresh.
    const bytes = new Uint8Array(e.memory.buffer, e.qc_output(), e.qc_output_length()).slice();
    pointers.forEach((p) => e.qc_free(p));
    return { code, bytes };
  }
}

/**
 * Opens the index whose folder is `base` (a URL, relative to the page). Options: `wasm` (the
 * module's URL; default `search/querycore.wasm` in that folder; its `.lzma` is tried first),
 * `cache` (false: no Cache API), `trust` (Ed25519 public keys in hex, as `indexer search
 * --trust` reads them: only these groups' segments are searched, and an index signed by none
 * of them is refused).
 */
export async function openIndex(base, options = {}) {
  const root = new URL(base, location.href);
  if (!root.pathname.endsWith("/")) root.pathname += "/";
  const wasmURL = new URL(options.wasm ?? "search/querycore.wasm", root);
  const stats = { requests: 0, bytes: 0, roundTrips: 0, cacheHits: 0 };
  // The Cache API is an optimisation: a browser that does not open it in time (some headless
  // and private modes never answer) searches without it.
  const opening = options.cache !== false && globalThis.caches ? caches.open(CACHE).catch(() => null) : Promise.resolve(null);
  let cache = null;

  async function get(url, init) {
    const response = await fetch(url, init);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    stats.requests += 1;
    stats.bytes += bytes.length;
    return bytes;
  }

  // The module as `.lzma` beside it, decoded here, else as it is (a folder written before the
  // file, a copy without it, or a damaged packed file, which may decode to bytes that do not
  // compile); compiled as soon as it is here, while the manifest and the bootstrap may
  // still be on their way. An index written before bootstrap.car has none: it then reads those
  // blocks level by level.
  const packedURL = new URL(wasmURL);
  packedURL.pathname += ".lzma";
  const compiling = get(packedURL)
    .then((packed) => WebAssembly.compile(unlzma(packed)))
    .catch(() => get(wasmURL).then((bytes) => WebAssembly.compile(bytes)));
  const [module, manifest, bootstrap] = await Promise.all([
    compiling,
    get(new URL("manifest.json", root), { cache: "no-cache" }),
    get(new URL("bootstrap.car", root), { cache: "no-cache" }).catch(() => null),
  ]);
  cache = await Promise.race([opening, new Promise((resolve) => setTimeout(() => resolve(null), 500))]);
  const instance = await WebAssembly.instantiate(module, {});
  const engine = new Engine(instance);
  if (bootstrap) engine.call("qc_bootstrap", [bootstrap]);
  if (options.trust?.length) {
    const keys = options.trust.map((hex) => Uint8Array.from(hex.match(/^[0-9a-f]{64}$/i) ? hex.match(/../g) : [], (b) => parseInt(b, 16)));
    const trusted = engine.call("qc_trust", [frame(keys)]);
    if (trusted.code !== 0) throw new Error(`trust list: ${decoder.decode(trusted.bytes)}`);
  }

  const manifestJSON = JSON.parse(decoder.decode(manifest));
  const blockPath = blockPathFor(manifestJSON.blockLayout);

  async function block(cid) {
    const name = cidText(cid);
    const url = new URL(blockPath(name), root);
    let bytes = null;
    if (cache) {
      const hit = await cache.match(url);
      if (hit) {
        bytes = new Uint8Array(await hit.arrayBuffer());
        stats.cacheHits += 1;
      }
    }
    const fetched = bytes === null;
    if (fetched) bytes = await get(url);
    // Verified in the module against the CID; a refused block is never cached or used.
    const added = engine.call("qc_block_add", [cid, bytes]);
    if (added.code !== 0) {
      if (!fetched && cache) await cache.delete(url);
      throw new Error(`block ${name} refused: ${decoder.decode(added.bytes)}`);
    }
    if (fetched && cache) await cache.put(url, new Response(bytes)).catch(() => {});
  }

  /** Runs a restartable export until it stops asking for blocks. */
  async function run(name, arrays, ints) {
    for (let round = 0; round < 64; round++) {
      const { code, bytes } = engine.call(name, arrays, ints);
      if (code === 0) return decoder.decode(bytes);
      if (code !== 2) {
        const text = decoder.decode(bytes);
        const error = new Error(text);
        if (text.startsWith("query\t")) {
          const [, offset, message] = text.split("\t");
          Object.assign(error, { query: true, offset: Number(offset), message });
        }
        throw error;
      }
      stats.roundTrips += 1;
      // One request per distinct block: two results with the same text ask for one blob twice.
      const wanted = new Map(unframe(bytes).map((cid) => [cidText(cid), cid]));
      await Promise.all([...wanted.values()].map(block));
    }
    throw new Error("the search kept asking for blocks");
  }

  return {
    stats,
    manifest: manifestJSON,
    /** One page of results, as `indexer search --json` gives them. */
    async search(query, { limit = 10, offset = 0, order = "relevance" } = {}) {
      // The order as `indexer search --sort`: relevance, date (newest first) or oldest.
      const code = { relevance: 0, date: 2, oldest: 3 }[order] ?? 0;
      engine.exports.qc_search_order(code);
      const text = await run("qc_search_json", [manifest, encoder.encode(query)], [limit, offset]);
      const lines = text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
      const summary = lines.pop() ?? { total: 0, totalIsExact: true };
      for (const r of lines) r.score = scoreFromBits(r.score);
      return { results: lines, total: summary.total, totalIsExact: summary.totalIsExact };
    },
    /**
     * Filter counts, as `indexer facets` gives them: for each of `kinds` (tag, mention, site,
     * group, lang, year) the top `limit` values, among the whole index when `query` is empty,
     * else among its first `matchLimit` matches. Returns {kind: {values: [[value, count]],
     * matches, truncated}}.
     */
    async facets(query, kinds, { limit = 8, matchLimit = 1000 } = {}) {
      const mask = kinds.reduce((m, k) => m | (1 << FACET_KINDS.indexOf(k)), 0);
      const text = await run("qc_facets", [manifest, encoder.encode(query)], [mask, limit, matchLimit]);
      const out = {};
      for (const line of text.split("\n").filter((l) => l.length > 0)) {
        const f = JSON.parse(line);
        out[f.kind] = f;
      }
      return out;
    },
    /** Group display names from `names.json`, if signed by the manifest's signer ({} otherwise). */
    async groupNames() {
      let names;
      try {
        names = await get(new URL("names.json", root), { cache: "no-cache" });
      } catch {
        return {};
      }
      const { code, bytes } = engine.call("qc_group_names", [manifest, names]);
      return code === 0 ? JSON.parse(decoder.decode(bytes)) : {};
    },
  };
}
