package sph

import (
	"fmt"
	"math"
	"runtime"
	"slices"
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

// stripeRows returns the number of image rows in one unit of parallel work:
// about 8 stripes per worker, between 8 and 32 rows. Taller stripes cut the
// work repeated for particles that straddle two stripes; the result does not
// depend on the choice (each pixel's value is computed the same way whichever
// stripe holds it, and summed in particle order).
func stripeRows(ny, workers int) int {
	return min(max((ny+8*workers-1)/(8*workers), 8), 32)
}

// Project is the allocating form of ProjectTo: it returns nb new images of
// g.NY×g.NX pixels; w holds nb weights per particle.
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
// surface brightness). Particles with h ≥ 16 pixels are deposited on coarser
// mip levels and prolonged (mip.go): their pixels are within 16·(2^l·Pix/h)⁴
// of the kernel's peak of the exact integrals, their light still conserved.
//
// Light is conserved: a particle whose kernel lies inside the grid adds
// exactly its weight (to rounding, ≲1e-14 relative), whatever h is compared
// with the pixel; one partly outside adds its weight times the fraction of the
// kernel over the grid. A particle with h ≤ 0 is a point and lands whole in the
// pixel that contains it. Particles with a non-finite position or smoothing
// length are skipped.
//
// The work is split into stripes of image rows handed to workers goroutines
// (the calling one among them; workers ≤ 0 means runtime.GOMAXPROCS(0)),
// heaviest first; each pixel sums its particles in index order, so the
// result is bit-identical for any number of workers. Working memory is
// about 8·(3+nb) bytes per particle (its record in each stripe it touches)
// plus 8·nb bytes per pixel, pooled between calls, and with mip levels 5
// bytes per particle and 8·nb·(1/3) bytes per pixel more. ProjectTo panics if
// len(x), len(y), len(h) differ, if len(w) ≠ len(x)·len(dst), if a dst[b]
// is not g.NX·g.NY long, or if g is invalid (g.NY must also be at most
// 2¹⁸).
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
	mp := mipPool.Get().(*mipLists)
	defer mipPool.Put(mp)
	levels := mp.split(g, h)
	if levels == 0 {
		projectLevel(dst, g, x, y, h, w, t, workers, nil)
		return
	}
	// The coarse levels, coarsest first: each level's image is prolonged
	// into the next finer one before that level's own particles are added.
	var coarse [][]float64
	for l := levels; l >= 1; l-- {
		gl := Grid{NX: g.NX >> l, NY: g.NY >> l, X0: g.X0, Y0: g.Y0, Pix: g.Pix * float64(int(1)<<l)}
		img := make([][]float64, nb)
		for b := range img {
			img[b] = make([]float64, gl.NX*gl.NY)
		}
		if coarse != nil {
			prolongAdd(img, coarse, gl.NX/2, gl.NY/2, workers)
		}
		projectLevel(img, gl, x, y, h, w, t, workers, mp.level(l))
		coarse = img
	}
	projectLevel(dst, g, x, y, h, w, t, workers, mp.level(0))
	prolongAdd(dst, coarse, g.NX/2, g.NY/2, workers)
}

// projectLevel adds to dst the light of the particles idx, in increasing
// index order (all of them if idx is nil).
func projectLevel(dst [][]float64, g Grid, x, y, h, w []float64, t *ktables, workers int, idx []int32) {
	nb := len(dst)
	buf := bufPool.Get().(*buffers)
	defer bufPool.Put(buf)
	p := &projector{g: g, t: t, nb: nb, x: x, y: y, h: h, w: w, inv: 1 / g.Pix, idx: idx, buffers: buf}
	if na := g.NX*g.NY*nb + accSlack; cap(p.acc) < na {
		p.acc = make([]float64, na)
	} else {
		p.acc = p.acc[:na]
		clear(p.acc)
	}
	p.bin(workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func(s *scratch) {
		for {
			k := int(next.Add(1) - 1)
			if k >= p.nStripes {
				return
			}
			p.stripe(p.order[k], s)
		}
	}
	// workers−1 goroutines, and the caller as the last worker.
	nw := min(workers, p.nStripes)
	for range nw - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s scratch
			work(&s)
		}()
	}
	work(&buf.s)
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
	// idx, when not nil, lists the particles to project, in increasing
	// order (one level of the mip pyramid).
	idx []int32
	*buffers
}

