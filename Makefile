# Trial assistant: `make run` (install, build, train, serve) and `make test`. See README.md.
SHELL := /bin/bash
RASA_VENV := .venv-rasa
ACTIONS_VENV := .venv-actions
RASA := $(RASA_VENV)/bin/rasa
PY := $(ACTIONS_VENV)/bin/python
MODEL := models/trial-assistant.tar.gz
WEBCHAT := build/test-deps/rasa-webchat-1.0.1.js

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export HF_HUB_OFFLINE := 1
export ACTIONS_PORT ?= 5055
export RASA_PORT ?= 5005
export ACTION_ENDPOINT_URL ?= http://localhost:$(ACTIONS_PORT)/webhook
export TRACKER_DB ?= $(CURDIR)/var/rasa.db
export WEB_PORT ?= 8080
export RETENTION_DAYS ?= 30
# Web pages allowed to open the Socket.IO channel (credentials.yml), comma-separated.
export WEB_ORIGINS ?= http://localhost:$(WEB_PORT),http://127.0.0.1:$(WEB_PORT)

# What the index and the answer check are built from (each step checks its own inputs too, and does
# nothing when they match): unchanged, `make index` runs neither (`make test` ran both three times).
# (Folders too: a file taken out of knowledge/ changes its folder's time.)
KNOWLEDGE := $(shell find knowledge 2>/dev/null)
INDEX_INPUTS := $(KNOWLEDGE) $(wildcard actions/*.py actions/*.yml) tests/eval/dev_set.yml tests/eval/registry_dev_set.yml \
	$(wildcard tests/fixtures/registry/*.json)
INDEX_BUILT := build/index/.built
# (The folders too: a file taken out of data/ changes its folder's time, and the model is trained again.)
RASA_INPUTS := domain.yml config.yml $(shell find data components -type d -o -type f -name '*.yml' -o -type f -name '*.py' 2>/dev/null) \
	actions/emergency.py actions/emergency_phrases.yml actions/emergency_exemplars.yml actions/questions.py \
	actions/embedding.py actions/language.py actions/emergency_classifier.py actions/fine_tuning.py
# The model's ONNX export (made by the index build), which the NLU's featurizer reads too.
ONNX_EXPORT := build/model/export.json
# The emergency classifier (fine-tuned MiniLM), which the Rasa model's emergency component copies in.
EMERGENCY_CLASSIFIER := build/emergency/classifier.json

.PHONY: run cluster shell test unit-test rasa-test e2e-test bench eval report purge install system-test-deps index train clean import

run: install index train ## the web page with the chat widget (8080), Rasa (5005), the action server (5055); Ctrl-C stops them
	scripts/serve.sh run

cluster: install system-test-deps index train ## several servers: PostgreSQL, Redis, 2 Rasa, nginx on :8080 (README)
	$(PY) -m deploy.cluster --port $(WEB_PORT)

shell: install index train ## rasa shell for coordinators; DEBUG=1 shows retrieved passages and scores
	scripts/serve.sh shell

test: ## everything CI runs
	@# What installs, downloads and unpacks side by side (little CPU).
	$(MAKE) --no-print-directory -j4 --output-sync=target install system-test-deps
	$(MAKE) --no-print-directory index $(EMERGENCY_CLASSIFIER)
	@# The unit tests need no Rasa model: they run while it trains, one on each core (CI time).
	$(MAKE) --no-print-directory unit-test & unit=$$!; $(MAKE) --no-print-directory train; trained=$$?; \
		wait $$unit && test $$trained = 0
	$(MAKE) --no-print-directory rasa-test e2e-test

bench: install index train ## ours vs Rasa's starter bot, and the index scale table (results/)
	$(PY) scripts/bench.py $(BENCH_ARGS)

purge: $(RASA_VENV)/.installed ## delete conversations idle for more than RETENTION_DAYS (30) from the tracker store
	$(RASA_VENV)/bin/python -W ignore scripts/purge.py

report: $(ACTIONS_VENV)/.installed index ## coordinators: unanswered questions, rejected answers, pre-screen funnel (REPORT_ARGS="--format csv")
	@$(PY) scripts/report.py $(REPORT_ARGS)

eval: install index train ## answer quality on tests/eval (EVAL_ARGS="--set dev --show-wrong"): table and results/eval.json
	$(PY) scripts/eval.py $(EVAL_ARGS)

import: $(ACTIONS_VENV)/.installed ## a ClinicalTrials.gov record into knowledge/: make import FILE=NCT01234567.json (or NCT=NCT01234567 to download it)
	@test -n "$(FILE)$(NCT)" || { echo "usage: make import FILE=path/to/NCTxxxxxxxx.json  (or NCT=NCTxxxxxxxx to download it)"; exit 2; }
	$(PY) -m actions.registry_import $(if $(NCT),--fetch $(NCT),$(FILE))

install: $(RASA_VENV)/.installed $(ACTIONS_VENV)/.installed node_modules/.installed

system-test-deps: ## Debian's Chromium, PostgreSQL, Redis and nginx (installs only what is missing)
	scripts/install.sh system-test

$(RASA_VENV)/.installed: requirements/rasa.txt requirements/rasa-constraints.txt requirements/mplsetup.cfg scripts/install.sh
	scripts/install.sh rasa && touch $@

$(ACTIONS_VENV)/.installed: requirements/actions.txt scripts/install.sh
	scripts/install.sh actions && touch $@

node_modules/.installed: package.json package-lock.json
	scripts/install.sh web && touch $@

index: $(INDEX_BUILT) ## build the faiss index from knowledge/, then the answer check (nothing when current)

$(INDEX_BUILT): $(ACTIONS_VENV)/.installed $(INDEX_INPUTS)
	$(PY) -m actions.build_index
	$(PY) -m actions.answer_check
	touch $@

train: $(MODEL)

$(ONNX_EXPORT): $(ACTIONS_VENV)/.installed
	$(PY) -m actions.build_index

$(EMERGENCY_CLASSIFIER): $(ACTIONS_VENV)/.installed actions/emergency_classifier.py actions/fine_tuning.py actions/emergency_exemplars.yml \
		$(wildcard data/nlu/*.yml)
	$(PY) -m actions.emergency_classifier

$(MODEL): $(RASA_VENV)/.installed $(RASA_INPUTS) $(ONNX_EXPORT) $(EMERGENCY_CLASSIFIER)
	$(RASA) train --fixed-model-name trial-assistant --out models --quiet

unit-test: $(ACTIONS_VENV)/.installed index $(EMERGENCY_CLASSIFIER)
	$(PY) -m pytest -q tests --ignore=tests/e2e

rasa-test: $(MODEL)
	scripts/rasa_checks.sh

$(WEBCHAT): ## rasa-webchat's bundle from the npm registry, for a browser test only
	scripts/install.sh webchat

e2e-test: install system-test-deps index $(MODEL) $(WEBCHAT)
	$(PY) -m pytest -q tests/e2e

clean: ## remove what the build made (keeps the virtual environments)
	rm -rf build models results var
