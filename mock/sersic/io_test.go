package sersic

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"testing"

	"codeberg.org/astrogo/fitsio"
)

// readFITS returns the primary image of a (possibly gzipped) FITS file as
// float64 values in file order, and its axis lengths.
func readFITS(t testing.TB, path string) ([]float64, []int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = bytes.NewReader(raw)
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = zr
	}
	f, err := fitsio.Open(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	img, ok := f.HDU(0).(fitsio.Image)
	if !ok {
		t.Fatalf("%s: HDU 0 is not an image", path)
	}
	n := 1
	for _, a := range img.Header().Axes() {
		n *= a
	}
	d := make([]float32, n)
	if err := img.Read(&d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out, img.Header().Axes()
}

// readTruth returns the rows of a truth.csv as maps from column name.
func readTruth(t testing.TB, path string) []map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var rows []map[string]float64
	for _, rec := range recs[1:] {
		m := map[string]float64{}
		for i, name := range recs[0] {
			v, err := strconv.ParseFloat(rec[i], 64)
			if err != nil {
				t.Fatalf("%s: column %s: %v", path, name, err)
			}
			m[name] = v
		}
		rows = append(rows, m)
	}
	return rows
}
