# The commands behind the README. Everything lives in .venv; nothing is installed globally.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# CPU machines get tensorflow-cpu; GPU users: `make EXTRA=gpu install` or environment-gpu.yml.
EXTRA  ?= cpu

.PHONY: demo test lint install bench clean-demo

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRA),notebooks,test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/python -m beatlib demo

# Lint, format check, then unit tests, doctests of the library and notebook smoke runs.
LINTED := beatlib tests benchmarks

test: install lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup --doctest-modules beatlib tests

lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

bench: install
	@for f in benchmarks/*.py; do echo "# $$f"; $(BIN)/python $$f || exit 1; done
