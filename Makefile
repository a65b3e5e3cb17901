# The commands a newcomer runs: `make demo` and `make test`. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stackdock-installed
PYTEST_ARGS ?=
export PBR_VERSION ?= 0.1.0

.PHONY: venv services images lint format test unit functional bench demo genconfig clean

venv: $(STAMP)

# The venv is rebuilt when the requirements or packaging change.
$(STAMP): requirements.txt test-requirements.txt setup.cfg pyproject.toml
	tools/ensure-build-deps.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -U pip setuptools wheel pbr
	$(PY) -m pip install -q -r requirements.txt -r test-requirements.txt
	$(PY) -m pip install -q --no-build-isolation --no-deps -e .
	touch $(STAMP)

services:
	tools/ensure-services.sh

images: venv services
	tools/build-busybox-image.sh
	tools/build-test-guest.sh
	tools/build-node-image.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: venv services images lint
	$(PY) -m pytest tests/unit tests/functional $(PYTEST_ARGS)

unit: venv
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

functional: venv services images
	$(PY) -m pytest tests/functional $(PYTEST_ARGS)

bench: venv services images
	$(PY) -m tests.benchmarks

demo: venv services images
	tools/demo.sh

genconfig: venv
	$(VENV)/bin/oslo-config-generator --config-file etc/stackdock-config-generator.conf
	$(VENV)/bin/oslo-config-generator --config-file etc/heat-plugins-config-generator.conf
