# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: ui install run test test-fast test-system lint bench conformance clean

install: $(STAMP)

$(STAMP): pyproject.toml examples/plugin-node/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The example node package: the test suite checks that its nodes behave as built-ins.
	$(BIN)/python -m pip install --quiet --no-deps -e examples/plugin-node
	$(BIN)/python -m hetumind.sandbox.assets
	touch $(STAMP)

# Runs the hello-world workflow once on Ray, then serves the API with examples/ imported
# (Ctrl-C stops it).
run: install
	$(BIN)/hetumind run --backend ray examples/hello-world.json
	$(BIN)/hetumind serve --import examples/

# The slow tier needs real services and models: PostgreSQL, and vLLM with two small models
# in their own venv (scripts/setup-llm.sh: ~5 min and ~5 GB the first time, then ~1 s).
test: install
	sh scripts/ensure-postgres.sh
	sh scripts/ensure-prometheus.sh
	sh scripts/ensure-mariadb.sh
	sh scripts/ensure-openssh.sh
	sh scripts/ensure-dovecot.sh
	sh scripts/ensure-chromium.sh
	sh scripts/ensure-pglite.sh
	bash scripts/setup-llm.sh
	$(BIN)/python -m pytest -q --durations=25 -m "not system"

# Minutes-long system tests: a head and two worker raylets with GCS fault tolerance, a
# SIGKILLed `hetumind serve`, the 5-minute soak (tests/cluster, tests/chaos/test_soak.py).
# A tier of their own so `make test` stays within its budget; CI (.ci/run) runs it after.
test-system: install
	sh scripts/ensure-postgres.sh
	$(BIN)/python -m pytest -q -m system

test-fast: install
	sh scripts/ensure-postgres.sh
	sh scripts/ensure-prometheus.sh
	sh scripts/ensure-mariadb.sh
	sh scripts/ensure-openssh.sh
	sh scripts/ensure-dovecot.sh
	sh scripts/ensure-chromium.sh
	sh scripts/ensure-pglite.sh
	$(BIN)/python -m pytest -q -m "not slow and not system"

lint: install
	$(BIN)/ruff check hetumind serve_app tests benchmarks examples
	$(BIN)/ruff format --check hetumind serve_app tests benchmarks examples
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/run_all.py

conformance: install
	$(BIN)/python tests/conformance/compare.py tests/conformance/n8n/workflows \
		tests/conformance/n8n/expected $(BIN)/hetumind --backend inline

# Rebuilds the web app (needs Node.js 20+; users do not: the build is committed under
# hetumind/webapp/static, and tests/ui/test_assets_match_sources.py fails when it is stale).
ui:
	cd ui && npm ci && npm run build

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
