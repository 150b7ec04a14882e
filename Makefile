# Makefile — the front door. `make demo` and `make test` are all a newcomer needs;
# both install missing Debian packages first (tools/install-deps.sh).
#
#   make demo      build what the demo runs, then run the exporter with packaging/demo/ (Ctrl-C stops)
#   make test      build + the whole suite: unit, integration, sanitizers, short fuzz
#   make bench     release build + Google Benchmark + side-by-side runs against peers
#   make fuzz      long fuzz runs (FUZZ_SECONDS per target, default 600)
#   make package   deb + rpm via CPack (make package-test: and test them)
BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_GEN  ?= -G Ninja
CTEST_ARGS ?= --output-on-failure --timeout 900
FUZZ_SECONDS ?= 600
# ccache keys on paths relative to the checkout, so another clone reuses the
# cache. With -g (RelWithDebInfo) ccache also hashes the working directory
# unless hash_dir is off: without CCACHE_NOHASHDIR a second clone got 0 hits.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps configure build test unit-test sanitize asan tsan fuzz-short fuzz demo bench package package-test clean

all: build

deps:
	@tools/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The suite CI runs: everything in the main build, then the sanitizer builds
# and a short fuzz run.
test: build
	cd $(BUILD) && ctest $(CTEST_ARGS) -j $(JOBS)
	$(MAKE) sanitize
	$(MAKE) fuzz-short
	if tests/packaging/can-run.sh; then $(MAKE) package-test; fi

unit-test: build
	cd $(BUILD) && ctest $(CTEST_ARGS) -L unit -j $(JOBS)

sanitize: asan tsan

# AddressSanitizer + UndefinedBehaviorSanitizer over the unit tests and the
# host-level tests that drive real plugins.
asan: deps
	cmake -S . -B $(BUILD)-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DPE_SANITIZE="address;undefined" -DPE_BUILD_BENCH=OFF
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS) -L sanitize -j $(JOBS)

# ThreadSanitizer over the concurrency code (orchestrator, single-flight, pools):
# only the suites labelled "concurrency" and the plugins they load are built.
TSAN_TARGETS = host_concurrency_tests host_server_tests script_concurrency_tests proxy_plugin_tests \
  push_unit_test remote_write_concurrency_tests sdk_unit_tests isolation_tests \
  isolated_collect_tests
tsan: deps
	cmake -S . -B $(BUILD)-tsan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DPE_SANITIZE=thread -DPE_BUILD_BENCH=OFF
	cmake --build $(BUILD)-tsan -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(BUILD)-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest $(CTEST_ARGS) -L concurrency -j $(JOBS)

# libFuzzer targets (clang, ASan+UBSan): a short run is part of `make test`.
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPE_BUILD_FUZZERS=ON -DPE_BUILD_BENCH=OFF -DPE_BUILD_TESTS=ON
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzzers

fuzz-short: fuzz-build
	tests/fuzz/run-fuzzers.sh $(BUILD)-fuzz 20

fuzz: fuzz-build
	tests/fuzz/run-fuzzers.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

# Only the host and the plugins packaging/demo/ loads (the CMake target
# `demo`), not the tests and benchmarks `build` makes.
demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target demo
	tools/run-demo.sh $(BUILD)

bench: deps
	cmake -S . -B $(BUILD)-release $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DPE_BUILD_TESTS=OFF
	cmake --build $(BUILD)-release -j $(JOBS)
	bench/run-all.sh $(BUILD)-release

# deb and rpm packages (CPack), one build directory per format: Debian keeps
# libraries and plugins in /usr/lib/<triplet>, RPM systems in /usr/lib64
# (packaging/README.md). ccache makes the second build mostly cache hits.
package: deps
	for format in deb rpm; do \
	  cmake -C packaging/cache/$$format.cmake -S . -B $(BUILD)-package-$$format $(CMAKE_GEN) && \
	  CCACHE_BASEDIR=$(CURDIR) cmake --build $(BUILD)-package-$$format -j $(JOBS) && \
	  (cd $(BUILD)-package-$$format && cpack) || exit 1; \
	done
	@ls -1 $(BUILD)-package-deb/packages/*.deb $(BUILD)-package-rpm/packages/*.rpm

# The packages' contents and lintian, then install, run, upgrade and remove
# them on this machine (root; tests/packaging/test_packages.py).
package-test: package
	PE_DEB_DIR=$(BUILD)-package-deb/packages PE_RPM_DIR=$(BUILD)-package-rpm/packages \
	  python3 tests/packaging/test_packages.py -v

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-fuzz $(BUILD)-release $(BUILD)-package-deb $(BUILD)-package-rpm
