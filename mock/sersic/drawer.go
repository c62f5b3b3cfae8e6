package sersic

import (
	"fmt"
	"github.com/galforge/galforge/internal/fastmath"
	"math"
	"math/cmplx"

	"github.com/galforge/galforge/mock/conv"
)

// Convention says what a PSF image given to NewDrawer represents.
type Convention int

const (
	// Instrumental: the PSF image holds samples at pixel centres of the
	// optical PSF, used as a profile interpolated with GalSim's quintic
	// kernel; drawing adds the pixel response. The stamp is the
	// pixel-integrated (PSF ⊗ Sérsic), as GalSim's
	// Convolve(galaxy, InterpolatedImage(psf)).drawImage(method="auto").
	Instrumental Convention = iota
	// Effective: the PSF image already includes the pixel response (a
	// pixel-convolved PSF or an empirical star stamp); the stamp is the PSF
	// image convolved with the Sérsic integrated over pixels.
	Effective
)

func (c Convention) String() string {
	switch c {
	case Instrumental:
		return "instrumental"
	case Effective:
		return "effective"
	}
	return fmt.Sprintf("Convention(%d)", int(c))
}

// aliasEps: alias terms whose weight |P̂ Ŵ| is below this are skipped. The
// weight multiplies Ŝ ≤ 1 (unit flux), so each skipped term changes one
// Fourier mode by < 1e-7 of the flux.
const aliasEps = 1e-4

// plan holds the tables for one FFT size.
type plan struct {
	n, nkx int
	fft    *conv.RealFFT2
	pn     []complex128 // P̂(k)/n² on the base band, [ky][kx]
	// wx[m+maxAlias][i] = Ŵ1(kx_i + 2πm), wy likewise for ky_j: the
	// drawing kernel is separable, Ŵ(k) = Ŵ1(kx)·Ŵ1(ky).
	wx, wy [][]float64
	// pw = |P̂(k)Ŵ(k)|/n² on the base band, for the peak estimate.
	pw []float64
	// segs lists, row by row, the runs of modes (base band and aliases)
	// whose weight |P̂(k)Ŵ(k+2πm)| reaches aliasEps; the others are skipped.
	segs []seg
	spec []complex128
}

// seg is the run lo ≤ i < hi (at most segLen modes) of row j of the base
// band, for the alias (mx, my) (0, 0 for the base band itself); wmax is the
// largest |P̂(k)Ŵ(k+2πm)| of the run.
type seg struct {
	j, lo, hi int32
	mx, my    int8
	wmax      float64
}

// skipRel bounds, as a fraction of the peak, the error of the runs that
// draw skips because their terms are small (the sum of their bounds
// wmax·sup|Ŝ|·len; measured: ≤ 1.2e-4 of the peak pixel, median 1.3e-5,
// against the full sums).
const skipRel = 1e-4

// segLen is the longest run of a seg (the unit in which terms are skipped).
const segLen = 16

// Drawer draws Sérsic profiles into stamps of a fixed size, pixel scale and
// PSF. A Drawer holds scratch space: use one per goroutine (Clone shares the
// read-only tables).
type Drawer struct {
	nx, ny     int
	scale      float64
	conv       Convention
	psf        []float64
	pnx, pny   int
	offX, offY float64 // PSF origin − centre pixel
	// Second moments of the PSF image (pixels²), for the wrap correction.
	mxx, mxy, myy float64
	maxAlias      int
	plans         []*plan // FFT sizes 2, 3, 4 × max(nx, ny)
	rowBuf        []float64
	phx, phy      []complex128 // e^{−i k c} on the base band, per axis
	bound         []float64    // per seg of the plan: bound on its contribution
	xw            [][4]float64 // unwrap's interpolation weights and nodes
	xk            []int
	wbuf          [2]wrapPlan // scratch copy lists of wrapPlanFor, per component
	fast          fastRow
}

// PSF is a point-spread function image for a Drawer.
type PSF struct {
	// Data holds NX×NY values, row-major, x fastest (FITS order). It is
	// normalised to unit sum by NewDrawer.
	Data   []float64
	NX, NY int
	// CX, CY is the PSF's origin, the point that maps a point source onto
	// itself, in 0-indexed pixel coordinates of Data (the centre of the
	// first pixel is (0, 0)). CentredPSF sets it to the centre pixel and
	// CentroidPSF to the light centroid.
	CX, CY float64
}

// CentredPSF returns a PSF whose origin is pixel (nx/2, ny/2) (integer
// division: the middle pixel for odd sizes), as GalSim and most PSF files
// assume. data is not copied.
func CentredPSF(data []float64, nx, ny int) *PSF {
	return &PSF{Data: data, NX: nx, NY: ny, CX: float64(nx / 2), CY: float64(ny / 2)}
}

// CentroidPSF returns a PSF whose origin is its light centroid Σ v·x / Σ v,
// like a GalSim InterpolatedImage re-centred on its centroid (the quintic
// interpolant keeps the centroid of the samples). data is not copied.
func CentroidPSF(data []float64, nx, ny int) *PSF {
	var s, sx, sy float64
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			v := data[j*nx+i]
			s += v
			sx += v * float64(i)
			sy += v * float64(j)
		}
	}
	return &PSF{Data: data, NX: nx, NY: ny, CX: sx / s, CY: sy / s}
}

// NewDrawer returns a Drawer for nx×ny stamps of pixel scale
// pixelScaleArcsec (arcsec/pixel) and the pnx×pny PSF image psf (row-major,
// x fastest), centred on its pixel (pnx/2, pny/2) (see CentredPSF), whose
// image convention says what it holds. A nil psf draws the Sérsic integrated
// over pixels, with no PSF. See NewDrawerPSF for the errors.
func NewDrawer(nx, ny int, pixelScaleArcsec float64, psf []float64, pnx, pny int, convention Convention) (*Drawer, error) {
	if psf == nil {
		return NewDrawerPSF(nx, ny, pixelScaleArcsec, nil, convention)
	}
	return NewDrawerPSF(nx, ny, pixelScaleArcsec, CentredPSF(psf, pnx, pny), convention)
}

