# Kamiflow — every target installs what it needs on a fresh Debian machine (as root, or through sudo), then runs.
#   make demo    install, build, run the main job on Samples/
#   make test    install, build, run the whole test suite
#   make bench   install, build (release), run the benchmarks

SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages the code needs at build, test or run time.
APT_PACKAGES := \
	pkg-config \
	libtesseract-dev libleptonica-dev \
	tesseract-ocr tesseract-ocr-jpn tesseract-ocr-eng tesseract-ocr-osd \
	poppler-utils \
	libcairo2-dev fonts-ipafont-gothic fonts-ipafont-mincho \
	libsqlite3-dev sqlite3
# Python modules the tests use as independent, real clients (JSON Schema validator, CSV reader).
PY_MODULES := jsonschema

.PHONY: deps build demo test bench clean

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
	@for m in $(PY_MODULES); do \
		python3 -c "import $$m" 2>/dev/null || python3 -m pip install -q $$m; \
	done

build: deps
	$(SWIFT) build

# For now the demo reads the sample scans and prints what it read (later issues make it the full main job).
demo: build
	$(SWIFT) run kamiflow ocr Samples/*

# libgomp reads OMP_THREAD_LIMIT when libtesseract loads, so the test process must start with it (DESIGN §4).
test: deps
	$(SWIFT) build --build-tests
	OMP_THREAD_LIMIT=1 $(SWIFT) test --skip-build

bench: deps
	$(SWIFT) build -c release
	Benchmarks/run.sh

clean:
	rm -rf .build .kamiflow