// accSlack is the number of values allocated past the accumulator's end, so
// that the AVX-512 span deposit can load a whole register pair (8 pixels ×
// 4 bands) for its last, masked chunk without leaving the slice. They are
// never stored to (stores are masked) and never unpacked.
const accSlack = 32

// buffers are the per-call work arrays of ProjectTo, pooled across calls.
type buffers struct {
	acc      []float64 // NY·NX·nb, interleaved bands, then accSlack zeros
	nStripes int
	rows     int      // image rows per stripe
	order    []int    // stripes, most records first
	span     []uint32 // per particle: first stripe << 16 | last stripe; 0xFFFFFFFF: off the grid
	counts   []int
	off      []int
	start    []int   // record offsets per stripe, len nStripes+1
	s        scratch // the calling goroutine's worker scratch
	// rec holds, per stripe and in particle-index order, one record
	// (px, py, hp, w₀ … w_{nb−1}) per particle touching the stripe:
	// positions and h in pixel units. Copying them once makes the deposit
	// pass stream through memory instead of gathering scattered particles.
	rec []float64
}

var bufPool = sync.Pool{New: func() any { return new(buffers) }}

func growInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
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

// bin assigns each particle to the stripes its footprint's rows fall in and
// copies its record into each, in particle-index order. Chunks are fixed
// (independent of workers), so the records are too.
func (p *projector) bin(workers int) {
	n := len(p.x)
	if p.idx != nil {
		n = len(p.idx)
	}
	// at is the particle at position k of the pass.
	at := func(k int) int {
		if p.idx != nil {
			return int(p.idx[k])
		}
		return k
	}
	p.rows = stripeRows(p.g.NY, workers)
	p.nStripes = (p.g.NY + p.rows - 1) / p.rows
	if p.nStripes > 1<<15 {
		panic("sph: grid too tall")
	}
	if cap(p.span) < n {
		p.span = make([]uint32, n)
	}
	p.span = p.span[:n]
	const chunk = 1 << 14
	nc := (n + chunk - 1) / chunk
	ns := p.nStripes
	p.counts = growInts(p.counts, nc*ns)
	clear(p.counts)
	// j/rows as (j·m) >> 32 with m = ⌈2³²/rows⌉, without a 64-bit
	// division per particle: exact for j < 2²⁰ (NY ≤ 2¹⁵ stripes of at
	// most 32 rows), since the error j·(m − 2³²/rows)/2³² < 2⁻¹² never
	// reaches the next integer, at least 1/rows ≥ 1/32 away.
	m := uint64(1<<32+p.rows-1) / uint64(p.rows)
	parallelRange(nc, workers, func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			cnt := p.counts[c*ns : (c+1)*ns]
			for k := c * chunk; k < min(n, (c+1)*chunk); k++ {
				_, py, hp, ok := p.footprint(at(k))
				if !ok {
					p.span[k] = math.MaxUint32
					continue
				}
				j0 := clampFloor(py-hp, 0, p.g.NY-1)
				j1 := clampFloor(py+hp, 0, p.g.NY-1)
				s0, s1 := int(uint64(j0)*m>>32), int(uint64(j1)*m>>32)
				p.span[k] = uint32(s0)<<16 | uint32(s1)
				for s := s0; s <= s1; s++ {
					cnt[s]++
				}
			}
		}
	})
	// Offsets: stripe-major, then chunk order.
	p.off = growInts(p.off, nc*ns)
	p.start = growInts(p.start, ns+1)
	rs := 3 + p.nb
	tot := 0
	for s := 0; s < ns; s++ {
		p.start[s] = tot
		for c := 0; c < nc; c++ {
			p.off[c*ns+s] = tot
			tot += p.counts[c*ns+s] * rs
		}
	}
	p.start[ns] = tot
	// Heaviest stripes first, so that the last ones to finish are light.
	p.order = growInts(p.order, ns)
	for s := range p.order {
		p.order[s] = s
	}
	slices.SortStableFunc(p.order, func(a, b int) int {
		return (p.start[b+1] - p.start[b]) - (p.start[a+1] - p.start[a])
	})
	if cap(p.rec) < tot {
		p.rec = make([]float64, tot, tot+tot/4)
	}
	p.rec = p.rec[:tot]
	parallelRange(nc, workers, func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			o := p.off[c*ns : (c+1)*ns]
			for k := c * chunk; k < min(n, (c+1)*chunk); k++ {
				sp := p.span[k]
				if sp == math.MaxUint32 {
					continue
				}
				i := at(k)
				px, py, hp, _ := p.footprint(i)
				wi := p.w[i*p.nb : (i+1)*p.nb]
				for s := int(sp >> 16); s <= int(sp&0xFFFF); s++ {
					r := p.rec[o[s] : o[s]+rs]
					r[0], r[1], r[2] = px, py, hp
					copy(r[3:], wi)
					o[s] += rs
				}
			}
		}
	})
}

