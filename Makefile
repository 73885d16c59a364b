# Two commands matter on a fresh machine: `make demo` and `make test`. Both install what
# they need first (idempotently; we are root on these machines).

SWIFT ?= swift
APT_PACKAGES := pkg-config libsodium-dev libzstd-dev libxml2-dev zlib1g-dev libbrotli-dev libsqlite3-dev
# Peers the remote tests run against: stock nginx serving an index folder, headless Chromium
# driving the search page (installed only when missing; chromium is the large one).
TEST_APT_PACKAGES := nginx chromium
VENV := .venv
PY := $(VENV)/bin/python
# PyPI tools the tests use as independent checkers (CIDs, CAR, WARC writers, the WACZ packager,
# Python-Markdown for the permalinks MkDocs-style pages carry).
TEST_PY_PACKAGES := libipld multiformats warcio brotli zstandard snowballstemmer==3.1.1 websocket-client wacz==0.6.0 markdown==3.7

# `make test-spark` only: the Spark job's engine (pyspark from PyPI) and the Java it runs on.
SPARK_APT_PACKAGES := openjdk-17-jre-headless
SPARK_PY_PACKAGES := pyspark==4.3.0

.PHONY: setup test test-spark check lint format demo bench corpora build release clean

setup: .setup-done
.setup-done: Makefile
	@missing=""; for p in $(APT_PACKAGES) $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -c "import libipld, multiformats, warcio, brotli, zstandard, snowballstemmer, websocket, wacz, markdown" 2>/dev/null || $(PY) -m pip install -q $(TEST_PY_PACKAGES)
	@touch .setup-done

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# The CLI tests drive the built binary, so build it first.
test: setup
	$(SWIFT) build
	INDEXER_PYTHON=$(abspath $(PY)) $(SWIFT) test --parallel

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

# The fast inner loop, installing nothing: build, every test that needs no Python venv, nginx,
# Chromium or corpora (INDEXER_FAST=1 skips those; see Tests/TextTestSupport/Tags.swift), lint.
check:
	$(SWIFT) build
	INDEXER_FAST=1 $(SWIFT) test --parallel
	$(MAKE) --no-print-directory lint

# `swift format` (from the toolchain) with .swift-format; any finding fails the target.
# `make format` rewrites the tree to match.
lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests

format:
	$(SWIFT) format format --in-place --recursive --parallel Sources Tests

demo: release
	bash Pipelines/demo.sh

bench: release
	bash Pipelines/bench.sh

# Real corpora (Debian linux-doc-6.1 and rust-doc as WARC, WARC.gz, WARC.zst, WACZ, wget crawl,
# HTML folder) under Corpora/build/, not committed; idempotent. See Corpora/README.md.
corpora:
	bash Corpora/build.sh

clean:
	rm -rf .build .setup-done
