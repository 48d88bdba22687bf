# keycask — build, test, lint, demo, install, bench.
# `make test` is exactly what CI runs (.ci/run).

CARGO   ?= cargo
prefix  ?= /usr/local
DESTDIR ?=
bindir  := $(DESTDIR)$(prefix)/bin
datadir := $(DESTDIR)$(prefix)/share
mandir  := $(datadir)/man/man1

.PHONY: all build test test-deps lint audit fuzz gen gen-check fmt demo install bench clean

all: build

build:
	$(CARGO) build --release --locked

## Installs what the tests need (Debian packages) when it is missing, then
## runs formatting and lint checks and every test.
test: test-deps lint
	$(CARGO) test --locked --doc
	$(CARGO) test --locked --lib --bins --tests

test-deps:
	@scripts/test-deps.sh

## fmt, clippy, generated files current, cargo-deny's offline checks
## (licenses, bans, sources), and the RustSec advisories when the advisory
## database can be had (the network, or a mirror in ADVISORY_DB); when it
## cannot, lint says "NOT CHECKED" and goes on (under CI, CI=true, it fails).
lint: gen-check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	@CARGO=$(CARGO) scripts/deny.sh
	@CARGO=$(CARGO) scripts/audit.sh --if-reachable

## RustSec advisories, required: fails when the database cannot be had.
## ADVISORY_DB=DIR|URL checks against a git mirror of it instead.
audit:
	@CARGO=$(CARGO) scripts/audit.sh

## A bounded fuzz run of every target (FUZZ_SECONDS each, default 60).
## Not part of `make test` (the committed corpora run there as regression
## tests, src/fuzz.rs); CI runs it for 10 s a target before `make test`.
fuzz:
	@CARGO=$(CARGO) scripts/fuzz.sh

## Regenerates completions/ and man/ from src/cli.rs (examples/gen).
gen:
	rm -rf completions man
	$(CARGO) run --locked --quiet --example gen -- .

## Fails when completions/ or man/ differ from what `make gen` would write.
gen-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(CARGO) run --locked --quiet --example gen -- "$$tmp" && \
	if diff -r completions "$$tmp/completions" >/dev/null && diff -r man "$$tmp/man" >/dev/null; then :; else \
		diff -ru completions "$$tmp/completions" | head -40; diff -ru man "$$tmp/man" | head -40; \
		echo "completions/ or man/ are out of date with src/cli.rs: run make gen" >&2; exit 1; fi

fmt:
	$(CARGO) fmt --all

## Walks a throw-away keyring through its life; installs nothing.
demo:
	$(CARGO) build --release --locked --quiet
	@KEYCASK=$(CURDIR)/target/release/keycask scripts/demo.sh

## The binary, the completions (bash, zsh, fish) and the man pages, under
## $(DESTDIR)$(prefix) in the standard places.
install: build
	install -d $(bindir) $(mandir) $(datadir)/bash-completion/completions \
		$(datadir)/zsh/site-functions $(datadir)/fish/vendor_completions.d
	install -m 0755 target/release/keycask $(bindir)/keycask
	install -m 0644 completions/keycask.bash $(datadir)/bash-completion/completions/keycask
	install -m 0644 completions/_keycask $(datadir)/zsh/site-functions/_keycask
	install -m 0644 completions/keycask.fish $(datadir)/fish/vendor_completions.d/keycask.fish
	install -m 0644 man/*.1 $(mandir)/

## Benchmarks (release build, hyperfine); rewrites docs/BENCHMARKS.md figures.
bench:
	$(CARGO) build --release --locked --quiet
	@KEYCASK=$(CURDIR)/target/release/keycask scripts/bench.sh

clean:
	$(CARGO) clean
