# Two entry points: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast system-deps bench fixtures clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# What the tests need from Debian: docker-compose validates docker-compose.yml without an engine.
system-deps:
	@command -v docker-compose >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose) >/dev/null; \
	  else echo "install docker-compose (Debian package) to validate docker-compose.yml"; fi; }

demo: $(STAMP)
	$(BIN)/disclosure demo

test: $(STAMP) system-deps
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m bench

fixtures: $(STAMP)
	$(BIN)/disclosure fixtures build

clean:
	rm -rf $(VENV) var .pytest_cache
