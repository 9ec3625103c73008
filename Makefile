# OrgStack: `make run` (headline what-if) and `make test` set everything up on first use.
#
# The virtual environment needs Python >= 3.12 (Mesa 3.5 requires it). Candidates are
# tried in order and each one is run, because `python3.12` can be a pyenv shim that
# exists but fails. Give your own with `make PYTHON=/path/to/python3.12 ...`.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
COMPILED := $(VENV)/.compiled
CANDIDATES := $(PYTHON) python3.12 $(wildcard /root/.pyenv/versions/3.12*/bin/python3) python3
SOURCES := sim experiments benchmarks tests viz hydra_plugins docs setup.py
PORT ?= 8765
IS_312 := import sys; sys.exit(sys.version_info < (3, 12))

.PHONY: setup run test check lint bench clean experiment ui chromium validate calibrate fuzz

setup: $(COMPILED)

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

# Install the project and its dev tools; again only when pyproject.toml or setup.py changes.
$(STAMP): pyproject.toml setup.py Makefile | $(PY)
	@$(PY) -c '$(IS_312)' || { echo "error: $(VENV) uses Python < 3.12; run 'make clean' first" >&2; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev,ray,ui]"
	@touch $@

# Compile the model's mechanisms (numba) once, so that no command pays for it; numba caches the
# machine code in sim/model/__pycache__ and compiles again when a file, or a layout it reads, changes.
$(COMPILED): $(STAMP) $(wildcard sim/model/*.py sim/model/flow/*.py)
	@echo "Compiling the model's mechanisms (once; about a minute)"
	$(PY) -c 'from sim import simulate; simulate(["weeks=1"])'
	@touch $@

run: $(COMPILED)
	$(PY) -m experiments.headline

# A named experiment (configs/experiment/$(NAME).yaml) as one sweep, e.g.
#   make experiment NAME=horizon
#   make experiment NAME=horizon ARGS="hydra.launcher.n_jobs=2"
experiment: $(COMPILED)
	@test -n "$(NAME)" || { echo "usage: make experiment NAME=<name>  (one of: $(basename $(notdir $(wildcard configs/experiment/*.yaml))))" >&2; exit 2; }
	$(VENV)/bin/orgstack --multirun +experiment=$(NAME) $(ARGS)

# Calibration check, the six patterns the seeds expect to emerge (printed as findings: how often each
# holds, never a failure), sensitivity analysis and robustness: docs/validation.md and docs/validation.json
# (~3-6 minutes on 2 cores; ARGS="--quick" for the reduced run of the tests, ARGS="--workers N").
validate: $(COMPILED)
	$(PY) -m experiments.validation.validate $(ARGS)

# The whole fit to the published DORA envelopes (configs/validation/calibration.yaml): from its
# recorded start, every stage and the race, each writing its best candidate; no preset's outcome
# and no emergent pattern is a target. Seeded throughout: it rewrites configs/params/default.yaml
# and configs/validation/population.yaml to the same values every time.
calibrate: $(COMPILED)
	$(PY) -m experiments.validation.calibration --apply $(ARGS)

# The what-if studio on http://127.0.0.1:$(PORT) (make ui PORT=9000). It needs no network: the
# front-end assets come from solara-assets, and Solara's version check and telemetry are off.
ui: $(COMPILED)
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=false $(VENV)/bin/solara run viz.app \
	  --host 127.0.0.1 --port $(PORT) --production --no-check-version

# Debian's Chromium for the browser tests (tests/viz); Playwright cannot download its own here.
# As root this installs it with apt (CI); otherwise it says what to run.
chromium:
	@command -v $${CHROMIUM_PATH:-/usr/bin/chromium} >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	  else \
	    echo "Chromium not found: run 'sudo apt-get install chromium' (or set CHROMIUM_PATH)" >&2; exit 1; \
	  fi; }

# The whole suite, browser tests included (so Chromium first).
test: $(COMPILED) chromium
	$(PY) -m pytest

# The fuzzer of bad input at length (tests/fuzz): thousands of drawn overrides, plan and answers
# files and API arguments per property, at random, remembering what fails for the next run. The
# suite (make test, CI) runs a bounded, derandomized share of the same properties.
fuzz: $(COMPILED)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest tests/fuzz -q

# The edit-test loop: lint, then the fast tier (no test marked slow, browser or ray; see
# pyproject.toml's markers). The whole suite is still `make test`.
FAST := not slow and not browser and not ray
check: lint $(COMPILED)
	$(PY) -m pytest -m "$(FAST)" -q

lint: $(STAMP)
	$(PY) -m ruff check $(SOURCES)
	$(PY) -m ruff format --check $(SOURCES)

bench: $(COMPILED)
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache *.egg-info build dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
