package main

import (
	"fmt"
	"strconv"
	"strings"
)

// shard is one part of a job split over N machines: part I (0-based) of N.
type shard struct{ I, N int }

// parseShard parses "i/N" with 0 ≤ i < N; "" means the whole job (0/1).
func parseShard(s string) (shard, error) {
	if s == "" {
		return shard{0, 1}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return shard{}, fmt.Errorf("--shard %q: want i/N with 0 ≤ i < N (e.g. 0/4)", s)
	}
	return shard{i, n}, nil
}

// Range returns the half-open range of the items of this shard among n items:
// contiguous blocks, so concatenating the shards' outputs in order gives the
// single-machine output.
func (s shard) Range(n int) (lo, hi int) {
	return s.I * n / s.N, (s.I + 1) * n / s.N
}

// Suffix names per-shard outputs ("" for the whole job).
func (s shard) Suffix() string {
	if s.N == 1 {
		return ""
	}
	return fmt.Sprintf(".shard-%04d-of-%04d", s.I, s.N)
}
