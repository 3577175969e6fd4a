# The project's vocabulary: run, test, train, shell, bench, lint (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
# Python 3.10 from pyenv when present, else whatever python3.10 is on PATH.
PYTHON310 ?= $(shell (command -v pyenv >/dev/null && pyenv root >/dev/null 2>&1 && \
	test -x "$$(pyenv root)/versions/$(PYTHON_VERSION)/bin/python3.10" && \
	echo "$$(pyenv root)/versions/$(PYTHON_VERSION)/bin/python3.10") || command -v python3.10)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

# What a trained model depends on: when any of these changes, `make train` retrains.
# (langid.py learns its n-grams and terms into the model; lexicon.py, signals.py, rules.py
# and danger/ act at prediction time: the model runs their current code.)
MODEL_INPUTS := config.yml domain.yml bot/nlu/tokenizer.py bot/nlu/language_detector.py bot/nlu/langid.py bot/nlu/romanize.py bot/nlu/signals.py bot/nlu/linear.py \
	$(shell find nlu_data -type f -name '*.yml' | sort)
MODEL_STAMP = models/.fingerprint-$(shell cat $(MODEL_INPUTS) uv.lock | sha256sum | cut -c1-16)

.PHONY: help install check train run shell test lint bench load prune report telegram-webhook line-webhook clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(UV):
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: install it (pyenv install $(PYTHON_VERSION))"; exit 1; }
	$(PYTHON310) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON310)
	@touch $@

install: $(VENV)/.installed  ## Install the locked environment into .venv

$(MODEL_STAMP): $(VENV)/.installed
	@start=$$(date +%s); \
	$(PY) -m bot.train --domain domain.yml --data nlu_data --config config.yml --out models --name assistant && \
	echo $$(( $$(date +%s) - start )) > models/training_seconds
	@rm -f models/.fingerprint-* && touch $(MODEL_STAMP)

train: $(MODEL_STAMP)  ## Train the model when the data, config or code changed

check: $(VENV)/.installed  ## Check the guidebook and the channel settings, start nothing
	$(PY) -m bot.run --check

run: check $(MODEL_STAMP)  ## Start the Rasa server (5005) and the action server (5055)
	$(PY) -m bot.run

shell: $(MODEL_STAMP)  ## Talk to the assistant in this terminal
	$(PY) -m bot.run --shell

test: $(MODEL_STAMP)  ## Run the whole test suite
	$(PY) -m pytest

lint: $(VENV)/.installed  ## ruff check and format check
	$(VENV)/bin/ruff check bot actions tests bench
	$(VENV)/bin/ruff format --check bot actions tests bench

bench: $(MODEL_STAMP)  ## Benchmarks and evaluations, printed as tables
	$(PY) -m bench

# make load RESIDENTS=100 MESSAGES=5 INSTANCES=2 SEED=1 (README "Load")
RESIDENTS ?= 100
MESSAGES ?= 5
INSTANCES ?= 1
SEED ?= 1
load: $(MODEL_STAMP)  ## Residents on LINE and Telegram at once: throughput, latency, lost, twice, order
	$(PY) -m bench.load --residents $(RESIDENTS) --messages $(MESSAGES) --instances $(INSTANCES) --seed $(SEED)

prune: $(VENV)/.installed  ## Delete conversations and unanswered questions older than RETENTION_DAYS
	$(PY) -m bot.prune

report: $(VENV)/.installed  ## Print the questions the assistant could not answer, for the staff
	$(PY) -m bot.report

telegram-webhook: $(VENV)/.installed  ## Register the webhook with Telegram (PUBLIC_URL=https://...)
	$(PY) -m bot.channels.telegram set-webhook --url "$(PUBLIC_URL)"

line-webhook: $(VENV)/.installed  ## Set and test the LINE webhook URL (PUBLIC_URL=https://...)
	$(PY) -m bot.channels.line set-webhook --url "$(PUBLIC_URL)"

clean:  ## Remove the environment, models and local databases
	rm -rf $(VENV) .tools models *.db
