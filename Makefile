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
run: $(VENV)/.run
	$(PY) -m streamlit run app.py --server.headless false

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest

sample: $(VENV)/.run
	$(PY) -m sample_data.generate --conversations 20000 --out sample_data
