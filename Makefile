# galforge — build, test and demo. Everything a fresh Debian machine needs is
# installed by the `deps` target (the HDF5 C library via apt-get); Go 1.27.3 is
# fetched by the go command itself (GOTOOLCHAIN) from the module proxy.

export GOTOOLCHAIN := go1.27.3
# AVX-512/AVX2 kernels in GoMLX's pure-Go backend (DESIGN.md).
export GOEXPERIMENT := simd
export CGO_ENABLED := 1
# HDF5 through cgo: Debian's serial build. Evaluated lazily, after `deps`.
export CGO_CFLAGS = $(shell pkg-config --cflags hdf5-serial 2>/dev/null || pkg-config --cflags hdf5 2>/dev/null) -O2
export CGO_LDFLAGS = $(shell pkg-config --libs hdf5-serial 2>/dev/null || pkg-config --libs hdf5 2>/dev/null)

GO ?= go
BIN := bin/galforge
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
DEMO_OUT ?= out/quickstart
# Test timeout per package binary; the whole suite runs in a few minutes on 2 cores.
TEST_TIMEOUT ?= 12m

.PHONY: all build test demo bench deps check-go vet clean

all: build

check-go:
	@command -v $(GO) >/dev/null 2>&1 || { echo "galforge: no 'go' command on PATH. Install Go ≥ 1.21 (e.g. /usr/local/go); it then fetches Go 1.27.3 by itself." >&2; exit 1; }

deps: check-go
	@if pkg-config --exists hdf5-serial 2>/dev/null || pkg-config --exists hdf5 2>/dev/null; then :; else \
	  echo "galforge: installing the HDF5 C library (libhdf5-dev) and pkg-config with apt-get"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else \
	    echo "galforge: need libhdf5-dev and pkg-config, but I am not root and there is no sudo: install them, then rerun" >&2; exit 1; fi; \
	  command -v apt-get >/dev/null 2>&1 || { echo "galforge: no apt-get here: install the HDF5 C library (with pkg-config's hdf5 module) by hand" >&2; exit 1; }; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libhdf5-dev pkg-config >/dev/null || \
	    { echo "galforge: apt-get install libhdf5-dev pkg-config failed" >&2; exit 1; }; \
	fi
	@$(GO) mod download

build: deps
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/galforge

vet: deps
	$(GO) vet ./...

test: deps vet
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

# The main job on the built-in default: render the quickstart galaxies (built by
# `run`'s first stage) with PNG contact sheets, render the real CAMELS-TNG galaxy the
# same way, then the whole experiment: simulate 40 galaxies → observe every snapshot
# in 10 views × 4 bands with noise → train the CNN on phase, merger stage, mass ratio
# and 3D half-mass radius → evaluate on held-out galaxies; it ends with the report.
demo: build
	$(BIN) simulate -c configs/quickstart.yaml --out $(DEMO_OUT)
	$(BIN) render -c configs/quickstart.yaml --out $(DEMO_OUT)
	$(BIN) render testdata/camels/camels_snap.hdf5 --groups testdata/camels/camels_subhalo.hdf5 --subhalo 3 \
	  -c configs/quickstart.yaml --fov-kpc 40 --out $(DEMO_OUT)/camels
	$(BIN) run -c configs/quickstart.yaml --out $(DEMO_OUT)
	@echo "--- contact sheets (views x bands): $(DEMO_OUT)/previews/*.png and $(DEMO_OUT)/camels/previews/*.png"
	@echo "--- stamps: $(DEMO_OUT)/mock/stamps_<band>.fits; model: $(DEMO_OUT)/model; figures: $(DEMO_OUT)/figures"
	@echo "--- $(DEMO_OUT)/report.md"
	@cat $(DEMO_OUT)/report.md

# Benchmarks (not timed tests): snapshot generation and reading, SPH projection,
# photometry, the Sérsic fit, and the emulator networks (the library default and
# DeepLeGATo's) beside their PyTorch twins (bench/torch_cnn.py, when python3 has
# torch; see BENCHMARKS.md).
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 5x ./sims/... ./render/...
	$(GO) test -run '^$$' -bench FitSersic64 -benchtime 20x ./emulate/fit
	$(BIN) bench cnn --steps 20
	$(BIN) bench cnn --steps 20 --bands 2 --dense 1024 --dense-layers 2
	@PY=$$(for p in python3 /usr/bin/python3; do $$p -c 'import torch' 2>/dev/null && echo $$p && break; done); \
	if [ -n "$$PY" ]; then $$PY bench/torch_cnn.py --outputs 12 --steps 20 --threads $$(nproc) && \
	$$PY bench/torch_cnn.py --outputs 12 --steps 20 --threads $$(nproc) --bands 2 --dense 1024 --dense-layers 2; \
	else echo "bench: no python3 with torch (Debian: apt-get install python3-torch): PyTorch side skipped"; fi

clean:
	rm -rf bin out
