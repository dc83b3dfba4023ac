# Insight Hub warehouse. The two commands the README starts with:
#   make demo   generate a synthetic borough, then build, evaluate and document it
#   make test   lint (sqlfluff, ruff, mypy, YAML), then pytest on a small borough
# and the steps demo is made of, each on its own:
#   make build     the scheduled run on what has landed: dbt build, then the
#                  governance check of the warehouse's catalogue and the privacy guard
#   make evaluate  linkage quality against the generator's ground truth
#   make docs      the record of processing and the dbt docs site
# and, after make demo, make dashboard: the reference dashboard on http://localhost:8501
# All create .venv and install the pinned dependencies first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

SCALE ?= 1.0
SEED ?= 20261101
# Deliveries run up to the start of the current month, so sources are fresh.
AS_OF ?= $(shell date +%Y-%m-01)
DATA ?= data
export INSIGHT_HUB_LANDING ?= $(DATA)/landing
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: install build evaluate docs demo lint test bench bench-febrl clean nightly publish dashboard

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing pinned dependencies into $(VENV)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

build: $(STAMP)
	$(BIN)/dbt build
	@cp target/run_results.json target/build_run_results.json
	$(BIN)/python -m insight_hub.governance
	$(BIN)/python -m insight_hub.privacy_guard

# The scheduler's entry point (README "Nightly runs"): freshness, build, guard, purge, exports,
# publish, docs under a lock; NIGHTLY_ARGS e.g. "--wait" or "--steps publish".
nightly: $(STAMP)
	$(BIN)/python -m insight_hub.nightly $(NIGHTLY_ARGS)

# Write, audit and atomically publish the files dashboards read (published/), after a passing build.
publish: $(STAMP)
	$(BIN)/python -m insight_hub.publish

# The reference dashboard (README "Dashboard") on http://localhost:$(DASHBOARD_PORT), reading only the
# published files (published/, or INSIGHT_HUB_PUBLISHED); publishes first when nothing is published yet.
# Its maps read the boundary files in INSIGHT_HUB_BOUNDARIES (default: the synthetic ones make demo wrote).
DASHBOARD_PORT ?= 8501
dashboard: $(STAMP)
	@test -f $${INSIGHT_HUB_PUBLISHED:-published}/services.duckdb || $(BIN)/python -m insight_hub.publish
	INSIGHT_HUB_BOUNDARIES=$${INSIGHT_HUB_BOUNDARIES:-$(DATA)/boundaries} \
		$(BIN)/streamlit run insight_hub/dashboard/app.py --server.address localhost --server.port $(DASHBOARD_PORT) \
		--server.headless true --browser.gatherUsageStats false --server.fileWatcherType none

evaluate: $(STAMP)
	$(BIN)/python -m insight_hub.linkage.evaluate --truth $(DATA)/ground_truth

docs: $(STAMP)
	$(BIN)/python -m insight_hub.record_of_processing
	$(BIN)/dbt docs generate --quiet

demo: $(STAMP)
	@rm -rf $(INSIGHT_HUB_LANDING) $(DATA)/ground_truth $(DATA)/boundaries
	$(BIN)/python -m insight_hub.borough --scale $(SCALE) --seed $(SEED) --as-of $(AS_OF) \
		--landing $(INSIGHT_HUB_LANDING) --truth $(DATA)/ground_truth --boundaries $(DATA)/boundaries
	$(MAKE) build
	$(BIN)/dbt source freshness
	$(MAKE) evaluate docs
	$(BIN)/python -m insight_hub.summary --run-results target/build_run_results.json

# The hooks a commit runs (.pre-commit-config.yaml: YAML, ruff, mypy, sqlfluff), over every file.
lint: $(STAMP)
	INSIGHT_HUB_TARGET=test INSIGHT_HUB_WAREHOUSE=$$(mktemp -d)/lint.duckdb $(BIN)/pre-commit run --all-files --show-diff-on-failure

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.build_timings $(BENCH_ARGS)

# The linkage scored on the public FEBRL data sets, onboarded as a new extract (bench/febrl.py);
# BENCH_ARGS e.g. "--datasets febrl4 --id-domain nino".
bench-febrl: $(STAMP)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r bench/requirements-febrl.txt
	$(BIN)/python -m bench.febrl $(BENCH_ARGS)

clean:
	rm -rf target logs warehouse $(DATA) exports reports published
