# Two entry points: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo airflow airflow-init test test-fast lint system-deps bench fixtures clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the project into $(VENV) (a few minutes the first time)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,celery]"
	@touch $(STAMP)

# What the tests need from Debian: docker-compose validates docker-compose.yml without an engine;
# chromium renders the HTML report in a real browser, with a CJK font to draw Chinese;
# LibreOffice exports the fixtures as a second PDF layout.
system-deps:
	@missing=""; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v soffice >/dev/null || missing="$$missing libreoffice-writer-nogui"; \
	fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	  else echo "please install (Debian packages):$$missing"; exit 1; fi; \
	fi

demo: $(STAMP)
	@$(BIN)/disclosure demo

# Airflow 3 on this machine (no Docker): UI on http://127.0.0.1:8080, login printed; Ctrl-C stops it.
airflow: $(STAMP)
	@$(BIN)/disclosure airflow

# A deployment's one-time steps on the Airflow and store settings of this environment
# (docs/deployment.md): both databases, Airflow's migrations, the pool, the store's migrations.
airflow-init: $(STAMP)
	@$(BIN)/disclosure airflow init

test: $(STAMP) system-deps
	$(BIN)/python -m pytest

# Without Postgres and without the end-to-end runs: the pure tests, on every core (pytest-xdist),
# in about a minute on two quiet cores. A test that opens the store without being marked `db` fails.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not db" -n auto

# ruff's pyflakes, bugbear, isort, pyupgrade and Airflow rules, and its formatter (pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench

fixtures: $(STAMP)
	$(BIN)/disclosure fixtures build

clean:
	rm -rf $(VENV) var .pytest_cache
