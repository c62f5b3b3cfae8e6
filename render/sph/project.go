package sph

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Grid is a rectangular pixel grid in the image plane. Pixel (i, j), i < NX,
// j < NY, covers [X0 + i·Pix, X0 + (i+1)·Pix) × [Y0 + j·Pix, Y0 + (j+1)·Pix)
// and is element j·NX + i of a row-major image (y major).
type Grid struct {
	// NX and NY are the numbers of columns and rows; both must be positive.
	NX, NY int
	// X0 and Y0 are the lower-left corner of pixel (0, 0) in kpc.
	X0, Y0 float64
	// Pix is the pixel size in kpc; it must be positive and finite.
	Pix float64
}

func (g Grid) check() {
	if g.NX <= 0 || g.NY <= 0 || !(g.Pix > 0) || math.IsInf(g.Pix, 0) ||
		math.IsNaN(g.X0) || math.IsInf(g.X0, 0) || math.IsNaN(g.Y0) || math.IsInf(g.Y0, 0) {
		panic(fmt.Sprintf("sph: bad grid %+v", g))
	}
}

// cellIntegralMaxH is the boundary between the two deposit methods, in
// pixels: particles with h below it get exact cell integrals of the projected
// kernel (depositCells); larger ones get row-normalised, corrected centre
// samples (depositRows).
const cellIntegralMaxH = 4.0

// stripeRows is the number of image rows in one unit of parallel work.
const stripeRows = 8

// Project is the allocating form of ProjectTo: it returns nb new images of
// g.NY×g.NX pixels holding the projected weights, nb = len(w)/len(x).
func Project(g Grid, x, y, h, w []float64, nb int, k Kernel, workers int) [][]float64 {
	g.check()
	dst := make([][]float64, nb)
	for b := range dst {
		dst[b] = make([]float64, g.NX*g.NY)
	}
	ProjectTo(dst, g, x, y, h, w, k, workers)
	return dst
}

