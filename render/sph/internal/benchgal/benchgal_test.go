package benchgal

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestViewsOrthonormal(t *testing.T) {
	t.Parallel()
	for v, m := range Views(10) {
		for i := range 3 {
			for j := range 3 {
				want := 0.0
				if i == j {
					want = 1
				}
				// Built from normalised cross products: rounding only.
				if got := dot(m[i], m[j]); math.Abs(got-want) > 1e-12 {
					t.Errorf("view %d: row %d · row %d = %v, want %v", v, i, j, got, want)
				}
			}
		}
		// Right-handed: x = y × n, as yt's east = north × normal.
		if x := cross(m[1], m[2]); math.Abs(dot(x, m[0])-1) > 1e-12 {
			t.Errorf("view %d: x ≠ y × n", v)
		}
	}
}

func TestGalaxyDeterministic(t *testing.T) {
	t.Parallel()
	p1, w1 := Galaxy(1000, 9)
	p2, w2 := Galaxy(1000, 9)
	for i := range p1 {
		if p1[i] != p2[i] || w1[i*Bands] != w2[i*Bands] {
			t.Fatalf("particle %d differs between two draws with the same seed", i)
		}
		if r := math.Sqrt(dot(p1[i], p1[i])); r > CutKpc {
			t.Fatalf("particle %d at r = %v kpc beyond the cut", i, r)
		}
	}
}

func TestWriteNPYHeader(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a.npy")
	if err := WriteNPY(path, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// numpy: magic, version 1.0, header length, header padded so the data
	// start at a multiple of 64 bytes; then 6 little-endian float64.
	hlen := int(b[8]) | int(b[9])<<8
	if string(b[:6]) != "\x93NUMPY" || (10+hlen)%64 != 0 || len(b) != 10+hlen+48 || b[10+hlen-1] != '\n' {
		t.Errorf("bad .npy layout: header length %d, file %d bytes: %q", hlen, len(b), b[:10+hlen])
	}
	if err := WriteNPY(path, []int{4}, []float64{1}); err == nil {
		t.Error("shape mismatch: no error")
	}
}
