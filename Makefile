# make run  - install (once) and open the app on the bundled sample data
# make test - install (once) and run lint and every test (browser tests need Debian's chromium)
VENV ?= .venv
PY := $(VENV)/bin/python

$(VENV)/.run: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run

.PHONY: run test lint bench sample
# Headless (no first-run e-mail prompt, works without a terminal); the browser is opened once the server answers.
run: $(VENV)/.run
	@echo "Opening http://127.0.0.1:8501 - stop the app with Ctrl+C"
	@( for i in $$(seq 60); do sleep 1; $(PY) -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8501/_stcore/health')" 2>/dev/null && break; done; \
	   $(PY) -m webbrowser -t http://127.0.0.1:8501 >/dev/null 2>&1 ) &
	$(PY) -m streamlit run app.py --server.headless true

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Two workers for everything but the browser tests (2 cores: about 1.7x); tests that read the shared sample report
# share a group (one report per run, tests/conftest.py); the browser tests then run alone, as a server and chromium
# under a second worker's load make their timeouts flaky (and running them beside the rest gained nothing).
test: lint
	$(PY) -m pytest -n 2 --dist loadgroup --ignore=tests/e2e
	$(PY) -m pytest tests/e2e

sample: $(VENV)/.run
	$(PY) -m sample_data.generate --conversations 20000 --out sample_data
