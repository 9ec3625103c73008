# OrgStack: `make run` (headline what-if) and `make test` set everything up on first use.
#
# The virtual environment needs Python >= 3.12 (Mesa 3.5 requires it). Candidates are
# tried in order and each one is run, because `python3.12` can be a pyenv shim that
# exists but fails. Give your own with `make PYTHON=/path/to/python3.12 ...`.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CANDIDATES := $(PYTHON) python3.12 $(wildcard /root/.pyenv/versions/3.12*/bin/python3) python3
SOURCES := sim experiments benchmarks tests
IS_312 := import sys; sys.exit(sys.version_info < (3, 12))

.PHONY: setup run test lint bench clean experiment validate calibrate

setup: $(STAMP)

# Create the virtual environment with the first candidate that is Python >= 3.12.
$(PY):
	@for c in $(CANDIDATES); do \
	  if "$$c" -c '$(IS_312)' >/dev/null 2>&1; then \
	    echo "Creating $(VENV) with $$c ($$("$$c" --version))"; \
	    exec "$$c" -m venv $(VENV); \
	  fi; \
	done; \
	echo "error: no Python >= 3.12 found (tried: $(CANDIDATES))." >&2; \
	echo "       Install Python 3.12 or run: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)" >&2; \
	exit 1

# Install the project and its dev tools; again only when pyproject.toml changes.
$(STAMP): pyproject.toml Makefile | $(PY)
	@$(PY) -c '$(IS_312)' || { echo "error: $(VENV) uses Python < 3.12; run 'make clean' first" >&2; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev,ray]"
	@touch $@

run: $(STAMP)
	$(PY) -m experiments.headline

# A named experiment (configs/experiment/$(NAME).yaml) as one sweep, e.g.
#   make experiment NAME=horizon
#   make experiment NAME=horizon ARGS="hydra.launcher.n_jobs=2"
experiment: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make experiment NAME=<name>  (one of: $(basename $(notdir $(wildcard configs/experiment/*.yaml))))" >&2; exit 2; }
	$(VENV)/bin/orgstack --multirun +experiment=$(NAME) $(ARGS)

# Calibration check, sensitivity analysis and robustness: docs/validation.md and docs/validation.json
# (~15 minutes on 2 cores; ARGS="--quick" for the reduced run of the tests, ARGS="--workers N").
validate: $(STAMP)
	$(PY) -m experiments.validate $(ARGS)

# Re-fit the calibrated parameters to the DORA envelopes and write them to configs/params/default.yaml,
# keeping the first candidate for which the emergence tests pass (configs/validation/calibration.yaml).
calibrate: $(STAMP)
	$(PY) -m experiments.calibration --apply $(ARGS)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check $(SOURCES)
	$(PY) -m ruff format --check $(SOURCES)

bench: $(STAMP)
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