// NewDrawerPSF returns a Drawer for nx×ny stamps of pixel scale
// pixelScaleArcsec (arcsec/pixel) and the PSF psf, whose image convention
// says what it holds. A nil psf draws the Sérsic integrated over pixels, with
// no PSF. It returns an error for non-positive sizes or scale, a PSF whose
// length does not match its size, whose origin is not finite or whose sum is
// not positive, or an unknown convention.
func NewDrawerPSF(nx, ny int, pixelScaleArcsec float64, psf *PSF, convention Convention) (*Drawer, error) {
	if nx <= 0 || ny <= 0 || !(pixelScaleArcsec > 0) {
		return nil, fmt.Errorf("sersic: NewDrawer: bad stamp %d×%d or pixel scale %v", nx, ny, pixelScaleArcsec)
	}
	d := &Drawer{nx: nx, ny: ny, scale: pixelScaleArcsec, conv: convention, maxAlias: 1}
	if psf != nil {
		pnx, pny := psf.NX, psf.NY
		if pnx <= 0 || pny <= 0 || len(psf.Data) != pnx*pny {
			return nil, fmt.Errorf("sersic: NewDrawer: PSF has %d values, want %d×%d", len(psf.Data), pnx, pny)
		}
		if math.IsNaN(psf.CX) || math.IsNaN(psf.CY) || math.IsInf(psf.CX, 0) || math.IsInf(psf.CY, 0) {
			return nil, fmt.Errorf("sersic: NewDrawer: PSF origin (%v, %v) is not finite", psf.CX, psf.CY)
		}
		var s float64
		for _, v := range psf.Data {
			s += v
		}
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("sersic: NewDrawer: PSF sum %v is not positive", s)
		}
		d.psf = make([]float64, len(psf.Data))
		for i, v := range psf.Data {
			d.psf[i] = v / s
		}
		d.pnx, d.pny = pnx, pny
		d.offX, d.offY = psf.CX-float64(pnx/2), psf.CY-float64(pny/2)
		// Second moments about the centroid (the quintic interpolant adds
		// none: it reproduces quadratics).
		var cx, cy float64
		for j := 0; j < pny; j++ {
			for i := 0; i < pnx; i++ {
				cx += d.psf[j*pnx+i] * float64(i)
				cy += d.psf[j*pnx+i] * float64(j)
			}
		}
		for j := 0; j < pny; j++ {
			for i := 0; i < pnx; i++ {
				v, x, y := d.psf[j*pnx+i], float64(i)-cx, float64(j)-cy
				d.mxx += v * x * x
				d.mxy += v * x * y
				d.myy += v * y * y
			}
		}
		if convention != Instrumental && convention != Effective {
			return nil, fmt.Errorf("sersic: NewDrawer: unknown convention %v", convention)
		}
	} else {
		// Without a PSF nothing damps high frequencies: more aliases.
		d.maxAlias = 2
	}
	m := max(nx, ny, 16)
	for _, f := range planFactors {
		d.plans = append(d.plans, &plan{n: conv.GoodSize(f * m)}) // built on first use
	}
	table()
	return d, nil
}

// Clone returns a Drawer sharing d's tables, with its own scratch space.
func (d *Drawer) Clone() *Drawer {
	c := *d
	c.plans = make([]*plan, len(d.plans))
	for i, p := range d.plans {
		if p.fft == nil {
			c.plans[i] = &plan{n: p.n}
			continue
		}
		q := *p
		q.fft = conv.NewRealFFT2(p.n, p.n)
		q.spec = make([]complex128, len(p.spec))
		c.plans[i] = &q
	}
	c.rowBuf, c.phx, c.phy, c.bound = nil, nil, nil, nil
	c.xw, c.xk = nil, nil
	c.wbuf = [2]wrapPlan{}
	c.fast = fastRow{} // its scratch buffers belong to d
	return &c
}

// sinc is sin(πu)/(πu).
func sinc(u float64) float64 {
	if u == 0 {
		return 1
	}
	return math.Sin(math.Pi*u) / (math.Pi * u)
}

// quinticFT is the Fourier transform of GalSim's quintic interpolant (the
// default, Bernstein & Gruen 2014) at frequency u in cycles per pixel.
func quinticFT(u float64) float64 {
	s := sinc(u)
	piu := math.Pi * u
	c := math.Cos(piu)
	ssq := s * s
	p2 := piu * piu
	return s * ssq * ssq * (s*(55-19*p2) + 2*c*(p2-27))
}

// w1 is the one-axis transform of the drawing kernel at k (rad/pixel).
func (d *Drawer) w1(k float64) float64 {
	u := k / (2 * math.Pi)
	if d.psf != nil && d.conv == Instrumental {
		return sinc(u) * quinticFT(u)
	}
	return sinc(u)
}

