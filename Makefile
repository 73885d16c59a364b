# Two commands matter on a fresh machine: `make demo` and `make test`. Both install what
# they need first (idempotently; we are root on these machines).

SWIFT ?= swift
APT_PACKAGES := pkg-config libsodium-dev libzstd-dev libxml2-dev zlib1g-dev libbrotli-dev libsqlite3-dev nettle-dev
# Peers the remote tests run against: stock nginx serving an index folder, headless Chromium
# driving the search page (installed only when missing; chromium is the large one).
TEST_APT_PACKAGES := nginx chromium
VENV := .venv
PY := $(VENV)/bin/python
# PyPI tools the tests use as independent checkers (CIDs, CAR, WARC writers, the WACZ packager,
# Python-Markdown for the permalinks MkDocs-style pages carry, pywb to replay what results link to).
TEST_PY_PACKAGES := libipld multiformats warcio brotli zstandard snowballstemmer==3.1.1 websocket-client wacz==0.6.0 markdown==3.7 pywb==2.10.0

# `make test-spark` only: the Spark job's engine (pyspark from PyPI) and the Java it runs on.
SPARK_APT_PACKAGES := openjdk-17-jre-headless
SPARK_PY_PACKAGES := pyspark==4.3.0

.PHONY: setup test test-spark check lint format demo bench corpora build release clean wasm wasm-sizes wasm-unicode-check fuzz fuzz-seeds

setup: .setup-done
.setup-done: Makefile
	@missing=""; for p in $(APT_PACKAGES) $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -c "import libipld, multiformats, warcio, brotli, zstandard, snowballstemmer, websocket, wacz, markdown, pywb" 2>/dev/null || $(PY) -m pip install -q $(TEST_PY_PACKAGES)
	@touch .setup-done

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# The CLI tests drive the built binary, and the wasm tests the wasm module: build both first.
# Then the Spark job's check (below): it fits CI's time (about 7 minutes at load 13, plus
# pyspark's download once), so a fresh clone's `make test` covers the distributed build too.
# The hub suites run their live servers on the process's cooperative thread pool, which is as
# wide as the machine's cores (2 here); in one process with everything else, synchronous tests
# (in-process builds, waits on the CLI) could hold both threads for minutes, and the hub
# clients' requests timed out on a loaded machine. So they run in a process of their own.
LIVE_SERVER_SUITES := PublishTests\.Hub
test: setup wasm
	$(SWIFT) build
	INDEXER_PYTHON=$(abspath $(PY)) $(SWIFT) test --parallel --skip '$(LIVE_SERVER_SUITES)'
	INDEXER_PYTHON=$(abspath $(PY)) $(SWIFT) test --filter '$(LIVE_SERVER_SUITES)'
	$(MAKE) --no-print-directory test-spark

