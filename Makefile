# One entry point for everything: `make demo` and `make test` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BUILD := build
JOBS ?= 2

.PHONY: all setup build test test-fast demo bench lint clean

all: build

# The venv is (re)installed only when the pinned requirements or the package metadata change.
$(STAMP): requirements.txt pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e . --config-settings editable_mode=compat
	touch $@

setup: $(STAMP)

# The C++ helper library and its pybind11 module land in python/higgshunt/_native/.
# flock serialises concurrent builds in one work tree.
build: $(STAMP)
	@mkdir -p $(BUILD)
	flock $(BUILD)/.lock bash -c '$(VENV)/bin/cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV))/bin/ninja -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null \
	  && $(VENV)/bin/cmake --build $(BUILD) -j $(JOBS)'

# The suite runs on $(JOBS) pytest-xdist workers. pytest exits 5 when it collects nothing; that is not a
# failure of the suite.
test: build
	$(PY) -m pytest -n $(JOBS) $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

test-fast: build
	$(PY) -m pytest -n $(JOBS) -m "not slow" $(PYTEST_ARGS)

demo: build
	$(PY) -m higgshunt.cli demo

bench: build
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

lint: setup
	$(VENV)/bin/ruff check python tests benchmarks
	$(VENV)/bin/mypy python/higgshunt
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(BUILD) python/higgshunt/_native