// newPlan builds the tables of the FFT size n.
func (d *Drawer) newPlan(n int) *plan {
	p := &plan{n: n, nkx: n/2 + 1, fft: conv.NewRealFFT2(n, n)}
	p.spec = make([]complex128, p.fft.SpectrumLen())
	// P̂ on the base band.
	ph := make([]complex128, p.fft.SpectrumLen())
	if d.psf != nil {
		buf := make([]float64, n*n)
		cx, cy := d.pnx/2, d.pny/2
		for j := 0; j < d.pny; j++ {
			yy := ((j-cy)%n + n) % n
			for i := 0; i < d.pnx; i++ {
				xx := ((i-cx)%n + n) % n
				buf[yy*n+xx] += d.psf[j*d.pnx+i]
			}
		}
		p.fft.Forward(ph, buf)
	} else {
		for i := range ph {
			ph[i] = 1
		}
	}
	norm := 1 / float64(n*n)
	p.pn = make([]complex128, len(ph))
	for i, v := range ph {
		p.pn[i] = v * complex(norm, 0)
	}
	ma := d.maxAlias
	p.wx = make([][]float64, 2*ma+1)
	p.wy = make([][]float64, 2*ma+1)
	for m := -ma; m <= ma; m++ {
		p.wx[m+ma] = make([]float64, p.nkx)
		for i := range p.wx[m+ma] {
			p.wx[m+ma][i] = d.w1(2 * math.Pi * (float64(i)/float64(n) + float64(m)))
		}
		p.wy[m+ma] = make([]float64, n)
		for j := range p.wy[m+ma] {
			jj := j
			if j >= n/2 {
				jj = j - n
			}
			p.wy[m+ma][j] = d.w1(2 * math.Pi * (float64(jj)/float64(n) + float64(m)))
		}
	}
	p.pw = make([]float64, len(ph))
	for j := 0; j < n; j++ {
		for i := 0; i < p.nkx; i++ {
			p.pw[j*p.nkx+i] = cmplx.Abs(p.pn[j*p.nkx+i]) * math.Abs(p.wx[ma][i]*p.wy[ma][j])
		}
	}
	for j := 0; j < n; j++ {
		for my := -ma; my <= ma; my++ {
			for mx := -ma; mx <= ma; mx++ {
				lo, hi := -1, -1
				for i := 0; i < p.nkx; i++ {
					idx := j*p.nkx + i
					w := cmplx.Abs(p.pn[idx]) * math.Abs(p.wx[mx+ma][i]*p.wy[my+ma][j])
					if w > aliasEps*norm || (idx == 0 && mx == 0 && my == 0) {
						if lo < 0 {
							lo = i
						}
						hi = i + 1
					}
				}
				for ; lo >= 0 && lo < hi; lo += segLen {
					sg := seg{j: int32(j), lo: int32(lo), hi: int32(min(hi, lo+segLen)), mx: int8(mx), my: int8(my)}
					for i := sg.lo; i < sg.hi; i++ {
						w := cmplx.Abs(p.pn[j*p.nkx+int(i)]) * math.Abs(p.wx[mx+ma][i]*p.wy[my+ma][j])
						sg.wmax = max(sg.wmax, w)
					}
					if sg.wmax > 0 || (j == 0 && lo == 0 && mx == 0 && my == 0) {
						p.segs = append(p.segs, sg)
					}
				}
			}
		}
	}
	return p
}

// DrawTo draws the profile p into dst (nx*ny values, row-major, x fastest),
// overwriting it. It returns an error if p is invalid or len(dst) is wrong.
func (d *Drawer) DrawTo(dst []float64, p Sersic) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return d.draw(dst, []Sersic{p})
}

// DrawBulgeDiscTo draws the bulge+disc bd into dst, overwriting it.
func (d *Drawer) DrawBulgeDiscTo(dst []float64, bd BulgeDisc) error {
	if err := bd.Validate(); err != nil {
		return err
	}
	b, c := bd.Components()
	return d.draw(dst, []Sersic{b, c})
}

// Draw returns a new stamp holding p.
func (d *Drawer) Draw(p Sersic) ([]float64, error) {
	dst := make([]float64, d.nx*d.ny)
	return dst, d.DrawTo(dst, p)
}

// choosePlan returns the smallest FFT size for which the light of the
// copies beyond the wrap-correction ring (see unwrap), which is only
// estimated, adds less than farEps of each profile's flux to the stamp; the
// largest size if none does. bs holds b_n of each profile.
//
// It sets ws[i] to the wrap correction plan of ps[i] at that size.
func (d *Drawer) choosePlan(ps []Sersic, bs []float64, ws []wrapPlan) *plan {
	for k, pl := range d.plans {
		ok := true
		for i, p := range ps {
			if p.Flux == 0 {
				continue
			}
			ws[i] = d.wrapPlanFor(p, bs[i], pl.n, &d.wbuf[i])
			if k == len(d.plans)-1 {
				continue
			}
			if !ws[i].ok || ws[i].evals > maxWrapEvals || ws[i].light > copyLight ||
				d.farFraction(p, bs[i], pl.n, maxRing, 1) > farEps {
				ok = false
				break
			}
		}
		if ok {
			return d.built(pl)
		}
	}
	return d.built(d.plans[len(d.plans)-1])
}

// built returns pl with its tables, building them on first use.
func (d *Drawer) built(pl *plan) *plan {
	if pl.fft == nil {
		*pl = *d.newPlan(pl.n)
	}
	return pl
}

// copyLight bounds the light of the copies |m|∞ ≤ 2 in the stamp, as a
// fraction of the flux (wrapPlan.light). The copies are bare profiles
// corrected to second order for the PSF and the pixel (smooth); without
// that correction the PSF's wings moved a few per cent of their light across
// the stamp's edges (stamp sums off by up to 5e-4 of the flux with ~1 % of
// it in copies), and beyond ~2 % the correction's residual still shows.
const copyLight = 2e-2

// farEps bounds the estimated flux fraction that copies beyond the
// correction ring put into the stamp.
const farEps = 3e-5

