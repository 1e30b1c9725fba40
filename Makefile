# Thaw — the two commands a new user needs:
#   make demo   install everything, build a release binary, run the demo on real data
#   make test   install what the tests need, run the test suite and the notebooks
SWIFT ?= swift
THAW  := .build/release/thaw
# pip-installed weights, data sets and Python test tools live in a project virtual environment
# (scripts/deps.sh makes it); every recipe's python3 is its interpreter.
THAW_VENV ?= $(CURDIR)/.venv
export THAW_VENV
export PATH := $(THAW_VENV)/bin:$(PATH)

.PHONY: demo demo-full bench-backbones deps-bench test deps deps-test deps-goldens goldens build clean asan tsan check-graph same-results test-slurm fuzz

deps:
	scripts/deps.sh

deps-test:
	scripts/deps.sh --test

deps-goldens:
	scripts/deps.sh --goldens

deps-bench:
	scripts/deps.sh --bench

# Regenerates every golden fixture (scripts/golden/*.py, PyTorch in the venv) into a temporary copy and
# diffs it against the committed ones; the checkout is left as it is.
goldens: deps-goldens
	scripts/goldens.sh

build:
	$(SWIFT) build -c release --product thaw

demo: deps build
	scripts/demo.sh $(THAW)

# The whole story on all 70,000 Fashion-MNIST images (extract, 64-head sweep, one fine-tuning epoch, predict,
# compare, report), each step's wall time and the total printed; about 10 min on an idle 2-core AVX-512 machine
# (DEMO_FULL_PRECISION=bf16: fine-tuning on bfloat16 GEMMs where the CPU has AVX512-BF16, about 8.7 min).
demo-full: deps build
	scripts/demo_full.sh $(THAW)

# Thaw against PyTorch, ONNX Runtime and OpenVINO on every backbone, batch 1 and 32, 2 threads each, fresh processes
# alternating (benchmarks/backbones/README.md); BENCH_ARGS passes options, e.g. BENCH_ARGS="--rounds 5 --cases lite0-b1".
bench-backbones: deps-bench
	nice -n 10 python3 benchmarks/backbones/run.py $(BENCH_ARGS)

# The module-graph check (and its self-test) first, then the Python package's tests and the notebooks
# (they need the release binary), then the XCTest suite, whose summary closes the output.
test: deps-test check-graph
	$(SWIFT) build -c release --product thaw
	THAW_BIN=$(CURDIR)/$(THAW) python3 -m pytest python/tests -q -rs
	scripts/run_notebooks.sh $(THAW)
	SWIFT=$(SWIFT) scripts/test.sh

# Sanitizers over the XCTest suite (not part of `make test`; see docs/sanitizers.md). Each keeps its own
# scratch path so `.build` stays intact; expect a long first build and a 2-20x slower run.
# CrashScriptTests is skipped: it runs the uninstrumented `.build` binary in a child process.
# FILTER narrows the run, e.g. make tsan FILTER="--filter ThawInputsTests".
asan:
	$(SWIFT) build --build-tests --scratch-path .build-asan -Xswiftc -sanitize=address -Xcc -fsanitize=address
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/sanitizers/lsan.supp $(SWIFT) test --skip-build --scratch-path .build-asan --disable-swift-testing \
	    --skip CrashScriptTests $(FILTER)

tsan:
	$(SWIFT) build --build-tests --scratch-path .build-tsan -Xswiftc -sanitize=thread -Xcc -fsanitize=thread
	TSAN_OPTIONS=halt_on_error=0 $(SWIFT) test --skip-build --scratch-path .build-tsan --disable-swift-testing \
	    --skip CrashScriptTests $(FILTER)

# ≥1,000,000 seeded mutations of real files per class of hostile input (LMDB page damage, view/stride
# arithmetic, folder links, IDX, manifests, images, bundles), 0 crashes expected; not part of `make test`
# or CI (about an hour on 2 cores; fuzz/README.md). FUZZ_CLASSES narrows it, e.g. FUZZ_CLASSES=lmdb.
FUZZ_COUNT ?= 1000000
fuzz:
	$(SWIFT) build -c release --product thaw-fuzz
	.build/release/thaw-fuzz run --count $(FUZZ_COUNT) $(FUZZ_CLASSES)

# Every import declared in Package.swift, every declared dependency imported, no cycles.
check-graph:
	python3 scripts/test_check_module_graph.py
	python3 scripts/check_module_graph.py

# Seeded fit / sweep / fine-tune runs on small real caches against scripts/same_results.json (about 2 min;
# a change to training code must reproduce it: identical test predictions, weights within 1e-6).
same-results: build
	python3 scripts/same_results.py --check --thaw $(THAW)

# The README's Slurm recipe on a real one-node Slurm (installs slurm-wlm and munge; root; about 70 s):
# an extraction array with a task cancelled and requeued, merge + verify, a sharded sweep combined.
test-slurm: build
	scripts/test_slurm.sh $(THAW)

clean:
	rm -rf .build
