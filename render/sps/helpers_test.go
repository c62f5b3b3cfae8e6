package sps

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// sharedData is ../shared/data seen from this package (tests that need a file
// too large for testdata/ skip when it is absent).
var sharedData = filepath.Join("..", "..", "..", "shared", "data")

func loadBC03(t testing.TB) *SSP {
	t.Helper()
	s, err := DefaultBC03()
	if err != nil {
		t.Fatalf("DefaultBC03: %v", err)
	}
	return s
}

func mustFilter(t testing.TB, name string) Filter {
	t.Helper()
	f, err := FilterByName(name)
	if err != nil {
		t.Fatalf("FilterByName(%q): %v", name, err)
	}
	return f
}

func allFilters(t testing.TB) []Filter {
	t.Helper()
	var out []Filter
	for _, b := range Bands() {
		out = append(out, mustFilter(t, b))
	}
	return out
}

// nearestIndex returns the index of the value of x closest to v in log.
func nearestIndex(x []float64, v float64) int {
	best, bd := -1, math.Inf(1)
	for i, xi := range x {
		if xi <= 0 {
			continue
		}
		if d := math.Abs(math.Log(xi / v)); d < bd {
			best, bd = i, d
		}
	}
	return best
}

// embeddedISED returns the uncompressed bytes of an embedded BC03 file.
func embeddedISED(t testing.TB, code string) []byte {
	t.Helper()
	gz, err := dataFS.ReadFile("data/bc2003_lr_" + code + "_chab_ssp.ised.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// relDiff returns |a−b|/max(|a|,|b|), 0 when both are 0.
func relDiff(a, b float64) float64 {
	m := math.Max(math.Abs(a), math.Abs(b))
	if m == 0 {
		return 0
	}
	return math.Abs(a-b) / m
}