// farFraction is the flux outside the elliptical radius (ring+½)N/s of p
// (whose b_n is b), as a fraction of its flux, times the fraction nx·ny/N²
// of the period that the stamp covers. s = 1 bounds the flux outside the
// block of copies |m|∞ ≤ ring from above (the elliptical radius exceeds the
// circular one), and is what the wrap correction uses.
func (d *Drawer) farFraction(p Sersic, b float64, n, ring int, s float64) float64 {
	re := p.ReArcsec / d.scale
	N := float64(n)
	r := (float64(ring) + 0.5) * N / s / re
	return gammaQ(2*p.N, b*fastmath.Pow(r, 1/p.N)) * float64(d.nx*d.ny) / (N * N)
}

// draw draws the sum of the profiles ps (at most 2, sharing their centre)
// into dst: the spectrum is summed run by run (accumulateRun), multiplied by
// P̂ and the phases of the centre, transformed back, and the wrap copies are
// subtracted (unwrap). See the package comment.
func (d *Drawer) draw(dst []float64, ps []Sersic) error {
	if len(dst) != d.nx*d.ny {
		return fmt.Errorf("sersic: DrawTo: dst has %d values, want %d×%d", len(dst), d.nx, d.ny)
	}
	var bs [2]float64
	for i, p := range ps {
		if p.Flux != 0 {
			bs[i] = bnFast(p.N)
		}
	}
	var ws [2]wrapPlan
	pl := d.choosePlan(ps, bs[:len(ps)], ws[:len(ps)])
	spec := pl.spec
	clear(spec)
	ma := d.maxAlias
	if cap(d.phy) < pl.n {
		d.phx = make([]complex128, pl.n)
		d.phy = make([]complex128, pl.n)
	}
	n, nkx := pl.n, pl.nkx
	step := 2 * math.Pi / float64(n) // wave number of one FFT index, rad/pixel
	// A PSF origin c off its centre pixel shifts the image by −c.
	cx, cy := ps[0].X0-1-d.offX, ps[0].Y0-1-d.offY
	phaseRow(d.phx[:nkx], -step*cx, 0)
	phaseRow(d.phy[:n/2], -step*cy, 0)
	phaseRow(d.phy[n/2:n], -step*cy, -n/2)
	for _, p := range ps {
		if p.Flux == 0 {
			continue
		}
		if p.X0 != ps[0].X0 || p.Y0 != ps[0].Y0 {
			panic("sersic: draw: profiles with different centres")
		}
		r := newRow(d.rowBuf, p.N)
		d.rowBuf = r.h
		re := p.ReArcsec / d.scale
		re2 := re * re
		q2 := p.Q * p.Q
		// κ² of the grid lies between (q Re 2π/N)² and (Re (2M+1)π √2)².
		kmin := p.Q * re * step
		kmax := re * float64(2*ma+1) * math.Pi * math.Sqrt2
		d.fast.build(&r, kmin*kmin, kmax*kmax)
		fr := &d.fast
		th := p.PADeg * math.Pi / 180
		sn, cs := math.Sincos(th)
		// Major axis e_a = (−sin θ, cos θ), minor e_b = (cos θ, sin θ):
		// κ² = Re²((k·e_a)² + q²(k·e_b)²) = axx kx² + 2axy kx ky + ayy ky²,
		// here in units of FFT indices (kx = step·I).
		eax, eay := -sn, cs
		ebx, eby := cs, sn
		s2 := re2 * step * step
		axx := s2 * (eax*eax + q2*ebx*ebx)
		axy := s2 * (eax*eay + q2*ebx*eby)
		ayy := s2 * (eay*eay + q2*eby*eby)
		// The phase e^{−i(k+2πm)·c} = e^{−ik·c}·e^{−2πi m·c}: the first
		// factor, per axis, is applied to the spectrum at the end (all
		// profiles share the centre), the second to each run.
		var sx, sy [5]complex128
		for m := -ma; m <= ma; m++ {
			s, c := math.Sincos(-2 * math.Pi * float64(m) * cx)
			sx[m+ma] = complex(c, s)
			s, c = math.Sincos(-2 * math.Pi * float64(m) * cy)
			sy[m+ma] = complex(p.Flux*c, p.Flux*s)
		}
		// Peak estimate: the centre value of the image without aliases,
		// (1/N²) Σ_k |P̂Ŵ|(k) h(κ(k)) over the plane, from every 4th mode
		// in each axis.
		var pk float64
		for j := 0; j < n; j += 4 {
			jj := j
			if j >= n/2 {
				jj = j - n
			}
			J := float64(jj)
			row := pl.pw[j*nkx : (j+1)*nkx]
			for i := 0; i < nkx; i += 4 {
				I := float64(i)
				w := row[i]
				if i > 0 {
					w *= 2 // the conjugate half-plane
				}
				pk += w * math.Abs(fr.eval2((axx*I+2*axy*J)*I+ayy*J*J))
			}
		}
		pk *= 16
		// Runs are skipped, smallest first, while the sum of their bounds
		// wmax·sup|Ŝ|·len (twice, for the conjugate half-plane), which
		// bounds the error they make at any pixel, stays below skipRel of
		// the peak estimate. The smallest are found by a histogram of the
		// binary exponents of the bounds.
		if cap(d.bound) < len(pl.segs) {
			d.bound = make([]float64, len(pl.segs))
		}
		bound := d.bound[:len(pl.segs)]
		var hist [2048]float64
		for k, sg := range pl.segs {
			jj := int(sg.j)
			if jj >= n/2 {
				jj -= n
			}
			J := float64(jj + int(sg.my)*n)
			b := 2 * axy * J
			I0 := float64(int(sg.lo) + int(sg.mx)*n)
			// Smallest κ² of the run: at the vertex I* = −b/(2axx), clamped.
			Is := min(max(-b/(2*axx), I0), I0+float64(sg.hi-sg.lo-1))
			v := 2 * sg.wmax * fr.sup2((axx*Is+b)*Is+ayy*J*J) * float64(sg.hi-sg.lo)
			bound[k] = v
			hist[math.Float64bits(v)>>52&2047] += v
		}
		budget := skipRel * pk
		cut := -1 // runs whose bound has a biased exponent ≤ cut are skipped
		for e, v := range hist {
			budget -= v
			if budget < 0 {
				break
			}
			cut = e
		}
		for k, sg := range pl.segs {
			if int(math.Float64bits(bound[k])>>52&2047) <= cut {
				continue
			}
			j := int(sg.j)
			jj := j
			if j >= n/2 {
				jj = j - n
			}
			J := float64(jj + int(sg.my)*n)
			b := 2 * axy * J
			c0 := ayy * J * J
			// Σ over the run of sx·sy·Ŵ1(kx)Ŵ1(ky)·F·h: a complex constant
			// times a real sum.
			c := sx[int(sg.mx)+ma] * sy[int(sg.my)+ma] * complex(pl.wy[int(sg.my)+ma][j], 0)
			cr, ci := real(c), imag(c)
			wx := pl.wx[int(sg.mx)+ma][:sg.hi]
			out := spec[j*nkx : j*nkx+int(sg.hi)]
			I0 := float64(int(sg.lo) + int(sg.mx)*n)
			miss := accumulateRun(out, wx, int(sg.lo), I0, axx, b, c0, cr, ci, fr.t, fr.base)
			if miss {
				I := I0
				for i := int(sg.lo); i < len(out); i++ {
					k2 := (axx*I+b)*I + c0
					I++
					if ti := 2 * (int(math.Float64bits(k2)>>fastShift) - fr.base); uint(ti) >= uint(len(fr.t)-1) {
						r := wx[i] * fr.eval2(k2)
						out[i] += complex(cr*r, ci*r)
					}
				}
			}
		}
	}
	for j := range n {
		row := spec[j*nkx : (j+1)*nkx]
		pn := pl.pn[j*nkx : (j+1)*nkx]
		py := d.phy[j]
		for i, v := range d.phx[:nkx] {
			row[i] *= pn[i] * v * py
		}
	}
	pl.fft.InverseWindow(dst, d.nx, d.nx, d.ny, spec)
	for i, p := range ps {
		if p.Flux != 0 {
			d.unwrap(dst, p, bs[i], pl.n, &ws[i])
		}
	}
	return nil
}

