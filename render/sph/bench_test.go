package sph

import (
	"math"
	"sync"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/kdtree"

	"github.com/galforge/galforge/render/sph/internal/benchgal"
)

// benchSet is the benchmark galaxy: benchgal's disc + bulge with smoothing
// lengths from the k = 32 search, seen from 10 views.
type benchSet struct {
	pos   [][3]float64
	w, h  []float64
	views [][3][3]float64
}

var (
	benchMu   sync.Mutex
	benchSets = map[int]*benchSet{}
)

func getBench(n int) *benchSet {
	benchMu.Lock()
	defer benchMu.Unlock()
	if s, ok := benchSets[n]; ok {
		return s
	}
	pos, w := benchgal.Galaxy(n, 1)
	s := &benchSet{pos: pos, w: w, h: SmoothingLengths(pos, 32, 1e-3, 0), views: benchgal.Views(10)}
	benchSets[n] = s
	return s
}

// benchGrid is the benchmark image: 256×256 pixels over 40 kpc.
var benchGrid = Grid{NX: 256, NY: 256, X0: -benchgal.FieldKpc / 2, Y0: -benchgal.FieldKpc / 2, Pix: benchgal.FieldKpc / 256}

// benchmarkProject times 10 views of n particles in 4 bands: rotation into
// each view's image plane, then ProjectTo into zeroed images, on workers
// goroutines (0: GOMAXPROCS).
func benchmarkProject(b *testing.B, n int, k Kernel, workers int) {
	s := getBench(n)
	x, y := make([]float64, n), make([]float64, n)
	dst := make([][]float64, benchgal.Bands)
	for i := range dst {
		dst[i] = make([]float64, benchGrid.NX*benchGrid.NY)
	}
	cpu0 := cpuTime()
	for b.Loop() {
		for _, m := range s.views {
			parallelRange(n, 0, func(lo, hi int) { benchgal.Rotate(x[lo:hi], y[lo:hi], s.pos[lo:hi], m) })
			for _, d := range dst {
				clear(d)
			}
			ProjectTo(dst, benchGrid, x, y, s.h, s.w, k, workers)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(10*n), "ns/particle-view")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime returns the user + system CPU time of the process so far: with
// other sessions loading the machine, it tracks the work done better than
// wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkProject1e5x10Views256(b *testing.B) { benchmarkProject(b, 100000, CubicSpline, 0) }
func BenchmarkProject1e6x10Views256(b *testing.B) { benchmarkProject(b, 1000000, CubicSpline, 0) }

// BenchmarkProject1e5x10Views256Workers1 is the single-goroutine cost.
func BenchmarkProject1e5x10Views256Workers1(b *testing.B) {
	benchmarkProject(b, 100000, CubicSpline, 1)
}

// BenchmarkProject1e6x10Views256Wendland is the same work with the Wendland
// C2 kernel (same tables, same cost up to noise).
func BenchmarkProject1e6x10Views256Wendland(b *testing.B) {
	benchmarkProject(b, 1000000, WendlandC2, 0)
}

func benchmarkSmoothingLengths(b *testing.B, n, workers int) {
	pos, _ := benchgal.Galaxy(n, 1)
	for b.Loop() {
		SmoothingLengths(pos, 32, 1e-3, workers)
	}
}

func BenchmarkSmoothingLengths1e5(b *testing.B)         { benchmarkSmoothingLengths(b, 100000, 0) }
func BenchmarkSmoothingLengths1e6(b *testing.B)         { benchmarkSmoothingLengths(b, 1000000, 0) }
func BenchmarkSmoothingLengths1e5Workers1(b *testing.B) { benchmarkSmoothingLengths(b, 100000, 1) }

// BenchmarkSmoothingLengthsGonum1e5 is the same search with gonum's
// spatial/kdtree on one goroutine (NKeeper of k+1: it returns the query
// point itself), for comparison with BenchmarkSmoothingLengths1e5Workers1.
func BenchmarkSmoothingLengthsGonum1e5(b *testing.B) {
	pos, _ := benchgal.Galaxy(100000, 1)
	pts := make(kdtree.Points, len(pos))
	for i, p := range pos {
		pts[i] = kdtree.Point{p[0], p[1], p[2]}
	}
	h := make([]float64, len(pos))
	for b.Loop() {
		cp := make(kdtree.Points, len(pts))
		copy(cp, pts)
		tr := kdtree.New(cp, false)
		for i, p := range pts {
			keep := kdtree.NewNKeeper(33)
			tr.NearestSet(keep, p)
			h[i] = sqrtMax(keep.Heap)
		}
	}
}

func sqrtMax(hp kdtree.Heap) float64 {
	var m float64
	for _, c := range hp {
		m = max(m, c.Dist)
	}
	return sqrtF(m)
}

func sqrtF(x float64) float64 { return math.Sqrt(x) }