// ProjectTo adds the light of every particle to dst[b] (row-major g.NY×g.NX,
// y major) for each band b = 0 … len(dst)−1: particle i at image-plane
// position (x[i], y[i]) kpc with smoothing length h[i] kpc (the kernel's
// support radius) carries weight w[i*nb+b], nb = len(dst). Each pixel
// receives the weight times the integral of the line-of-sight-projected
// kernel over the pixel, so dst holds light per pixel (divide by Pix² for
// surface brightness).
//
// Light is conserved: a particle whose kernel lies inside the grid adds
// exactly its weight (to rounding, ≲1e-13 relative), whatever h is compared
// with the pixel; one partly outside adds its weight times the fraction of the
// kernel over the grid. A particle with h ≤ 0 is a point and lands whole in the
// pixel that contains it. Particles with a non-finite position or smoothing
// length are skipped.
//
// The work is split into fixed stripes of image rows handed to workers
// goroutines (workers ≤ 0 means runtime.GOMAXPROCS(0)); each pixel sums its
// particles in index order, so the result is bit-identical for any number of
// workers. ProjectTo panics if len(x), len(y), len(h) differ, if
// len(w) ≠ len(x)·len(dst), if a dst[b] is not g.NX·g.NY long, or if g is
// invalid.
func ProjectTo(dst [][]float64, g Grid, x, y, h []float64, w []float64, k Kernel, workers int) {
	g.check()
	t := k.tables()
	n, nb := len(x), len(dst)
	if len(y) != n || len(h) != n {
		panic(fmt.Sprintf("sph: ProjectTo: len(x)=%d, len(y)=%d, len(h)=%d differ", n, len(y), len(h)))
	}
	if nb == 0 {
		return
	}
	if len(w) != n*nb {
		panic(fmt.Sprintf("sph: ProjectTo: len(w)=%d, want len(x)·len(dst) = %d·%d", len(w), n, nb))
	}
	for b := range dst {
		if len(dst[b]) != g.NX*g.NY {
			panic(fmt.Sprintf("sph: ProjectTo: len(dst[%d])=%d, want %d×%d", b, len(dst[b]), g.NX, g.NY))
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &projector{g: g, t: t, nb: nb, x: x, y: y, h: h, w: w,
		inv: 1 / g.Pix, acc: make([]float64, g.NX*g.NY*nb)}
	p.bin(workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	nw := min(workers, p.nStripes)
	for range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s scratch
			for {
				st := int(next.Add(1) - 1)
				if st >= p.nStripes {
					return
				}
				p.stripe(st, &s)
			}
		}()
	}
	wg.Wait()
	// Unpack the interleaved accumulator into dst, rows in parallel.
	parallelRange(g.NY, workers, func(j0, j1 int) {
		for b := range dst {
			d := dst[b][j0*g.NX : j1*g.NX]
			a := p.acc[j0*g.NX*nb:]
			for i := range d {
				d[i] += a[i*nb+b]
			}
		}
	})
}

// parallelRange calls f on contiguous sub-ranges of [0, n) from at most
// workers goroutines.
func parallelRange(n, workers int, f func(lo, hi int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for c := range workers {
		lo, hi := n*c/workers, n*(c+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

type projector struct {
	g          Grid
	t          *ktables
	nb         int
	x, y, h, w []float64
	inv        float64 // 1/Pix
	acc        []float64

	nStripes int
	span     []uint32 // per particle: first stripe << 16 | last stripe; 0xFFFFFFFF: not on the grid
	start    []int    // CSR offsets per stripe, len nStripes+1
	list     []int32  // particle indices per stripe, in index order
}

// footprint returns the particle's position and smoothing length in pixel
// units and whether it can touch the grid.
func (p *projector) footprint(i int) (px, py, hp float64, ok bool) {
	px = (p.x[i] - p.g.X0) * p.inv
	py = (p.y[i] - p.g.Y0) * p.inv
	hp = p.h[i] * p.inv
	if math.IsNaN(px) || math.IsInf(px, 0) || math.IsNaN(py) || math.IsInf(py, 0) ||
		math.IsNaN(hp) || math.IsInf(hp, 0) {
		return 0, 0, 0, false
	}
	if hp < 0 {
		hp = 0
	}
	if px+hp < 0 || px-hp >= float64(p.g.NX) || py+hp < 0 || py-hp >= float64(p.g.NY) {
		return 0, 0, 0, false
	}
	return px, py, hp, true
}

// clampFloor returns floor(v) clamped to [lo, hi].
func clampFloor(v float64, lo, hi int) int {
	if v < float64(lo) {
		return lo
	}
	if v >= float64(hi) {
		return hi
	}
	return int(math.Floor(v))
}

// bin assigns each particle to the stripes its footprint's rows fall in,
// as CSR lists in particle-index order. Chunks are fixed (independent of
// workers), so the lists are too.
func (p *projector) bin(workers int) {
	n := len(p.x)
	p.nStripes = (p.g.NY + stripeRows - 1) / stripeRows
	if p.nStripes > 1<<15 {
		panic("sph: grid too tall")
	}
	p.span = make([]uint32, n)
	const chunk = 1 << 14
	nc := (n + chunk - 1) / chunk
	counts := make([]int, nc*p.nStripes)
	parallelRange(nc, workers, func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			cnt := counts[c*p.nStripes : (c+1)*p.nStripes]
			for i := c * chunk; i < min(n, (c+1)*chunk); i++ {
				px, py, hp, ok := p.footprint(i)
				_ = px
				if !ok {
					p.span[i] = math.MaxUint32
					continue
				}
				j0 := clampFloor(py-hp, 0, p.g.NY-1)
				j1 := clampFloor(py+hp, 0, p.g.NY-1)
				s0, s1 := j0/stripeRows, j1/stripeRows
				p.span[i] = uint32(s0)<<16 | uint32(s1)
				for s := s0; s <= s1; s++ {
					cnt[s]++
				}
			}
		}
	})
	// Offsets: stripe-major, then chunk order.
	off := make([]int, nc*p.nStripes)
	p.start = make([]int, p.nStripes+1)
	tot := 0
	for s := 0; s < p.nStripes; s++ {
		p.start[s] = tot
		for c := 0; c < nc; c++ {
			off[c*p.nStripes+s] = tot
			tot += counts[c*p.nStripes+s]
		}
	}
	p.start[p.nStripes] = tot
	p.list = make([]int32, tot)
	parallelRange(nc, workers, func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			o := off[c*p.nStripes : (c+1)*p.nStripes]
			for i := c * chunk; i < min(n, (c+1)*chunk); i++ {
				sp := p.span[i]
				if sp == math.MaxUint32 {
					continue
				}
				for s := int(sp >> 16); s <= int(sp&0xFFFF); s++ {
					p.list[o[s]] = int32(i)
					o[s]++
				}
			}
		}
	})
}

// scratch is one worker's footprint buffers.
type scratch struct {
	bx      []hermBasis
	colM    []float64
	hRow    []float64
	dPrev   []float64
	dNext   []float64
	row     []float64
	weights []float64
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n, 2*n)
	}
	return s[:n]
}