// accumulateRun adds (cr + i·ci)·wx[i]·h(κ²(I)) to out[i] for
// lo ≤ i < len(out), I = I0 + i − lo and κ²(I) = (axx·I + b)·I + c0, h
// looked up in the fastRow table tab (base: see fastRow). It skips the
// modes whose κ² lies outside the table (only κ = 0) and reports whether
// there were any. (A function of its own, so that the compiler keeps the
// loop in registers.)
func accumulateRun(out []complex128, wx []float64, lo int, I0, axx, b, c0, cr, ci float64, tab []float64, base int) (miss bool) {
	lim := uint(len(tab) - 1)
	wx = wx[:len(out)]
	I := I0
	for i := lo; i < len(out); i++ {
		k2 := (axx*I+b)*I + c0
		I++
		bits := math.Float64bits(k2)
		ti := 2 * (int(bits>>fastShift) - base)
		if uint(ti) >= lim {
			miss = true
			continue
		}
		h := tab[ti] + float64(bits&(1<<fastShift-1))*(1.0/(1<<fastShift))*tab[ti+1]
		r := wx[i] * h
		out[i] += complex(cr*r, ci*r)
	}
	return miss
}

// phaseRow sets dst[i] = e^{iθ(i+i0)}, by a recurrence re-anchored on
// math.Sincos every 16 values (error ≲ 1e-15).
func phaseRow(dst []complex128, theta float64, i0 int) {
	s, c := math.Sincos(theta)
	rot := complex(c, s)
	for i := range dst {
		if i%16 == 0 {
			s, c := math.Sincos(theta * float64(i+i0))
			dst[i] = complex(c, s)
			continue
		}
		dst[i] = dst[i-1] * rot
	}
}

// Wrap correction: the discrete transform draws the periodic sum
// Σ_m I(x + N m) of the image I over the FFT period N. Far from the profile
// centre I is smooth on the scale of the PSF and the pixel, so the copies
// m ≠ 0 are subtracted as samples of the bare Sérsic profile on grids of
// points over the stamp, corrected to second order for the PSF and the
// pixel (smooth) and interpolated in between (cubic; linear on 2×2 grids).
// The copies are summed one by one in four blocks of rings |m|∞ — 1, 2,
// 3 to midRing, and on to a ring R ≤ maxRing — each on a grid fine enough
// for its nearest ring (wrapGrid), leaving out copies fainter than
// copyNegligible of the peak everywhere in the stamp: beyond R, the copies
// are a uniform level F_out/N², F_out being the flux outside the radius
// (R+½)N, and R is the first ring for which that level is below
// farLevel·F/(nx·ny). choosePlan picks the FFT size so that the light
// beyond maxRing, of which the uniform level is only an estimate, is small,
// the grids are not too costly, the nearest copy is faint (nearRel) and the
// copies' light in the stamp is small (copyLight).
//
// Summing the copies one by one, on fine enough grids, matters for
// elongated profiles: seen along the major axis a copy is a strip narrower
// than the period, so the sum over the lattice of copies is not their
// integral over the period, and the strip must be resolved.
const (
	wrapRing     = 2
	midRing      = 6
	maxRing      = 24
	farLevel     = 1e-5
	maxGrid      = 16    // nodes per axis, at most
	maxWrapEvals = 12000 // profile evaluations per stamp, at most
)

