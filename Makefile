# Thaw — the two commands a new user needs:
#   make demo   install everything, build a release binary, run the demo on real data
#   make test   install what the tests need, run the test suite and the notebooks
SWIFT ?= swift
THAW  := .build/release/thaw

.PHONY: demo test deps deps-test build clean

deps:
	scripts/deps.sh

deps-test:
	scripts/deps.sh --test

build:
	$(SWIFT) build -c release --product thaw

demo: deps build
	scripts/demo.sh $(THAW)

# Notebooks first (they need the release binary), then the XCTest suite, whose summary closes the output.
test: deps-test
	$(SWIFT) build -c release --product thaw
	scripts/run_notebooks.sh $(THAW)
	SWIFT=$(SWIFT) scripts/test.sh

clean:
	rm -rf .build
