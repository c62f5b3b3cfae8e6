package sph

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/galforge/galforge/render/sph/internal/benchgal"
)

// bruteHsml is the reference: sort every other particle's squared distance
// (computed with the same expression as the tree) and take the k-th.
func bruteHsml(pos [][3]float64, k int, floor float64) []float64 {
	n := len(pos)
	out := make([]float64, n)
	d2 := make([]float64, 0, n)
	for i, p := range pos {
		d2 = d2[:0]
		for j, o := range pos {
			if j == i {
				continue
			}
			dx, dy, dz := o[0]-p[0], o[1]-p[1], o[2]-p[2]
			d2 = append(d2, dx*dx+dy*dy+dz*dz)
		}
		if len(d2) == 0 {
			out[i] = floor
			continue
		}
		slices.Sort(d2)
		kk := min(k, len(d2))
		out[i] = max(math.Sqrt(d2[kk-1]), floor)
	}
	return out
}

func TestSmoothingLengthsBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	uniform := make([][3]float64, 2000)
	for i := range uniform {
		uniform[i] = [3]float64{rng.Float64() * 10, rng.Float64() * 10, rng.Float64() * 10}
	}
	galaxy, _ := benchgal.Galaxy(3000, 5) // clustered: disc + cuspy bulge
	dup := make([][3]float64, 0, 500)     // 60 copies of one point, 40 of another
	for i := range 500 {
		switch {
		case i < 60:
			dup = append(dup, [3]float64{1, 2, 3})
		case i < 100:
			dup = append(dup, [3]float64{1, 2, 3.5})
		default:
			dup = append(dup, [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()})
		}
	}
	for _, c := range []struct {
		name  string
		pos   [][3]float64
		k     int
		floor float64
	}{
		{"uniform 2000, k=32", uniform, 32, 0},
		{"uniform 2000, k=1", uniform, 1, 0},
		{"uniform 2000, k=64, floor", uniform, 64, 0.9},
		{"galaxy 3000, k=32", galaxy, 32, 0},
		{"duplicates, k=32, floor", dup, 32, 0.05},
		{"duplicates, k=32", dup, 32, 0},
		{"n = 10 ≤ k", uniform[:10], 32, 0},
		{"n = 33 = k+1", uniform[:33], 32, 0},
		{"n = 2", uniform[:2], 32, 0},
		{"n = 1", uniform[:1], 32, 0.3},
		{"k ≤ 0 defaults to 32", uniform[:500], 0, 0},
	} {
		k := c.k
		if k <= 0 {
			k = DefaultNeighbours
		}
		want := bruteHsml(c.pos, k, c.floor)
		for _, workers := range []int{1, 3} {
			got := SmoothingLengths(c.pos, c.k, c.floor, workers)
			for i := range want {
				// Same squared distances, same k-th order statistic:
				// exact equality.
				if got[i] != want[i] {
					t.Errorf("case %s, workers %d: h[%d] = %v, want %v", c.name, workers, i, got[i], want[i])
					break
				}
			}
		}
	}
	if got := SmoothingLengths(nil, 32, 1, 1); len(got) != 0 {
		t.Errorf("no particles: got %v", got)
	}
}

func TestSmoothingLengthsPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("NaN position: no panic")
		}
	}()
	SmoothingLengths([][3]float64{{0, 0, 0}, {math.NaN(), 0, 0}}, 1, 0, 1)
}