// wrapPlan is the ring blocks of the wrap correction of one profile.
type wrapPlan struct {
	ring   int        // outermost ring summed copy by copy
	far    float64    // uniform level of the copies beyond, per pixel
	copies [4][]int16 // per block: the copies (mx, my), pairs, worth summing
	grid   [4]int     // nodes per axis of each block's grid
	evals  int        // profile evaluations
	ok     bool       // every block's grid is at most maxGrid nodes
	light  float64    // light of the copies |m|∞ ≤ 2 in the stamp / flux
}

// Blocks of rings of the wrap correction: ring 1, ring 2, rings 3 to
// midRing and the rest, each on a grid of at least blockNodes nodes.
var (
	blockLo    = [4]int{1, 2, 3, midRing + 1}
	blockHi    = [4]int{1, 2, midRing, maxRing}
	blockNodes = [4]int{6, 4, 4, 2}
)

// wrapPlanFor returns the wrap correction plan of p (b_n b) at FFT size n,
// reusing the copy lists of buf.
func (d *Drawer) wrapPlanFor(p Sersic, b float64, n int, buf *wrapPlan) wrapPlan {
	area := float64(d.nx * d.ny)
	w := wrapPlan{ring: wrapRing, ok: true}
	for k := range w.copies {
		w.copies[k] = buf.copies[k][:0]
	}
	// The smallest ring R whose uniform level is below farLevel:
	// Q(2n, b(r/Re)^{1/n})·area/N² ≤ farLevel at r = (R+½)N.
	N := float64(n)
	// s = 1: the flux outside the elliptical radius (R+½)N; the estimate
	// with s = √q (the radius of a circle of that area) undercounts the
	// copies of elongated profiles along their major axis.
	sq := 1.0
	w.far = d.farFraction(p, b, n, w.ring, sq)
	if w.far > farLevel {
		// Bisection: far(lo) > farLevel ≥ far(hi), or hi = maxRing.
		lo, hi := wrapRing, maxRing
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if d.farFraction(p, b, n, mid, sq) > farLevel {
				lo = mid
			} else {
				hi = mid
			}
		}
		w.ring = hi
		w.far = d.farFraction(p, b, n, w.ring, sq)
	}
	w.far *= p.Flux / area
	// The copies are bare profiles, without the PSF, which misplaces a few
	// per cent of their light: the nearest may not be brighter than
	// nearRel of the peak (estimated as the mean surface brightness within
	// nearR0 pixels of the centre, and at most the central one). Copies
	// fainter than copyNegligible of it everywhere in the stamp are left
	// out.
	re := p.ReArcsec / d.scale
	lg, _ := math.Lgamma(2 * p.N)
	lnI0 := 2*p.N*fastmath.Log(b) - fastmath.Log(p.N) - lg - fastmath.Log(2*math.Pi*p.Q*re*re) // per unit flux
	a1 := nearR0 / math.Sqrt(p.Q)
	peak := min(gammaP(2*p.N, b*fastmath.Pow(a1/re, 1/p.N))/(math.Pi*nearR0*nearR0), fastmath.Exp(lnI0))
	// Quadratic form of the elliptical radius² in Re: A x² + 2B xy + C y².
	sn, cs := math.Sincos(p.PADeg * math.Pi / 180)
	eax, eay := -sn, cs
	ebx, eby := cs, sn
	iq2 := 1 / (p.Q * p.Q)
	ir2 := 1 / (re * re)
	A := (eax*eax + ebx*ebx*iq2) * ir2
	B := (eax*eay + ebx*eby*iq2) * ir2
	C := (eay*eay + eby*eby*iq2) * ir2
	cx, cy := p.X0-1, p.Y0-1
	// A copy is negligible (near) where its elliptical radius² in Re² is
	// above q2Neg (below q2Near): I0 e^{−b r^{1/n}} < copyNegligible·peak
	// (> nearRel·peak).
	q2Thresh := func(rel float64) float64 {
		x := (lnI0 - fastmath.Log(rel*peak)) / b
		if x <= 0 {
			return 0
		}
		return fastmath.Pow(x, 2*p.N)
	}
	q2Neg, q2Near := q2Thresh(copyNegligible), q2Thresh(nearRel)
	for k := range 4 {
		lo, hi := blockLo[k], min(blockHi[k], w.ring)
		if k == 0 {
			hi = 1
		}
		// The copies of a ring r are ≥ rN − (stamp size) away, and the
		// elliptical radius exceeds the distance: rings beyond are
		// negligible.
		for hi >= lo {
			if d := (float64(hi)*N - float64(max(d.nx, d.ny))) / re; d > 0 && d*d > q2Neg {
				hi--
				continue
			}
			break
		}
		nearest := math.Inf(1) // smallest elliptical radius² of the block's copies
		for my := -hi; my <= hi; my++ {
			for mx := -hi; mx <= hi; mx++ {
				if max(abs(mx), abs(my)) < lo {
					continue
				}
				// The stamp seen from the copy's centre.
				x0, y0 := N*float64(mx)-cx, N*float64(my)-cy
				q2 := boxMinQuad(A, B, C, x0, x0+float64(d.nx-1), y0, y0+float64(d.ny-1))
				if q2 > q2Neg {
					continue
				}
				nearest = min(nearest, q2)
				w.copies[k] = append(w.copies[k], int16(mx), int16(my))
			}
		}
		if len(w.copies[k]) == 0 {
			continue
		}
		if k == 0 && nearest < q2Near {
			w.ok = false
		}
		if k <= 1 {
			// Their light in the stamp: midpoint rule on 4×4 cells.
			hx, hy := float64(d.nx)/4, float64(d.ny)/4
			for c := 0; c < len(w.copies[k]); c += 2 {
				ox := N*float64(w.copies[k][c]) - cx - 0.5
				oy := N*float64(w.copies[k][c+1]) - cy - 0.5
				for jy := range 4 {
					vy := oy + hy*(float64(jy)+0.5)
					for jx := range 4 {
						vx := ox + hx*(float64(jx)+0.5)
						q2 := (A*vx+2*B*vy)*vx + C*vy*vy
						w.light += fastmath.Exp(lnI0-b*fastmath.Pow(q2, 0.5/p.N)) * hx * hy
					}
				}
			}
		}
		g := d.wrapGrid(p, b, n, lo, blockNodes[k])
		if g == 0 {
			w.ok = false
			g = maxGrid
		}
		w.grid[k] = g
		w.evals += g * g * len(w.copies[k]) / 2
	}
	for k := range w.copies {
		buf.copies[k] = w.copies[k]
	}
	return w
}

