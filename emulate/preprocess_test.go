package emulate

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMedian32 compares the selection median with a sort, on arrays with
// many ties (as rms maps have), constant arrays and odd and even lengths.
func TestMedian32(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		n := 1 + rng.IntN(300)
		levels := 1 + rng.IntN(6) // few distinct values: many ties
		if trial%3 == 0 {
			levels = 1 << 20
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(levels)) * 0.25
		}
		s := slices.Clone(v)
		slices.Sort(s)
		want := float64(s[n/2])
		if n%2 == 0 {
			want = 0.5 * (float64(s[n/2-1]) + float64(s[n/2]))
		}
		if got := median32(v); got != want {
			t.Fatalf("trial %d (n %d, %d levels): median %v, want %v", trial, n, levels, got, want)
		}
	}
}

// TestStreamCacheAndWorkers checks that the stream a training epoch sees
// does not depend on the number of reading goroutines or on whether the
// inputs come from the cache: one worker without a cache is the reference.
func TestStreamCacheAndWorkers(t *testing.T) {
	dir := t.TempDir()
	path := makeShard(t, dir, 120, 16, 11)
	c := tinyConfig()
	c.ShuffleBuffer = 20
	d, err := OpenData(context.Background(), []string{path}, c, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	collect := func() []Example {
		var err error
		var out []Example
		for e := range d.Stream(context.Background(), PartTrain, 9, true, true, c.ShuffleBuffer, c.Stretch, &err) {
			out = append(out, e)
		}
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	old := maxStreamWorkers
	defer func() { maxStreamWorkers = old }()
	maxStreamWorkers = 1
	d.SetCache(0)
	ref := collect()
	if len(ref) != d.Len(PartTrain) {
		t.Fatalf("stream gave %d examples, the split has %d", len(ref), d.Len(PartTrain))
	}
	per := int64(4 * len(ref[0].Input))
	maxStreamWorkers = 8
	for _, cache := range []int64{1 << 30, 7 * per} {
		d.SetCache(cache)
		for pass := range 2 { // the second pass reads the cache
			got := collect()
			if len(got) != len(ref) {
				t.Fatalf("cache %d, pass %d: %d examples, want %d", cache, pass, len(got), len(ref))
			}
			for i := range ref {
				if got[i].Meta.ID != ref[i].Meta.ID || got[i].Aug != ref[i].Aug || !slices.Equal(got[i].Input, ref[i].Input) {
					t.Fatalf("cache %d, pass %d: example %d differs (id %d aug %+v vs id %d aug %+v)",
						cache, pass, i, got[i].Meta.ID, got[i].Aug, ref[i].Meta.ID, ref[i].Aug)
				}
			}
		}
		if b := d.CachedBytes(); b == 0 || b > cache {
			t.Errorf("cache cap %d bytes holds %d bytes", cache, b)
		}
	}
	// Stopping a stream early must not leave workers behind (the race
	// detector and the next full pass would see them).
	var serr error
	k := 0
	for range d.Stream(context.Background(), PartTrain, 9, true, true, c.ShuffleBuffer, c.Stretch, &serr) {
		if k++; k == 3 {
			break
		}
	}
	if got := collect(); len(got) != len(ref) {
		t.Fatalf("after an early stop: %d examples, want %d", len(got), len(ref))
	}
}
