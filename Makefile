# Every target bootstraps .venv on first use (Python 3.11), so a fresh clone needs nothing else.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo check test lab explore experiments bench system clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,browser,cluster,hub]'
	@rm -f $(VENV)/.installed-* && touch $@

system:
	@bash scripts/system-packages

demo: $(STAMP)
	@bash scripts/system-packages bubblewrap
	$(PY) -m instructor_tools.demo

# The fast tier: lint and every test that starts no kernel, server, browser or other program
# (the guard --no-processes fails one that does: mark it kernel, e2e, browser or slow).
check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -m "not (kernel or e2e or browser or slow)" --no-processes

# Everything: what CI runs.
test: $(STAMP) system
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

# Notebooks in source/ and notebooks/ are saved tidy, their text twins in text/ written beside.
lab: $(STAMP)
	PYTHONPATH=. $(VENV)/bin/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ContentsManager.pre_save_hook=scripts.tidy_notebooks.pre_save_hook

experiments: $(STAMP)
	$(PY) -m course_lib.experiments all

bench: $(STAMP) system
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m benchmarks

clean:
	rm -rf submitted autograded feedback gradebook.db demo-class reports artifacts

# The explorers as an app: open the landing page printed below (it links the four topics).
explore: $(STAMP)
	@echo "Open http://127.0.0.1:8866/voila/render/index.ipynb (Ctrl-C stops the server)"
	$(VENV)/bin/voila notebooks/ --no-browser --Voila.ip=127.0.0.1 --port=8866