// boxMinQuad returns the smallest value of the positive definite quadratic
// form A x² + 2B xy + C y² over the box [x0, x1]×[y0, y1]: 0 if the box holds
// the origin, otherwise the smallest of its minima on the four edges.
func boxMinQuad(A, B, C, x0, x1, y0, y1 float64) float64 {
	if x0 <= 0 && x1 >= 0 && y0 <= 0 && y1 >= 0 {
		return 0
	}
	f := func(x, y float64) float64 { return (A*x+2*B*y)*x + C*y*y }
	m := math.Inf(1)
	for _, x := range [2]float64{x0, x1} {
		y := min(max(-B*x/C, y0), y1)
		m = min(m, f(x, y))
	}
	for _, y := range [2]float64{y0, y1} {
		x := min(max(-B*y/A, x0), x1)
		m = min(m, f(x, y))
	}
	return m
}

// wrapGrid returns the number of nodes per axis (at least minNodes, and 3
// is rounded up to 4) of a grid over the stamp on which the copies of p
// (b_n b) in the rings ≥ ring, for the FFT size n, are resolved, or 0 if
// maxGrid nodes are too few.
//
// A copy's light in the stamp, at elliptical radius ≥ D = ring·N − (stamp
// size) from its centre, varies across its major axis on the scale
// v = q√(2Dℓ), ℓ = D/(d ln I/d ln r) = D/((b/n)(D/Re)^{1/n}) the radial
// scale length there: nodes are spaced by at most v/wrapSpacing, unless that
// light, I(D)/I(0) = e^{−b(D/Re)^{1/n}}, is below wrapNegligible.
func (d *Drawer) wrapGrid(p Sersic, b float64, n, ring, minNodes int) int {
	re := p.ReArcsec / d.scale
	size := float64(max(d.nx, d.ny))
	D := float64(ring*n) - size
	if D <= 0 {
		return 0
	}
	x := b * fastmath.Pow(D/re, 1/p.N)
	if x > -fastmath.Log(wrapNegligible) {
		return minNodes
	}
	l := D / (x / p.N)
	v := p.Q * math.Sqrt(2*D*l)
	g := int(math.Ceil((size-1)*wrapSpacing/v)) + 1
	if g > maxGrid {
		return 0
	}
	g = max(g, minNodes)
	if g == 3 {
		g = 4
	}
	return g
}

const (
	nearR0         = 1.5  // pixels
	nearRel        = 3e-3 // see wrapPlanFor
	copyNegligible = 1e-8 // see wrapPlanFor
	wrapSpacing    = 1.5
	wrapNegligible = 1e-7
)

