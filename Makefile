# decisionkit developer commands. `make test` and `make app` work from a fresh clone:
# they create .venv with a Python >= 3.12 (PATH first, then pyenv) and install the project.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: test test-fast app docs docs-figures wheel lint format bench clean

# Python writes the byte code of what it imports (as pip's install would have compiled it).
# uv installs without byte code, and with PYTHONDONTWRITEBYTECODE set (common in containers)
# every new process recompiles pymc, pytensor, scipy, sklearn... from source: example 1 --fast
# took 12.1 s of CPU that way and 5.3 s with byte code. `make docs` runs every example; the
# test suite's own processes are covered by tests/conftest.py whatever runs pytest.
unexport PYTHONDONTWRITEBYTECODE

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

# the whole suite (<= 6 min on 2 cores), and the quick one for every edit (< 2 min): it leaves
# out the tests marked slow (examples end to end, MCMC fits, the wheel, clusters, mypy) and the
# real-browser tests. Files run longest first (tests/conftest.py) so the two workers finish
# together.
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow and not browser"

app: $(STAMP)
	$(VENV)/bin/decisionkit app --port $(PORT)

# The documentation site (Sphinx): guides, API reference, worked examples with their figures.
# Warnings are errors. The figures come from running each example with --fast (rerun only
# when the example changes).
EXAMPLE_SCRIPTS := $(sort $(wildcard examples/[0-9][0-9]_*.py))
EXAMPLE_FIGURES := $(patsubst examples/%.py,docs/_examples/%/.done,$(EXAMPLE_SCRIPTS))

docs/_examples/%/.done: examples/%.py examples/_common.py $(STAMP)
	@mkdir -p $(@D)
	@echo "running $< --fast for its figures"
	@MPLBACKEND=Agg $(PY) $< --fast --output $(@D) > $(@D)/run.log 2>&1 || { cat $(@D)/run.log; exit 1; }
	@touch $@

docs-figures: $(EXAMPLE_FIGURES)

docs: $(STAMP) $(EXAMPLE_FIGURES)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
	$(PY) docs/check_site.py docs/_build/html
	@echo "Open docs/_build/html/index.html"

# the wheel users install (ships apps/ and examples/ inside the package; see setup.py), built
# from the sdist so that nothing stale in build/ can leak into it
wheel: $(STAMP)
	rm -rf dist && $(VENV)/bin/uv build --out-dir dist .

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info docs/_build docs/_examples
