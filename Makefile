# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
# llama-cpp-python compiles llama.cpp on first install; use both cores.
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
# The build targets this CPU (-march=native), but a CPU may report AMX tiles that its virtual
# machine never enabled: llama.cpp's AMX kernels then die with SIGILL on the first token. They
# are left out (AVX-512 and the rest stay); a CMAKE_ARGS of your own wins.
ifeq ($(shell uname -m),x86_64)
CMAKE_ARGS ?= -DCMAKE_C_FLAGS=-mno-amx-tile\ -mno-amx-int8\ -mno-amx-bf16 -DCMAKE_CXX_FLAGS=-mno-amx-tile\ -mno-amx-int8\ -mno-amx-bf16
export CMAKE_ARGS
endif
# Importing litellm must never reach for the network.
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: run test bench install install-test train-router clean help

help:
	@echo "make run    create .venv, install aha, start the TUI on the embedded model"
	@echo "make test   create .venv, install aha with test extras, run the whole suite"
	@echo "make bench  print start-up, answer, router, storage, engine, streaming and draft-check figures beside same-run baselines"
	@echo "            (some sections: make bench SECTIONS=streaming or SECTIONS=first_frame,router)"
	@echo "make train-router  retrain the router (app/router/weights.json) on ../shared/routing-data"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	@echo "Installing aha (the first install compiles llama.cpp: about 4 minutes on 2 cores, once)"
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(VENV)/bin/aha $(ARGS)

# The layers first (import-linter's contracts in pyproject.toml), then the suite. pytest exits
# 5 when it collected nothing: that is a failure, never a silent pass.
test: install-test
	$(VENV)/bin/lint-imports
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

bench: install-test
	$(PY) -m scripts.bench $(SECTIONS)

clean:
	rm -rf $(VENV) build *.egg-info

# Retrain the router's weights (app/router/weights.json) on ../shared/routing-data; about a minute.
# The shipped weights come from the public labels alone (your check outcomes stay yours).
train-router: install
	$(VENV)/bin/aha route train --no-outcomes $(ARGS)