// unwrap subtracts the copies of p (b_n b) from dst, the image drawn with
// the FFT size n, following the wrap plan w.
func (d *Drawer) unwrap(dst []float64, p Sersic, b float64, n int, w *wrapPlan) {
	re := p.ReArcsec / d.scale
	invN := 1 / p.N
	lg, _ := math.Lgamma(2 * p.N)
	// Central surface brightness F/(q Re²)·c/(2π) e^0, c = b^{2n}/(nΓ(2n)).
	i0 := p.Flux / (p.Q * re * re) * fastmath.Exp(2*p.N*fastmath.Log(b)-fastmath.Log(p.N)-lg) / (2 * math.Pi)
	N := float64(n)
	// Quick bound: the nearest copy is ≥ N − (stamp size) away.
	near := (N - float64(max(d.nx, d.ny))) / re
	if near > 0 && fastmath.Exp(-b*fastmath.Pow(near, invN))*8 < 1e-9 && w.far < 1e-9*i0 {
		return
	}
	sn, cs := math.Sincos(p.PADeg * math.Pi / 180)
	eax, eay := -sn, cs
	ebx, eby := cs, sn
	cx, cy := p.X0-1, p.Y0-1
	invRe := 1 / re
	invQ := 1 / p.Q
	sb := func(dx, dy float64) float64 {
		a := (dx*eax + dy*eay) * invRe
		bb := (dx*ebx + dy*eby) * invRe * invQ
		r2 := a*a + bb*bb
		if r2 == 0 {
			return i0
		}
		return i0 * fastmath.Exp(-b*fastmath.Pow(r2, 0.5*invN))
	}
	// copies sums sb over the copies cs (pairs mx, my) at (x, y).
	copies := func(x, y float64, cs []int16) float64 {
		var v float64
		for k := 0; k < len(cs); k += 2 {
			v += sb(x+N*float64(cs[k])-cx, y+N*float64(cs[k+1])-cy)
		}
		return v
	}
	// The final grid: the finest of the blocks'.
	G := max(w.grid[0], w.grid[1], w.grid[2], w.grid[3], 4)
	var gx, gy [maxGrid]float64
	for i := range G {
		gx[i] = float64(d.nx-1) * float64(i) / float64(G-1)
		gy[i] = float64(d.ny-1) * float64(i) / float64(G-1)
	}
	var e [maxGrid][maxGrid]float64
	for j := range G {
		for i := range G {
			e[j][i] = w.far
		}
	}
	var blk [maxGrid][maxGrid]float64
	for k := range 4 {
		g := w.grid[k]
		if g == 0 {
			continue
		}
		for j := range g {
			for i := range g {
				blk[j][i] = copies(float64(d.nx-1)*float64(i)/float64(g-1), float64(d.ny-1)*float64(j)/float64(g-1), w.copies[k])
			}
		}
		if g == G {
			for j := range G {
				for i := range G {
					e[j][i] += blk[j][i]
				}
			}
			continue
		}
		// Interpolate the block's grid onto the final one.
		for j := range G {
			ky, wy := gridWeights(float64(j)/float64(G-1), g)
			for i := range G {
				kx, wx := gridWeights(float64(i)/float64(G-1), g)
				var v float64
				for a := range 4 {
					for c := range 4 {
						v += wy[a] * wx[c] * blk[ky+a][kx+c]
					}
				}
				e[j][i] += v
			}
		}
	}
	// The copies are bare profiles: the PSF and the pixel spread their
	// light, I ≈ S + ½ μ:∇∇S with μ the second moments (PSF image, and
	// 1/12 for the pixel). Applied at the nodes, by second differences.
	d.smooth(&e, G)
	// Tensor-product cubic Lagrange interpolation on the 4 nearest nodes.
	wts := func(t float64) (int, [4]float64) {
		return gridWeights(t/float64(d.nx-1), G)
	}
	if cap(d.xw) < d.nx {
		d.xw = make([][4]float64, d.nx)
		d.xk = make([]int, d.nx)
	}
	xw, xk := d.xw[:d.nx], d.xk[:d.nx]
	for x := range d.nx {
		xk[x], xw[x] = wts(float64(x))
	}
	for y := range d.ny {
		ky, wy := gridWeights(float64(y)/float64(max(d.ny-1, 1)), G)
		var col [maxGrid]float64
		for i := range G {
			col[i] = wy[0]*e[ky][i] + wy[1]*e[ky+1][i] + wy[2]*e[ky+2][i] + wy[3]*e[ky+3][i]
		}
		row := dst[y*d.nx : (y+1)*d.nx]
		for x := range row {
			k, w := xk[x], xw[x]
			row[x] -= w[0]*col[k] + w[1]*col[k+1] + w[2]*col[k+2] + w[3]*col[k+3]
		}
	}
}

// smooth adds ½ μ:∇∇e to the G×G node values e (spacing (nx−1)/(G−1),
// (ny−1)/(G−1)), the second-order effect of the PSF and the pixel (second
// moments d.mxx, d.mxy, d.myy plus 1/12 per axis) on the bare profile
// samples; second differences, one-sided at the edges.
func (d *Drawer) smooth(e *[maxGrid][maxGrid]float64, G int) {
	hx := float64(d.nx-1) / float64(G-1)
	hy := float64(d.ny-1) / float64(G-1)
	mxx, mxy, myy := d.mxx+1.0/12, d.mxy, d.myy+1.0/12
	// d2 returns the second difference of f at node k of G, over h².
	d2 := func(f func(int) float64, k int, h float64) float64 {
		switch k {
		case 0:
			return (2*f(0) - 5*f(1) + 4*f(2) - f(3)) / (h * h)
		case G - 1:
			return (2*f(G-1) - 5*f(G-2) + 4*f(G-3) - f(G-4)) / (h * h)
		}
		return (f(k+1) - 2*f(k) + f(k-1)) / (h * h)
	}
	// d1 returns the first difference of f at node k, over h.
	d1 := func(f func(int) float64, k int, h float64) float64 {
		switch k {
		case 0:
			return (-3*f(0) + 4*f(1) - f(2)) / (2 * h)
		case G - 1:
			return (3*f(G-1) - 4*f(G-2) + f(G-3)) / (2 * h)
		}
		return (f(k+1) - f(k-1)) / (2 * h)
	}
	var c [maxGrid][maxGrid]float64
	for j := range G {
		for i := range G {
			exx := d2(func(k int) float64 { return e[j][k] }, i, hx)
			eyy := d2(func(k int) float64 { return e[k][i] }, j, hy)
			var exy float64
			if mxy != 0 {
				exy = d1(func(k int) float64 {
					return d1(func(l int) float64 { return e[k][l] }, i, hx)
				}, j, hy)
			}
			c[j][i] = 0.5 * (mxx*exx + 2*mxy*exy + myy*eyy)
		}
	}
	for j := range G {
		for i := range G {
			e[j][i] += c[j][i]
		}
	}
}

// gridWeights returns the first node k and the weights of the nodes
// k..k+3 that interpolate at t ∈ [0, 1] on g uniform nodes over [0, 1]:
// cubic Lagrange on the 4 nearest nodes, or linear (weights on k, k+1) if
// g = 2.
func gridWeights(t float64, g int) (int, [4]float64) {
	u := t * float64(g-1)
	if g == 2 {
		return 0, [4]float64{1 - u, u, 0, 0}
	}
	k := int(u) - 1
	k = max(0, min(k, g-4))
	return k, lagrange4(u - float64(k))
}

// lagrange4 returns the cubic Lagrange weights of the nodes 0, 1, 2, 3 at u.
func lagrange4(u float64) [4]float64 {
	var w [4]float64
	for a := range 4 {
		w[a] = 1
		for c := range 4 {
			if c != a {
				w[a] *= (u - float64(c)) / float64(a-c)
			}
		}
	}
	return w
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// planFactors are the FFT sizes, in units of the stamp size.
var planFactors = []int{2, 3, 4}