// stripe deposits every particle of stripe st into the rows it owns.
func (p *projector) stripe(st int, s *scratch) {
	r0 := st * stripeRows
	r1 := min(r0+stripeRows, p.g.NY) - 1
	if cap(s.weights) < p.nb {
		s.weights = make([]float64, p.nb)
	}
	for _, i32 := range p.list[p.start[st]:p.start[st+1]] {
		i := int(i32)
		px, py, hp, _ := p.footprint(i)
		wp := p.w[i*p.nb : (i+1)*p.nb]
		if hp < cellIntegralMaxH {
			p.depositCells(px, py, hp, r0, r1, wp, s)
		} else {
			p.depositRows(px, py, hp, r0, r1, wp, s)
		}
	}
}

// addPixel adds v·wp to pixel (i, j) of the accumulator.
func (p *projector) addPixel(i, j int, v float64, wp []float64) {
	a := p.acc[(j*p.g.NX+i)*p.nb:]
	for b, wb := range wp {
		a[b] += v * wb
	}
}

// addRow adds v[k]·wp to pixels (i0+k, j) of the accumulator.
func (p *projector) addRow(i0, j int, v []float64, wp []float64) {
	nb := p.nb
	a := p.acc[(j*p.g.NX+i0)*nb : (j*p.g.NX+i0+len(v))*nb]
	switch nb {
	case 1:
		w0 := wp[0]
		for k, vk := range v {
			a[k] += vk * w0
		}
	case 4:
		addRow4(a, v, wp)
	default:
		for k, vk := range v {
			q := a[k*nb : (k+1)*nb]
			for b, wb := range wp {
				q[b] += vk * wb
			}
		}
	}
}

// depositCells deposits a particle with exact cell integrals: pixel (i, j)
// gets the mixed difference of the quadrant integral H at its four corners,
// so the footprint over the whole plane telescopes to 4·T(1, 1) = 1. A corner
// outside the kernel's x (or y) extent has H = ±T(1, b) = ±M(b)/2 (or
// ±M(a)/2), read from the 1D strip table; only corners inside both extents
// need the 2D table.
func (p *projector) depositCells(px, py, hp float64, r0, r1 int, wp []float64, s *scratch) {
	nx := p.g.NX
	fi0, fi1 := math.Floor(px-hp), math.Floor(px+hp)
	fj0, fj1 := math.Floor(py-hp), math.Floor(py+hp)
	if fi0 == fi1 && fj0 == fj1 {
		// The whole kernel lies in one pixel.
		i, j := int(fi0), int(fj0)
		if i >= 0 && i < nx && j >= r0 && j <= r1 {
			p.addPixel(i, j, 1, wp)
		}
		return
	}
	if fj1 < float64(r0) || fj0 > float64(r1) {
		return
	}
	i0, i1 := clampFloor(px-hp, 0, nx-1), clampFloor(px+hp, 0, nx-1)
	j0, j1 := clampFloor(py-hp, r0, r1), clampFloor(py+hp, r0, r1)
	t := p.t
	ih := 1 / hp
	nc := i1 - i0 + 2 // corner columns
	if cap(s.bx) < nc {
		s.bx = make([]hermBasis, nc, 2*nc)
	}
	bx := s.bx[:nc]
	s.colM = grow(s.colM, nc)
	colM := s.colM
	for e := range bx {
		a := (float64(i0+e) - px) * ih
		bx[e] = newHermBasis(a)
		colM[e] = 0.5 * t.stripAt(a) // H(a, ±1) = ±M(a)/2
	}
	s.hRow = grow(s.hRow, nc)
	s.dPrev = grow(s.dPrev, nc-1)
	s.dNext = grow(s.dNext, nc-1)
	s.row = grow(s.row, nc-1)
	hrow := s.hRow
	corner := func(c int, drow []float64) {
		b := (float64(c) - py) * ih
		if b <= -1 || b >= 1 {
			sb := 1.0
			if b < 0 {
				sb = -1
			}
			for e := range hrow {
				hrow[e] = sb * colM[e]
			}
		} else {
			by := newHermBasis(b)
			rowM := 0.5 * t.stripAt(b) // H(±1, b) = ±M(b)/2
			for e := range hrow {
				if bx[e].saturated {
					hrow[e] = bx[e].sign * rowM
				} else {
					hrow[e] = t.quadrant(&bx[e], &by)
				}
			}
		}
		for e := range drow {
			drow[e] = hrow[e+1] - hrow[e]
		}
	}
	corner(j0, s.dPrev)
	for j := j0; j <= j1; j++ {
		corner(j+1, s.dNext)
		row := s.row
		for e := range row {
			row[e] = s.dNext[e] - s.dPrev[e]
		}
		p.addRow(i0, j, row, wp)
		s.dPrev, s.dNext = s.dNext, s.dPrev
	}
}