// scratch is one worker's footprint buffers.
type scratch struct {
	rspans []rowSpan
	vals   []float64
	g      gcoefs // depositRows' sample polynomial
	// depositCells' buffers (fixed size, reused without zeroing).
	cx        [maxCellSpan + 1]hermBasis
	colE, ca2 [maxCellSpan + 1]float64
	h0, h1    [maxCellSpan + 1]float64
	w         [maxCellSpan * maxCellSpan]float64
	// cellsAVX512's buffers: per column corner its table node and the
	// Hermite weights of its a (8 per corner); per row corner b², sign(b),
	// |b|, table node, Hermite weights and E(b).
	cidx               [8]int64
	acol               [64]float64
	rb2, rsb, rab, rE  [16]float64
	rh0, rh1, rd0, rd1 [16]float64
	ridx               [16]int64
}

// stripe deposits every particle of stripe st into the rows it owns.
func (p *projector) stripe(st int, s *scratch) {
	r0 := st * p.rows
	r1 := min(r0+p.rows, p.g.NY) - 1
	rs := 3 + p.nb
	recs := p.rec[p.start[st]:p.start[st+1]]
	for k := 0; k+rs <= len(recs); k += rs {
		r := recs[k : k+rs : k+rs]
		px, py, hp, wp := r[0], r[1], r[2], r[3:]
		if hp < cellIntegralMaxH {
			p.depositCells(r, px, py, hp, r0, r1, wp, s)
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

// addBlock adds v[r*ncol+k]·wp to pixels (i0+k, j0+r), k < ncol, r < nrow.
func (p *projector) addBlock(i0, j0, ncol, nrow int, v, wp []float64) {
	nb, nx := p.nb, p.g.NX
	if nb == 4 {
		addBlock4(p.acc[(j0*nx+i0)*4:], 4*nx, v[:ncol*nrow], ncol, wp)
		return
	}
	for r := range nrow {
		p.addRow(i0, j0+r, v[r*ncol:(r+1)*ncol], wp)
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

// maxCellSpan bounds the pixels per axis of a particle deposited by
// depositCells: floor(p+h) − floor(p−h) + 1 ≤ 2h + 1 < 2·cellIntegralMaxH + 1.
const maxCellSpan = 2*cellIntegralMaxH + 1

// depositCells deposits a particle with exact cell integrals: pixel (i, j)
// gets the mixed difference of the quadrant integral H at its four corners,
// so the footprint over the whole plane telescopes to 4·T(1, 1) = 1. Most
// corners need no 2D interpolation: with E(c) = H(c, 1) = sign(c)·T(1, |c|)
// (a 1D read of the table's edge), a corner outside the kernel's x (or y)
// extent has H = sign(a)·E(b) (or sign(b)·E(a)), and one inside both extents
// but outside the kernel's disc (a² + b² ≥ 1) has
// H = sign(b)·E(a) + sign(a)·E(b) − sign(a)·sign(b)/4, because the part of
// the quadrant beyond both a and b is empty. Only corners inside the disc
// need the bicubic quadrant table. A particle within 2×2 pixels has a single
// inner corner and is deposited from it directly (deposit2x2).
//
// rec is the particle's record (px, py, hp, wp…), read again by the AVX-512
// code.
func (p *projector) depositCells(rec []float64, px, py, hp float64, r0, r1 int, wp []float64, s *scratch) {
	nx := p.g.NX
	fi0, fi1 := math.Floor(px-hp), math.Floor(px+hp)
	fj0, fj1 := math.Floor(py-hp), math.Floor(py+hp)
	if fj1 < float64(r0) || fj0 > float64(r1) || fi1 < 0 || fi0 >= float64(nx) {
		return
	}
	if fi1-fi0 <= 1 && fj1-fj0 <= 1 {
		p.deposit2x2(px, py, hp, int(fi0), int(fj0), fi1 > fi0, fj1 > fj0, r0, r1, wp)
		return
	}
	i0, i1 := clampFloor(px-hp, 0, nx-1), clampFloor(px+hp, 0, nx-1)
	j0, j1 := clampFloor(py-hp, r0, r1), clampFloor(py+hp, r0, r1)
	ncol := i1 - i0 + 1
	if useAVX512 && p.nb == 4 {
		// Eight corners per register: up to 7 columns at once, wider
		// footprints (8 or 9 columns) in two column ranges that share
		// the corner between them (computed twice, identically: corner
		// coordinates come from the absolute column edges).
		if ncol <= 3 && j1-j0 <= 2 {
			p.cellsSmallAVX512(rec, i0, ncol, j0, j1, wp, s)
		} else if ncol <= 7 {
			p.cellsAVX512(rec, i0, ncol, j0, j1, wp, s)
		} else {
			p.cellsAVX512(rec, i0, 7, j0, j1, wp, s)
			p.cellsAVX512(rec, i0+7, ncol-7, j0, j1, wp, s)
		}
		return
	}
	t := p.t
	ih := 1 / hp
	cx, colE, ca2 := &s.cx, &s.colE, &s.ca2
	for e := 0; e <= ncol; e++ {
		a := (float64(i0+e) - px) * ih
		cx[e].set(a)
		ca2[e] = a * a
		if cx[e].saturated {
			colE[e] = cx[e].sign * 0.25
		} else {
			colE[e] = t.edge(&cx[e]) // H(a, ±1) = ±E(a)
		}
	}
	hPrev, hCur := &s.h0, &s.h1
	w := &s.w
	var by hermBasis
	for c := j0; c <= j1+1; c++ {
		b := (float64(c) - py) * ih
		by.set(b)
		if by.saturated {
			sb := by.sign
			for e := 0; e <= ncol; e++ {
				hCur[e] = sb * colE[e]
			}
		} else {
			sb := by.sign
			rowE := t.edge(&by) // H(±1, b) = ±E(b)
			b2 := b * b
			// Rows jb and jb+1 of the 2D table; quadrant inlined.
			const n1 = nH + 1
			tr0 := t.herm[by.i*n1 : (by.i+1)*n1 : (by.i+1)*n1]
			tr1 := t.herm[(by.i+1)*n1 : (by.i+2)*n1 : (by.i+2)*n1]
			for e := 0; e <= ncol; e++ {
				ha := &cx[e]
				if ha.saturated {
					hCur[e] = ha.sign * rowE
					continue
				}
				if ca2[e]+b2 >= 1 {
					hCur[e] = sb*colE[e] + ha.sign*rowE - ha.sign*sb*0.25
					continue
				}
				n00, n10 := &tr0[ha.i], &tr0[ha.i+1]
				n01, n11 := &tr1[ha.i], &tr1[ha.i+1]
				t0 := ha.h0*n00.t + ha.h1*n10.t + ha.d0*n00.ta + ha.d1*n10.ta
				t1 := ha.h0*n01.t + ha.h1*n11.t + ha.d0*n01.ta + ha.d1*n11.ta
				tb0 := ha.h0*n00.tb + ha.h1*n10.tb + ha.d0*n00.tab + ha.d1*n10.tab
				tb1 := ha.h0*n01.tb + ha.h1*n11.tb + ha.d0*n01.tab + ha.d1*n11.tab
				hCur[e] = ha.sign * sb * (by.h0*t0 + by.h1*t1 + by.d0*tb0 + by.d1*tb1)
			}
		}
		if c > j0 {
			wr := w[(c-1-j0)*ncol : (c-j0)*ncol]
			for e := range wr {
				wr[e] = (hCur[e+1] - hCur[e]) - (hPrev[e+1] - hPrev[e])
			}
		}
		hPrev, hCur = hCur, hPrev
	}
	p.addBlock(i0, j0, ncol, j1-j0+1, w[:], wp)
}

// deposit2x2 deposits a particle whose footprint lies within the 2×2 pixels
// (i, j) … (i+1, j+1) (splitX, splitY: whether it crosses the line between
// the columns, rows). With a, b the inner corner's offsets in units of h and
// E as in depositCells, the light left of a is X = 1/2 + 2E(a), below b
// Y = 1/2 + 2E(b), and in the lower-left pixel LL = 1/4 + E(a) + E(b) + H(a, b);
// the other pixels get Y − LL, X − LL and the rest of 1. Pixels off the grid
// or outside rows r0 … r1 are skipped.
func (p *projector) deposit2x2(px, py, hp float64, i, j int, splitX, splitY bool, r0, r1 int, wp []float64) {
	nx := p.g.NX
	if !splitX && !splitY {
		// The whole kernel lies in one pixel.
		if i >= 0 && i < nx && j >= r0 && j <= r1 {
			p.addPixel(i, j, 1, wp)
		}
		return
	}
	t := p.t
	ih := 1 / hp
	var ha, hb hermBasis
	var ea, eb float64
	if splitX {
		ha.set((float64(i+1) - px) * ih)
		ea = t.edge(&ha)
	}
	if splitY {
		hb.set((float64(j+1) - py) * ih)
		eb = t.edge(&hb)
	}
	var v [4]float64 // LL, LR, UL, UR
	switch {
	case !splitY: // left, right
		v[0] = 0.5 + 2*ea
		v[1] = 1 - v[0]
	case !splitX: // below, above
		v[0] = 0.5 + 2*eb
		v[2] = 1 - v[0]
	default:
		a, b := (float64(i+1)-px)*ih, (float64(j+1)-py)*ih
		var hab float64
		if a*a+b*b >= 1 {
			hab = hb.sign*ea + ha.sign*eb - ha.sign*hb.sign*0.25
		} else {
			hab = t.quadrant(&ha, &hb)
		}
		v[0] = 0.25 + ea + eb + hab
		v[1] = (0.5 + 2*eb) - v[0]
		v[2] = (0.5 + 2*ea) - v[0]
		v[3] = 1 - ((v[0] + v[1]) + v[2])
	}
	for k, vk := range v {
		ii, jj := i+k&1, j+k>>1
		if vk != 0 && ii >= 0 && ii < nx && jj >= r0 && jj <= r1 {
			p.addPixel(ii, jj, vk, wp)
		}
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
	iFall := min(max(floorInt(px), 0), nx-1)
	spans := s.rspans[:0]
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
			ia = max(ceilInt(px-0.5-xw), 0)
			ib = min(floorInt(px-0.5+xw), nx-1)
		}
		n := max(ib-ia+1, 0)
		spans = append(spans, rowSpan{j: j, i: ia, n: n, iFall: iFall,
			ux0: (float64(ia) + 0.5 - px) * ih, e2: e2, light: light})
	}
	s.rspans = spans
	if len(spans) == 0 {
		return
	}
	if nv := spanValsLen(spans); cap(s.vals) < nv {
		s.vals = make([]float64, nv, 2*nv)
	}
	depositSpans(p.acc, nx, p.nb, spans, t, ih2/24, &s.g, ih, s.vals[:cap(s.vals)], wp)
}

// floorInt returns ⌊v⌋ for |v| < 2⁶³.
func floorInt(v float64) int {
	c := int(v)
	if float64(c) > v {
		c--
	}
	return c
}

// ceilInt returns ⌈v⌉ for |v| < 2⁶³.
func ceilInt(v float64) int {
	c := int(v)
	if float64(c) < v {
		c++
	}
	return c
}

// addBlock4Generic is the portable form of addBlock4.
func addBlock4Generic(a []float64, stride int, v []float64, ncol int, wp []float64) {
	for r := 0; r*ncol < len(v); r++ {
		addRow4Generic(a[r*stride:], v[r*ncol:(r+1)*ncol], wp)
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
