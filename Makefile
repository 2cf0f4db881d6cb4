# medlearn: two commands on a fresh machine.
#   make test   set everything up and run every test
#   make book   set everything up and build the executed book into _build/html
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
TORCH := torch==2.13.0
export PATH := $(BIN):$(PATH)

.PHONY: venv chromium bubblewrap postgresql mathjax chp test test-fast book lab assignments grade bench lint clean

# The environment is rebuilt only when the pins change. torch goes first, on its
# own: every later install is constrained to it, so nothing pulls another torch.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[course,test]"
	@touch $@

venv: $(STAMP)

# Headless Chromium for the browser tests (tests/test_browser.py), driven by
# Playwright: Debian's package, installed once when it is missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

chromium: $(CHROMIUM)

# bubblewrap: the sandbox of every grading kernel (medgrade.sandbox).
BWRAP := /usr/bin/bwrap
$(BWRAP):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bubblewrap

bubblewrap: $(BWRAP)

# PostgreSQL's server, for the multi-machine gradebook test
# (tests/test_gradebook_postgres.py starts a throwaway cluster of its own):
# Debian's package, installed once when no server binary is there.
POSTGRES := $(firstword $(wildcard /usr/lib/postgresql/*/bin/postgres))
postgresql:
	@test -n "$(POSTGRES)" || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql; }

# MathJax, served by the book itself so that equations are typeset offline: npm's
# package, installed once into build/ and copied into build/book_static/, which the
# book copies into _build/html/_static (jupyter-book.yml: html_static_path and
# mathjax_path). Not a root _static/ folder: Jupyter Book would load every .js in it.
MATHJAX_VERSION := 3.2.2
MATHJAX := build/book_static/mathjax/tex-mml-chtml.js
$(MATHJAX):
	npm install --silent --no-audit --no-fund --no-save --prefix build/mathjax mathjax@$(MATHJAX_VERSION)
	rm -rf build/book_static/mathjax && mkdir -p build/book_static
	cp -r build/mathjax/node_modules/mathjax/es5 build/book_static/mathjax

mathjax: $(MATHJAX)

# configurable-http-proxy, JupyterHub's proxy, for tests/test_hub.py (the real hub
# on localhost): npm's package, installed once into build/chp.
CHP_VERSION := 5.3.0
CHP := build/chp/node_modules/.bin/configurable-http-proxy
$(CHP):
	npm install --silent --no-audit --no-fund --no-save --prefix build/chp configurable-http-proxy@$(CHP_VERSION)

chp: $(CHP)

## Run every test: library against references, notebooks within budget,
## the nbgrader pipeline, the executed book with warnings as errors, and the
## book and JupyterLab in a headless browser.
## Two stages: the book first, alone, so that each chapter's execution time is
## measured against its budget without other tests sharing the cores (the book
## and browser tests share one build, in one process); then everything else on
## both cores, distributed by file (--dist loadfile: all tests of a file on one
## worker, so a module fixture such as an assignment's nbgrader batch is built once).
BOOK_TESTS := tests/test_book.py $(wildcard tests/test_browser.py)
test: $(STAMP) $(CHROMIUM) $(BWRAP) postgresql $(MATHJAX) $(CHP)
	$(BIN)/python -m pytest $(BOOK_TESTS) --durations=5; book=$$?; \
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15 $(addprefix --ignore=,$(BOOK_TESTS)); rest=$$?; \
	exit $$(( book || rest ))

## Unit tests only (seconds): skip notebooks, nbgrader and the book.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist loadfile

## Build the executed book (cached: unchanged chapters are not re-run).
## TQDM_DISABLE=1, as in the tests' build: progress bars that use tqdm's default are
## off (they are widgets, which a static page cannot show), so the cache holds the
## same outputs whoever built it.
book: $(STAMP) $(MATHJAX)
	TQDM_DISABLE=1 $(BIN)/jupyter-book build . --config jupyter-book.yml --toc toc.yml -W --keep-going

## Open JupyterLab on the course.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=$(CURDIR)

## Regenerate exercises/ from solutions/ (then commit exercises/).
assignments: $(STAMP)
	@for d in solutions/*/; do a=$$(basename $$d); \
	  $(BIN)/nbgrader generate_assignment $$a --force || exit 1; done

## Autograde everything under submitted/ in parallel (one nbgrader process per core),
## each submission in its own sandboxed kernel; write feedback/ and grades.csv
## (score, status and review flags per submission).
grade: $(STAMP) $(BWRAP)
	$(BIN)/python tools/grade.py --jobs $$(nproc)

## Benchmarks against peers: one table of ratios (benchmarks/results.json and
## results.md, shown on the Performance page), nothing asserted.
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check medlearn medgrade tests benchmarks tools deploy
	$(BIN)/ruff format --check medlearn medgrade tests benchmarks tools deploy

clean:
	rm -rf _build autograded feedback gradebook.db grades.csv .pytest_cache .medgrade
