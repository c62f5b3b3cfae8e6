package shard

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// benchExamples draws 64×64 single-band SCI stamps: an exponential disc on
// unit Gaussian noise, as realistic for compression as a mock stamp.
func benchExamples(n int) (Header, []Example) {
	h := testHeader(64, 1, 1, 8)
	rng := rand.New(rand.NewPCG(1, 2))
	exs := make([]Example, n)
	for i := range exs {
		img := make([]float32, h.ImageLen())
		for y := range 64 {
			for x := range 64 {
				r := math.Hypot(float64(x)-31.5, float64(y)-31.5)
				img[y*64+x] = float32(50*math.Exp(-r/4) + rng.NormFloat64())
			}
		}
		exs[i] = Example{ID: int64(i), Row: int64(i), Images: img, Truth: make([]float32, 8)}
	}
	return h, exs
}

func reportRate(b *testing.B, h Header, n int) {
	b.SetBytes(int64(n * 4 * h.ImageLen()))
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "examples/s")
}

func BenchmarkWrite64x64x1(b *testing.B) {
	const n = 1024
	h, exs := benchExamples(n)
	path := filepath.Join(b.TempDir(), "w.shard")
	for b.Loop() {
		w, err := Create(path, h)
		if err != nil {
			b.Fatal(err)
		}
		for _, ex := range exs {
			if err := w.Append(ex); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, h, n)
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(n*h.RecordSize())/float64(st.Size()), "ratio")
	}
}

func BenchmarkReadAll64x64x1(b *testing.B) {
	const n = 1024
	h, exs := benchExamples(n)
	path := filepath.Join(b.TempDir(), "r.shard")
	writeShard(b, path, h, exs)
	r, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for b.Loop() {
		r.lastBlock = -1 // no block cache between rounds
		for _, err := range r.All() {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRate(b, h, n)
}

// BenchmarkRandom64x64x1K64 reads single examples in random order with
// blocks of 64 examples: each read decompresses and verifies one block.
func BenchmarkRandom64x64x1K64(b *testing.B) {
	const n = 1024
	h, exs := benchExamples(n)
	path := filepath.Join(b.TempDir(), "a.shard")
	writeShard(b, path, h, exs, WithBlockSize(64))
	r, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	var ex Example
	for b.Loop() {
		r.lastBlock = -1
		if err := r.ExampleTo(&ex, rng.IntN(n)); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, h, 1)
}
