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

# Two workers, one core each: TensorFlow in each worker (and its notebook kernels) runs single-threaded
# instead of four threads fighting over two cores (12 % faster here).
test: install lint
	TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 \
		$(BIN)/python -m pytest -n 2 --dist worksteal --doctest-modules beatlib tests

lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

bench: install
	@for f in benchmarks/*.py; do echo "# $$f"; $(BIN)/python $$f || exit 1; done