// depositRows deposits a particle with h ≥ cellIntegralMaxH pixels row by
// row. Row j receives L_j, the exact integral of the projected kernel over the
// part of its strip [j, j+1) that lies on the grid (the mixed difference of the
// quadrant integral H at that rectangle's corners; the whole strip when the
// kernel's chord is inside the grid), distributed over the row's columns in
// proportion to centre samples of F + ∇²F/(24 hp²) — the pixel average of F to
// fourth order in 1/hp. Only on-grid pixels are ever sampled, whatever h is.
func (p *projector) depositRows(px, py, hp float64, r0, r1 int, wp []float64, s *scratch) {
	nx := p.g.NX
	t := p.t
	ih := 1 / hp
	ih2 := ih * ih
	if math.Floor(py+hp) < float64(r0) || math.Floor(py-hp) > float64(r1) {
		return
	}
	j0, j1 := clampFloor(py-hp, r0, r1), clampFloor(py+hp, r0, r1)
	lapc := ih2 / 24
	// Column edges of the grid, in units of h, clamped by the bases. When
	// the kernel's x extent is inside the grid, rows get the whole strip
	// from the fine 1D table M (its Hermite error, ~1e-13, is negligible
	// even for the faint edge rows of a large particle); otherwise the
	// on-grid part of the strip from the 2D quadrant table.
	left := newHermBasis((0 - px) * ih)
	right := newHermBasis((float64(nx) - px) * ih)
	whole := left.saturated && right.saturated && left.sign < 0 && right.sign > 0
	yLo := (float64(j0) - py) * ih
	var mLo, hLoL, hLoR float64
	if whole {
		mLo = t.stripAt(yLo)
	} else {
		bLo := newHermBasis(yLo)
		hLoL, hLoR = t.quadrant(&left, &bLo), t.quadrant(&right, &bLo)
	}
	s.weights = s.weights[:p.nb]
	for j := j0; j <= j1; j++ {
		yHi := (float64(j+1) - py) * ih
		var light float64
		if whole {
			mHi := t.stripAt(yHi)
			light = mHi - mLo
			mLo = mHi
		} else {
			bHi := newHermBasis(yHi)
			hHiL, hHiR := t.quadrant(&left, &bHi), t.quadrant(&right, &bHi)
			light = (hHiR - hHiL) - (hLoR - hLoL)
			hLoL, hLoR = hHiL, hHiR
		}
		if light == 0 {
			continue
		}
		dy := (float64(j) + 0.5 - py) * ih
		e2 := dy * dy
		// On-grid columns whose centres lie inside the kernel's chord.
		ia, ib := 0, -1
		if e2 < 1 {
			xw := hp * math.Sqrt(1-e2)
			ia = int(max(math.Ceil(px-0.5-xw), 0))
			ib = int(min(math.Floor(px-0.5+xw), float64(nx-1)))
		}
		var sum float64
		var row []float64
		if ib >= ia {
			row = grow(s.row, ib-ia+1)
			s.row = row
			dx := float64(ia) + 0.5 - px
			for k := range row {
				q2 := dx*dx*ih2 + e2
				dx++
				var v float64
				if q2 < 1 {
					u := q2 * nF
					iu := int(u)
					f := u - float64(iu)
					fl := t.fl[2*iu : 2*iu+4 : 2*iu+4]
					v = fl[0] + f*(fl[2]-fl[0]) + lapc*(fl[1]+f*(fl[3]-fl[1]))
				}
				row[k] = v
				sum += v
			}
		}
		if !(sum > 0) {
			// No on-grid pixel centre of this row lies inside the
			// kernel: its (small) light goes to the on-grid column
			// nearest the particle.
			i := min(max(int(math.Floor(px)), 0), nx-1)
			p.addPixel(i, j, light, wp)
			continue
		}
		sc := light / sum
		for b, wb := range wp {
			s.weights[b] = wb * sc
		}
		p.addRow(ia, j, row, s.weights)
	}
}

// addRow4Generic is the portable form of addRow4.
func addRow4Generic(a, v, wp []float64) {
	w0, w1, w2, w3 := wp[0], wp[1], wp[2], wp[3]
	a = a[:4*len(v)]
	for k, vk := range v {
		q := a[4*k : 4*k+4 : 4*k+4]
		q[0] += vk * w0
		q[1] += vk * w1
		q[2] += vk * w2
		q[3] += vk * w3
	}
}
