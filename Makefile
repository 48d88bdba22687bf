# keycask — build, test, lint, demo, install, bench.
# `make test` is exactly what CI runs (.ci/run).

CARGO   ?= cargo
prefix  ?= /usr/local
DESTDIR ?=
bindir  := $(DESTDIR)$(prefix)/bin

.PHONY: all build test test-deps lint audit fuzz fmt demo install bench clean

all: build

build:
	$(CARGO) build --release --locked

## Installs what the tests need (Debian packages) when it is missing, then
## runs formatting and lint checks and every test.
test: test-deps lint
	$(CARGO) test --locked

test-deps:
	@scripts/test-deps.sh

## fmt, clippy, and cargo-deny's offline checks (licenses, bans, sources).
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	@CARGO=$(CARGO) scripts/deny.sh

## RustSec advisories: needs the network (the advisory database is fetched).
audit:
	$(CARGO) deny --locked check advisories

## A bounded fuzz run of every target (FUZZ_SECONDS each, default 60).
## Not part of `make test`: the committed corpora run there as regression
## tests (tests/fuzz_corpus.rs) instead.
fuzz:
	@CARGO=$(CARGO) scripts/fuzz.sh

fmt:
	$(CARGO) fmt --all

## Walks a throw-away keyring through its life; installs nothing.
demo:
	$(CARGO) build --release --locked --quiet
	@KEYCASK=$(CURDIR)/target/release/keycask scripts/demo.sh

install: build
	install -d $(bindir)
	install -m 0755 target/release/keycask $(bindir)/keycask

## Benchmarks (release build, hyperfine); rewrites docs/BENCHMARKS.md figures.
bench:
	$(CARGO) build --release --locked --quiet
	@KEYCASK=$(CURDIR)/target/release/keycask scripts/bench.sh

clean:
	$(CARGO) clean
