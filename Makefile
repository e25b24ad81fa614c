# Build/test harness for the astro.platform collection.
# Needs only Python 3.11 (`python3`) and make; everything else goes into .venv.

PYTHON        ?= python3
VENV          := .venv
VPY           := $(VENV)/bin/python
STAMP         := $(VENV)/.requirements-dev.stamp
DEMO_STAMP    := $(VENV)/.requirements-demo.stamp
PYTEST_JOBS   ?= 2
PYTEST_ARGS   ?=
DIST_DIR      ?= .cache/dist
DEMO_SEED     ?= tools/astro_emulator/seeds/demo.yaml
EMULATOR_PORT ?= 0
# tools/ holds two packages, the emulator and the harness; the harness's one entry point is its __main__.py.
HARNESS       := PYTHONPATH=tools $(VPY) -m harness

.DEFAULT_GOAL := help
.PHONY: help venv demo-venv test test-quick test-cores demo emulator sanity units lint build import changelog docs bench clean

help:
	@echo "make venv      create .venv from requirements-dev.txt (only when it changed)"
	@echo "make demo-venv create .venv with only the demo's runtime, requirements-demo.txt (what make demo needs)"
	@echo "make test      the whole gate in one pytest run: emulator, integration, sanity, units, lint, packaging"
	@echo "make test-quick for the edit-run loop: ansible-test units, the emulator tests, the integration tests (dev venv's core)"
	@echo "make test-cores sanity and the demo on every claimed ansible-core (make test: sanity on the oldest and newest)"
	@echo "make demo      build + install the collection, run playbooks/demo.yml against the emulator"
	@echo "make emulator  run the Astro API emulator in the foreground (demo seed; EMULATOR_PORT=0 picks a free port)"
	@echo "make sanity    ansible-test sanity (local Python 3.11) on a copy under .cache/"
	@echo "make units     ansible-test units (local Python 3.11, the dev venv's packages) on a copy under .cache/"
	@echo "make lint      ansible-lint --profile production --offline"
	@echo "make build     ansible-galaxy collection build into $(DIST_DIR)/"
	@echo "make import    build, then galaxy-importer on the tarball as Automation Hub runs it (own venv under .cache/tools)"
	@echo "make changelog put changelogs/fragments/ into galaxy.yml's release: changelog.yaml and CHANGELOG.rst"
	@echo "make docs      the HTML docs site, offline, into .cache/docs/build/html/ (own venv under .cache/tools)"
	@echo "make bench     benchmark against the emulator (about 20 min): results in benchmarks/results/latest.{md,csv,png}"
	@echo "make clean     remove caches, build output and test output (keeps .venv)"

venv: $(STAMP)

demo-venv: $(DEMO_STAMP)

# Re-runs only when requirements-dev.txt (or the requirements-demo.txt it includes) is newer than the stamp.
# The full toolchain includes the demo's runtime, so it stamps that too.
$(STAMP): requirements-dev.txt requirements-demo.txt
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	@touch $(DEMO_STAMP) $@

# make demo needs only ansible-core, requests and PyYAML: a fresh clone shows the demo without the dev toolchain.
$(DEMO_STAMP): requirements-demo.txt
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --disable-pip-version-check --quiet -r requirements-demo.txt
	@touch $@

# One pytest session; tests/collection runs sanity/units/lint/packaging as tests.
# --dist loadgroup keeps each slow tool (xdist_group) on one worker, spread over both.
test: $(STAMP)
	$(VPY) -m pytest -n $(PYTEST_JOBS) --dist loadgroup --durations=8 $(PYTEST_ARGS)

# Not the gate: no sanity, lint, packaging or core matrix. Integration tests run on the dev venv's ansible-core
# (the few that pin a core, such as the hostile-data tests on the oldest and newest, still do).
test-quick: $(STAMP)
	$(HARNESS) units
	$(VPY) -m pytest -n $(PYTEST_JOBS) --dist loadgroup $(PYTEST_ARGS) tests/emulator tests/integration

# The per-core job of .github/workflows/ runs this matrix one core at a time.
test-cores: $(STAMP)
	SANITY_CORES=all $(VPY) -m pytest -n $(PYTEST_JOBS) --dist loadgroup $(PYTEST_ARGS) tests/collection/test_core_matrix.py

demo: $(DEMO_STAMP)
	$(HARNESS) demo --seed $(DEMO_SEED)

emulator: $(DEMO_STAMP)
	PYTHONPATH=tools $(VPY) -m astro_emulator --seed $(DEMO_SEED) --port $(EMULATOR_PORT)

sanity: $(STAMP)
	$(HARNESS) sanity

units: $(STAMP)
	$(HARNESS) units

lint: $(STAMP)
	$(HARNESS) lint

build: $(STAMP)
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(DIST_DIR) .

import: $(STAMP)
	$(HARNESS) import

# Re-run after merging fragments: they join the release of galaxy.yml's version (see CONTRIBUTING.md).
changelog: $(STAMP)
	$(HARNESS) changelog release

docs: $(STAMP)
	$(HARNESS) docs build

# Not part of `make test` (it takes minutes); tests/integration/test_benchmark_smoke.py is.
bench: $(STAMP)
	$(VPY) benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf .cache .ansible tests/output .pytest_cache .hypothesis
	rm -f astro-platform-*.tar.gz
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
