# decisionkit developer commands. `make test` and `make app` work from a fresh clone:
# they create .venv with a Python >= 3.12 (PATH first, then pyenv) and install the project.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: test test-fast app lint format bench clean

$(STAMP): pyproject.toml
	@if [ ! -x $(PY) ]; then \
		PYBIN=$$(sh .ci/find_python.sh) || exit 1; \
		echo "Creating $(VENV) with $$PYBIN"; \
		$$PYBIN -m venv $(VENV) || exit 1; \
	fi
	@# uv installs the scientific stack in seconds; plain pip is the fallback (minutes)
	@if $(PY) -m pip install --quiet uv && $(VENV)/bin/uv pip install --python $(PY) --quiet -e ".[dev]"; then \
		echo "Installed decisionkit into $(VENV) (uv)"; \
	else \
		echo "uv unavailable; installing with pip"; \
		$(PY) -m pip install --quiet -e ".[dev]" || exit 1; \
	fi
	@touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow and not browser"

app: $(STAMP)
	$(VENV)/bin/decisionkit app --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