# The Spark job (Pipelines/spark) on local[2] against the same partitions built and joined by
# hand; installs Java and pyspark on first use (pyspark is a ~450 MB download).
test-spark: setup
	@missing=""; for p in $(SPARK_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@$(PY) -c "import pyspark" 2>/dev/null || $(PY) -m pip install -q $(SPARK_PY_PACKAGES)
	$(SWIFT) build
	$(PY) Pipelines/spark/test_spark.py .build/debug/indexer

# The fast inner loop: build (with the wasm module, whose parity tests catch a change to the
# query core that Embedded Swift cannot compile; `make wasm` installs what it needs once),
# every test that needs no Python venv, nginx, Chromium or corpora (INDEXER_FAST=1 skips
# those; see Tests/TextTestSupport/Tags.swift), then CHECK_EXTERNAL, lint.
# CHECK_EXTERNAL: the external-tool suites that caught regressions the fast set passed (the
# static page in Chromium behind nginx, remote answers over HTTP, diff over nginx, WARC
# damage from warcio's files): 30 tests, 130 s of test time at load 15.
CHECK_EXTERNAL := StaticSearchPageTests|RemoteSearchTests|diffSinceLastOverHTTP|WARCDamageTests
check: setup wasm
	$(SWIFT) build
	INDEXER_FAST=1 $(SWIFT) test --parallel --skip '$(LIVE_SERVER_SUITES)'
	INDEXER_FAST=1 $(SWIFT) test --filter '$(LIVE_SERVER_SUITES)'
	$(SWIFT) test --filter '$(CHECK_EXTERNAL)'
	$(MAKE) --no-print-directory lint

# `swift format` (from the toolchain) with .swift-format; any finding fails the target.
# `make format` rewrites the tree to match.
lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests Wasm

format:
	$(SWIFT) format format --in-place --recursive --parallel Sources Tests Wasm

demo: release wasm
	bash Pipelines/demo.sh

bench: release
	bash Pipelines/bench.sh

# Coverage-guided fuzzing (libFuzzer, from the toolchain) of the paths hostile files reach:
# WARC framing, gzip/zstd/deflate, HTTP, ZIP/WACZ, HTML. Each target runs FUZZ_SECONDS (default
# 60) over Tests/FuzzCorpus/TARGET; what it finds lands there as crash-* (Pipelines/fuzz.sh),
# replayed by FuzzCorpusTests. Built into .build/fuzz (lld: SwiftPM's renamed `main` and
# libFuzzer's own clash under gold). `make fuzz-seeds` rewrites the seeds from real files.
FUZZ_TARGETS := warc decompress http zip html
fuzz: setup
	for t in $(FUZZ_TARGETS); do \
		$(SWIFT) build --build-path .build/fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING -Xlinker -fuse-ld=lld --product fuzz-$$t || exit 1; \
	done
	bash Pipelines/fuzz.sh $(FUZZ_TARGETS)

fuzz-seeds: setup
	$(PY) Pipelines/fuzz_seeds.py Tests/FuzzCorpus

# Real corpora (Debian linux-doc-6.1 and rust-doc as WARC, WARC.gz, WARC.zst, WACZ, wget crawl,
# HTML folder) under Corpora/build/, not committed; idempotent. See Corpora/README.md.
corpora:
	bash Corpora/build.sh

# The query core as WebAssembly (docs/ARCHITECTURE.md, "The wasm target"): the same Swift
# sources as the CLI, compiled as one Embedded Swift module, with libzstd's decompressor and
# libsodium's BLAKE2b compiled from Debian's source packages (Pipelines/wasm-sources.sh),
# linked with wasi-libc's malloc and compiler-rt's builtins. querycore.wasm imports nothing
# (the page's module); querycore-test.wasm adds a WASI driver for `wasmkit run` in Tests/WasmTests.
WASM_APT_PACKAGES := wasi-libc libclang-rt-dev-wasm32 dpkg-dev binaryen
WASM := .build/wasm
# The read path's files (blocks, tree nodes) throw `ReadFailure` (Sources/Blocks/ReadFailure.swift);
# their modules' Errors.swift are replaced by Wasm/QueryCore/Failure.swift, Sodium and Zstd by
# Platform.swift over the C sources below.
WASM_SWIFT_SOURCES := $(wildcard Sources/Analysis/*.swift Sources/Query/*.swift Sources/Snippets/*.swift) \
	$(addprefix Sources/Support/,ISODate.swift Hex.swift Base32.swift Base64.swift BinaryHeap.swift JSON.swift JSON+Parse.swift JSONWriter.swift) \
	$(addprefix Sources/Blocks/,CID.swift BlockLayout.swift Varint.swift DagCBOR.swift BlockStore.swift ReadFailure.swift) \
	$(addprefix Sources/ProllyTree/,Node.swift NodeReader.swift Tree.swift Tree+Batch.swift TreeParameters.swift Aggregator.swift) \
	$(addprefix Sources/Index/,Schema.swift Segment.swift DocRef.swift DocRecord.swift PostingCursor.swift PostingBlock.swift Aggregates.swift \
		IndexAnalyzer.swift Manifest.swift Bootstrap.swift IndexView.swift DocumentTerms.swift IndexDocument.swift IndexFacets.swift GroupNames.swift \
		TextChunks.swift) \
	$(addprefix Sources/Search/,BM25.swift DocIterators.swift SearchEngine.swift QueryPlan.swift QueryPlan+Parse.swift SearchBudget.swift \
		IndexSearch.swift SearchResult.swift DateOrder.swift Threads.swift PhraseReadAhead.swift) Sources/Index/ReplayTemplate.swift \
	$(wildcard Wasm/QueryCore/*.swift)
# The shared files import the modules they come from; in the one wasm module these are empty.
WASM_EMPTY_MODULES := Support Blocks Sodium Zstd ProllyTree Analysis Index Query Snippets
WASM_TOOLS = $(dir $(realpath $(shell command -v swiftc)))
WASM_ZSTD := $(WASM)/src/libzstd-1.5.4+dfsg2/lib
WASM_SODIUM := $(WASM)/src/libsodium-1.0.18/src/libsodium
# -Oz: 12 KB smaller than -Os linked, 4 KB gzipped (session 6). zstd as its README's smallest
# decoder (what ZSTD_LIB_MINIFY sets): one Huffman decoder (X1) and one sequence decoder (short
# offsets), not inlined; both decode every frame, only slower (issue 14).
WASM_CC = $(WASM_TOOLS)clang --target=wasm32-wasi -Oz -isystem /usr/include/wasm32-wasi \
	-I$(WASM_ZSTD) -I$(WASM_SODIUM)/include -I$(WASM_SODIUM)/include/sodium \
	-DNDEBUG -DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=0 -DCONFIGURED=1 \
	-DHUF_FORCE_DECOMPRESS_X1 -DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT -DZSTD_NO_INLINE -DZSTD_STRIP_ERROR_STRINGS
# The stack first, so an overflow traps instead of running into the data; 1 MiB of it.
WASM_LD = $(WASM_TOOLS)wasm-ld --gc-sections --stack-first -z stack-size=1048576 -L/usr/lib/wasm32-wasi
WASM_UNICODE = $(WASM_TOOLS)../lib/swift/embedded/wasm32-unknown-none-wasm/libswiftUnicodeDataTables.a
WASM_BUILTINS = $$(dpkg -L libclang-rt-14-dev-wasm32 | grep 'builtins-wasm32\.a$$')
# zstd's decompressor alone (no compressor, dictionary builder or legacy formats); BLAKE2b's
# portable code (its SIMD variants are for x86).
WASM_C_LIBRARY := $(addprefix $(WASM_ZSTD)/,common/debug.c common/entropy_common.c common/error_private.c \
	common/fse_decompress.c common/xxhash.c common/zstd_common.c decompress/huf_decompress.c \
	decompress/zstd_ddict.c decompress/zstd_decompress.c decompress/zstd_decompress_block.c) \
	$(addprefix $(WASM_SODIUM)/crypto_generichash/blake2b/ref/,blake2b-ref.c blake2b-compress-ref.c generichash_blake2b.c) \
	$(WASM_SODIUM)/crypto_hash/sha256/cp/hash_sha256_cp.c $(WASM_SODIUM)/crypto_hash/sha512/cp/hash_sha512_cp.c \
	$(WASM_SODIUM)/crypto_sign/ed25519/ref10/open.c $(WASM_SODIUM)/crypto_sign/ed25519/ref10/sign.c $(WASM_SODIUM)/crypto_core/ed25519/ref10/ed25519_ref10.c \
	$(WASM_SODIUM)/crypto_verify/sodium/verify.c

wasm: $(WASM)/querycore.wasm $(WASM)/querycore.wasm.lzma $(WASM)/querycore-test.wasm

$(WASM)/.tools:
	@missing=""; for p in $(WASM_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@mkdir -p $(WASM) && touch $@

# Run again after apt changes anything, to say if the native -dev packages left the pinned
# versions behind; .fetched is left alone (nothing rebuilds) while the pins are the same.
$(WASM)/src/.fetched: Pipelines/wasm-sources.sh $(WASM)/.tools /var/lib/dpkg/status
	@bash Pipelines/wasm-sources.sh $(WASM)/src

$(WASM)/clibrary.a: $(WASM)/src/.fetched Makefile
	@rm -rf $(WASM)/clibrary && mkdir -p $(WASM)/clibrary
	@for f in $(WASM_C_LIBRARY); do \
		$(WASM_CC) -c $$f -o $(WASM)/clibrary/$$(basename $$f .c).o || exit 1; \
	done
	@rm -f $@ && $(WASM_TOOLS)llvm-ar rcD $@ $(WASM)/clibrary/*.o
	@echo "built $@ (zstd decompression, BLAKE2b) from Debian's sources"

$(WASM)/modules/.built: $(WASM)/.tools
	@mkdir -p $(WASM)/modules && echo "// empty: the wasm module compiles this module's files itself" > $(WASM)/modules/empty.swift
	@for m in $(WASM_EMPTY_MODULES); do \
		swiftc -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded -wmo -parse-as-library \
			-module-name $$m -emit-module -emit-module-path $(WASM)/modules/$$m.swiftmodule $(WASM)/modules/empty.swift || exit 1; \
	done
	@touch $@

$(WASM)/querycore.o: $(WASM_SWIFT_SOURCES) $(WASM)/.tools $(WASM)/modules/.built
	swiftc -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded -enable-experimental-feature Extern -wmo -Osize \
		-parse-as-library -Xfrontend -disable-stack-protector -module-name QueryCore -I $(WASM)/modules \
		$(WASM_SWIFT_SOURCES) -c -o $@
	@printf '%s\n' $(WASM_SWIFT_SOURCES) $(wildcard Wasm/QueryCore/*.c Wasm/QueryCore/*.h) > $(WASM)/sources.txt

$(WASM)/%.c.o: Wasm/QueryCore/%.c $(WASM)/src/.fetched
	$(WASM_CC) -c $< -o $@

# unicode.c: the stdlib's normalization tables, compact (before WASM_UNICODE, so the library's
# own normalization object is not linked; its grapheme and case tables still are).
WASM_OBJECTS := $(WASM)/querycore.o $(WASM)/runtime.c.o $(WASM)/blocks.c.o $(WASM)/unicode.c.o $(WASM)/clibrary.a

$(WASM)/unicode.c.o: Wasm/QueryCore/unicode-tables.h

# unicode.c against the library on every scalar (4 minutes in wasmkit; Pipelines/gen_wasm_unicode.py).
WASM_UNICODE_OURS = $(foreach f,getNormData getDecompositionEntry getComposition nfd_decompositions,-D_swift_stdlib_$(f)=ours_$(f))
wasm-unicode-check: $(WASM)/.tools
	$(WASM_CC) $(WASM_UNICODE_OURS) -c Wasm/QueryCore/unicode.c -o $(WASM)/unicode-ours.o
	$(WASM_CC) -c Pipelines/wasm-unicode-check.c -o $(WASM)/unicode-check.o
	$(WASM_LD) /usr/lib/wasm32-wasi/crt1-command.o $(WASM)/unicode-check.o $(WASM)/unicode-ours.o $(WASM_UNICODE) -lc -o $(WASM)/unicode-check.wasm
	wasmkit run $(WASM)/unicode-check.wasm

# querycore.wasm now (2026-12-02, segment format 7): 976,473 bytes, 395,574 gzipped, 286,861 as the page fetches it
# (querycore.wasm.lzma; docs/ARCHITECTURE.md, "Size").
# binaryen's wasm-opt -Oz after the link: 1,378,053 -> 1,161,972 bytes, 472 KB gzipped (about
# 2% less gzipped; session 6); the features are those the toolchain's clang and swiftc emit.
# --low-memory-unused lets it fold a constant added to an address into the load's offset (which
# does not wrap): only an address below 1 KiB reached by wrapping around would differ, and no
# pointer the module makes wraps (-12.6 KB raw, -5.8 KB gzipped; session 9).
WASM_FEATURES = --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int
WASM_OPT = wasm-opt -Oz --low-memory-unused $(WASM_FEATURES)
# The page's module exports only what the page's scripts call (`qc_…` named in Wasm/page/*.js,
# and memory): binaryen's wasm-metadce drops the exports only the tests' driver calls (qc_analyze,
# qc_parse, qc_snippet, qc_search, qc_tree_get, the digests, zstd) and the code only they reach
# (-30 KB raw, -5 KB gzipped; session 9). querycore-test.wasm keeps them all.
WASM_PAGE_EXPORTS = memory $(sort $(shell grep -ho 'qc_[a-z0-9_]*' Wasm/page/*.js))

$(WASM)/querycore.wasm: $(WASM_OBJECTS) $(wildcard Wasm/page/*.js)
	$(WASM_LD) --no-entry --strip-all $(WASM_OBJECTS) $(WASM_UNICODE) -lc $(WASM_BUILTINS) -o $(WASM)/querycore.linked.wasm
	@printf '[%s]\n' "$$(for e in $(WASM_PAGE_EXPORTS); do printf '{"name": "%s", "export": "%s", "root": true},' $$e $$e; done | sed 's/,$$//')" >$(WASM)/page-exports.json
	wasm-metadce $(WASM_FEATURES) -f $(WASM)/page-exports.json $(WASM)/querycore.linked.wasm -o $(WASM)/querycore.dce.wasm >/dev/null
	$(WASM_OPT) $(WASM)/querycore.dce.wasm -o $@
	@echo "$@: $$(wc -c <$@) bytes, $$(gzip -9 <$@ | wc -c) gzipped (linked: $$(wc -c <$(WASM)/querycore.linked.wasm))"

# What the page fetches (and decodes itself, Wasm/page/indexer-search.js's unlzma): browsers'
# DecompressionStream has no brotli (Chromium 156), and LZMA is 27% under gzip -9 on the module,
# 3% under brotli -q 11; the page falls back to querycore.wasm where the file is missing.
$(WASM)/querycore.wasm.lzma: $(WASM)/querycore.wasm Pipelines/lzma-pack.py
	python3 Pipelines/lzma-pack.py $< $@
	@echo "$@: $$(wc -c <$@) bytes"

# Where the module's bytes are (Pipelines/wasm-sizes.py): the page's link with its names and one
# data segment per symbol kept, before wasm-opt (which takes off about 16% evenly). With every
# export: wasm-metadce would drop the name section, so the tests' own entry points (about 30 KB
# raw that querycore.wasm does not carry) are counted here.
wasm-sizes: $(WASM_OBJECTS)
	$(WASM_LD) --no-entry --no-merge-data-segments $^ $(WASM_UNICODE) -lc $(WASM_BUILTINS) -o $(WASM)/querycore.named.wasm
	python3 Pipelines/wasm-sizes.py $(WASM)/querycore.named.wasm --group --modules --gzip

# Optimized as the page's is, so the parity tests run the code the page ships.
$(WASM)/querycore-test.wasm: $(WASM_OBJECTS) $(WASM)/driver.c.o
	$(WASM_LD) /usr/lib/wasm32-wasi/crt1-command.o $^ $(WASM_UNICODE) -lc $(WASM_BUILTINS) -o $(WASM)/querycore-test.linked.wasm
	$(WASM_OPT) $(WASM)/querycore-test.linked.wasm -o $@

clean:
	rm -rf .build .setup-done
