# A fresh clone needs nothing else: a missing .venv is made on first use (Python 3.11). Only
# `make dev` and `make test` install into an existing one; every other target refuses, in one
# line, a .venv installed from another pyproject.toml (the stamp names its checksum).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml kit/pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: dev venv demo check test lab explore experiments bench system clean

# Make or update .venv: this package (editable) with every extra but bench.
dev:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,browser,cluster,hub]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

$(STAMP): pyproject.toml kit/pyproject.toml
	@$(MAKE) --no-print-directory dev

# Check only: make .venv when it is missing, else refuse a stale one (never installs into it).
venv:
	@test -x $(PY) || $(MAKE) --no-print-directory dev
	@test -f $(STAMP) || { echo "$(VENV) was installed from another pyproject.toml: run 'make dev' (or 'make test')"; exit 1; }

system:
	@bash scripts/system-packages

demo: venv
	@bash scripts/system-packages bubblewrap
	$(PY) -m instructor_tools.demo

# The fast tier: lint and every test that starts no kernel, server, browser or other program
# (the guard --no-processes fails one that does: mark it kernel, e2e, browser or slow), spread
# over every core.
check: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -n auto -m "not (kernel or e2e or browser or slow)" --no-processes

# Everything: what CI runs.
test: $(STAMP) system
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

# Notebooks in source/ and notebooks/ are saved tidy, their text twins in text/ written beside.
lab: venv
	PYTHONPATH=. $(VENV)/bin/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ContentsManager.pre_save_hook=scripts.tidy_notebooks.pre_save_hook

experiments: venv
	$(PY) -m course_lib.experiments all

bench: venv system
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m benchmarks

clean:
	rm -rf submitted autograded feedback gradebook.db demo-class reports artifacts

# The explorers as an app: open the landing page printed below (it links the four topics).
# Voilà reads its settings from voila.json in the directory it runs in (here, the root): each
# topic's kernel is started and its notebook run before anyone asks (preheated), so a topic
# opens in a few seconds.
explore: venv
	@echo "Open http://127.0.0.1:8866/voila/render/index.ipynb (Ctrl-C stops the server)"
	$(VENV)/bin/voila notebooks/ --no-browser --Voila.ip=127.0.0.1 --port=8866
