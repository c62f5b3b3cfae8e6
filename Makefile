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

# The main job on the built-in default: simulate the quickstart set, render
# every snapshot in 10 views and 4 bands (+ mass) with PNG contact sheets,
# render the real CAMELS-TNG galaxy the same way, make 256 analytic F160W
# stamps with noise and a training shard, and summarise.
demo: build
	$(BIN) simulate -c configs/quickstart.yaml --out $(DEMO_OUT)
	$(BIN) render -c configs/quickstart.yaml --out $(DEMO_OUT)
	$(BIN) render testdata/camels/camels_snap.hdf5 --groups testdata/camels/camels_subhalo.hdf5 --subhalo 3 \
	  -c configs/quickstart.yaml --fov-kpc 40 --out $(DEMO_OUT)/camels
	$(BIN) mock -c configs/candels-f160w-sersic.yaml --set mock.n_objects=256 --out $(DEMO_OUT)/mock --preview
	@echo "--- first rows of $(DEMO_OUT)/truth.csv"
	@head -n 6 $(DEMO_OUT)/truth.csv
	@echo "--- contact sheets (views x bands): $(DEMO_OUT)/previews/*.png and $(DEMO_OUT)/camels/previews/*.png"
	@echo "--- analytic F160W stamps: $(DEMO_OUT)/mock/stamps.fits, preview $(DEMO_OUT)/mock/preview.png"
	@echo "--- galforge sims inspect on the first snapshot"
	$(BIN) sims inspect $$(ls $(DEMO_OUT)/snapshots/*.hdf5 | head -n 1)
	@echo "--- the real CAMELS-TNG galaxy (subhalo 3) for comparison"
	$(BIN) sims inspect testdata/camels/camels_snap.hdf5 --groups testdata/camels/camels_subhalo.hdf5 --subhalo 3

# Benchmarks (not timed tests): snapshot generation and reading, SPH projection, photometry.
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 5x ./sims/... ./render/...

clean:
	rm -rf bin out
