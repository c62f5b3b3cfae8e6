package sersic

import (
	"fmt"
	"math"

	"github.com/galforge/galforge/mock/conv"
	"gonum.org/v1/gonum/mathext"
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
	n, nkx  int
	fft     *conv.RealFFT2
	kx, ky  []float64    // wave numbers (rad/pixel) of the base band
	t       []complex128 // P̂(k) Ŵ(k) / n² for the base band, [ky][kx]
	aliases []alias
	active  []int32 // base-band indices with |P̂Ŵ| ≥ aliasEps (the others stay 0)
	spec    []complex128
}

type alias struct {
	idx    int32
	mx, my int8
	w      complex128 // P̂(k) Ŵ(k+2πm) / n²
}

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
	maxAlias   int
	plans      []*plan // FFT sizes 2, 3, 4 × max(nx, ny)
	rowBuf     []float64
	phx, phy   []complex128
	phAx, phAy [9]complex128 // alias phases e^{-2πi m c}, m = -4..4
	fast       fastRow
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
	c.rowBuf, c.phx, c.phy = nil, nil, nil
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
	p.kx = make([]float64, p.nkx)
	for i := range p.kx {
		p.kx[i] = 2 * math.Pi * float64(i) / float64(n)
	}
	p.ky = make([]float64, n)
	for j := range p.ky {
		jj := j
		if j >= n/2 {
			jj = j - n
		}
		p.ky[j] = 2 * math.Pi * float64(jj) / float64(n)
	}
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
	p.t = make([]complex128, len(ph))
	ma := d.maxAlias
	wx := make([][]float64, 2*ma+1) // wx[m+ma][i] = Ŵ1(kx_i + 2πm)
	for m := -ma; m <= ma; m++ {
		wx[m+ma] = make([]float64, p.nkx)
		for i, k := range p.kx {
			wx[m+ma][i] = d.w1(k + 2*math.Pi*float64(m))
		}
	}
	wy := make([][]float64, 2*ma+1)
	for m := -ma; m <= ma; m++ {
		wy[m+ma] = make([]float64, n)
		for j, k := range p.ky {
			wy[m+ma][j] = d.w1(k + 2*math.Pi*float64(m))
		}
	}
	for j := 0; j < n; j++ {
		for i := 0; i < p.nkx; i++ {
			idx := j*p.nkx + i
			pp := ph[idx] * complex(norm, 0)
			p.t[idx] = pp * complex(wx[ma][i]*wy[ma][j], 0)
			if math.Hypot(real(p.t[idx]), imag(p.t[idx])) > aliasEps*norm || idx == 0 {
				p.active = append(p.active, int32(idx))
			}
			for my := -ma; my <= ma; my++ {
				for mx := -ma; mx <= ma; mx++ {
					if mx == 0 && my == 0 {
						continue
					}
					w := pp * complex(wx[mx+ma][i]*wy[my+ma][j], 0)
					if math.Hypot(real(w), imag(w)) > aliasEps*norm {
						p.aliases = append(p.aliases, alias{idx: int32(idx), mx: int8(mx), my: int8(my), w: w})
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
// largest size if none does.
func (d *Drawer) choosePlan(ps []Sersic) *plan {
	for _, pl := range d.plans {
		ok := true
		for _, p := range ps {
			if p.Flux != 0 && d.farFraction(p, pl.n, 1) > farEps {
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

// farEps bounds the estimated flux fraction that copies beyond the
// correction ring put into the stamp.
const farEps = 3e-5

// farFraction is the flux outside the elliptical radius (wrapRing+½)N/s of
// p, as a fraction of its flux, times the fraction nx·ny/N² of the period
// that the stamp covers. s = 1 bounds the flux outside the block of copies
// from above (the elliptical radius exceeds the circular one); s = √q is the
// estimate used for the uniform level.
func (d *Drawer) farFraction(p Sersic, n int, s float64) float64 {
	re := p.ReArcsec / d.scale
	N := float64(n)
	r := (wrapRing + 0.5) * N / s / re
	return mathext.GammaIncRegComp(2*p.N, Bn(p.N)*math.Pow(r, 1/p.N)) * float64(d.nx*d.ny) / (N * N)
}

func (d *Drawer) draw(dst []float64, ps []Sersic) error {
	if len(dst) != d.nx*d.ny {
		return fmt.Errorf("sersic: DrawTo: dst has %d values, want %d×%d", len(dst), d.nx, d.ny)
	}
	pl := d.choosePlan(ps)
	spec := pl.spec
	for i := range spec {
		spec[i] = 0
	}
	if cap(d.phx) < pl.nkx || cap(d.phy) < pl.n {
		d.phx = make([]complex128, pl.n)
		d.phy = make([]complex128, pl.n)
	}
	phx, phy := d.phx[:pl.nkx], d.phy[:pl.n]
	for _, p := range ps {
		if p.Flux == 0 {
			continue
		}
		r := newRow(d.rowBuf, p.N)
		d.rowBuf = r.h
		re := p.ReArcsec / d.scale
		re2 := re * re
		q2 := p.Q * p.Q
		// κ² of the grid lies between (q Re 2π/N)² and (Re (2M+1)π √2)².
		kmin := p.Q * re * 2 * math.Pi / float64(pl.n)
		kmax := re * float64(2*d.maxAlias+1) * math.Pi * math.Sqrt2
		d.fast.build(&r, kmin*kmin, kmax*kmax)
		fr := &d.fast
		th := p.PADeg * math.Pi / 180
		sn, cs := math.Sincos(th)
		// Major axis e_a = (−sin θ, cos θ), minor e_b = (cos θ, sin θ).
		eax, eay := -sn, cs
		ebx, eby := cs, sn
		// A PSF origin c off its centre pixel shifts the image by −c.
		cx, cy := p.X0-1-d.offX, p.Y0-1-d.offY
		for i, k := range pl.kx {
			s, c := math.Sincos(-k * cx)
			phx[i] = complex(c, s)
		}
		for j, k := range pl.ky {
			s, c := math.Sincos(-k * cy)
			phy[j] = complex(c, s)
		}
		for m := -4; m <= 4; m++ {
			s, c := math.Sincos(-2 * math.Pi * float64(m) * cx)
			d.phAx[m+4] = complex(c, s)
			s, c = math.Sincos(-2 * math.Pi * float64(m) * cy)
			d.phAy[m+4] = complex(c, s)
		}
		f := complex(p.Flux, 0)
		nkx := pl.nkx
		for _, idx := range pl.active {
			i := int(idx) % nkx
			j := int(idx) / nkx
			kx, ky := pl.kx[i], pl.ky[j]
			ka := kx*eax + ky*eay
			kb := kx*ebx + ky*eby
			h := fr.eval2(re2 * (ka*ka + q2*kb*kb))
			spec[idx] += pl.t[idx] * phx[i] * phy[j] * f * complex(h, 0)
		}
		for _, a := range pl.aliases {
			i := int(a.idx) % nkx
			j := int(a.idx) / nkx
			kx := pl.kx[i] + 2*math.Pi*float64(a.mx)
			ky := pl.ky[j] + 2*math.Pi*float64(a.my)
			ka := kx*eax + ky*eay
			kb := kx*ebx + ky*eby
			h := fr.eval2(re2 * (ka*ka + q2*kb*kb))
			spec[a.idx] += a.w * phx[i] * phy[j] * d.phAx[int(a.mx)+4] * d.phAy[int(a.my)+4] * f * complex(h, 0)
		}
	}
	pl.fft.InverseWindow(dst, d.nx, d.nx, d.ny, spec)
	for _, p := range ps {
		if p.Flux != 0 {
			d.unwrap(dst, p, pl.n)
		}
	}
	return nil
}

// Wrap correction: the discrete transform draws the periodic sum
// Σ_m I(x + N m) of the image I over the FFT period N. Far from the profile
// centre I is smooth on the scale of the PSF and the pixel, so the copies
// m ≠ 0 are subtracted as samples of the bare Sérsic profile: exactly for
// |m| ≤ wrapRing on a wrapGrid×wrapGrid grid of points over the stamp,
// interpolated (cubic) in between, and as a uniform level F_out/N² for the
// copies beyond, F_out being the flux outside the radius (wrapRing+½)N/√q.
const (
	wrapRing = 2
	wrapGrid = 6
)

func (d *Drawer) unwrap(dst []float64, p Sersic, n int) {
	re := p.ReArcsec / d.scale
	b := Bn(p.N)
	invN := 1 / p.N
	lg, _ := math.Lgamma(2 * p.N)
	// Central surface brightness F/(q Re²)·c/(2π) e^0, c = b^{2n}/(nΓ(2n)).
	i0 := p.Flux / (p.Q * re * re) * math.Exp(2*p.N*math.Log(b)-math.Log(p.N)-lg) / (2 * math.Pi)
	N := float64(n)
	far := p.Flux * d.farFraction(p, n, math.Sqrt(p.Q)) / float64(d.nx*d.ny)
	// Quick bound: the nearest copy is ≥ N − (stamp size) away.
	near := (N - float64(max(d.nx, d.ny))) / re
	if near > 0 && i0*math.Exp(-b*math.Pow(near, invN))*8 < 1e-9*i0 && far < 1e-9*i0 {
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
		return i0 * math.Exp(-b*math.Pow(a*a+bb*bb, 0.5*invN))
	}
	var gx, gy [wrapGrid]float64
	for i := range gx {
		gx[i] = float64(d.nx-1) * float64(i) / (wrapGrid - 1)
		gy[i] = float64(d.ny-1) * float64(i) / (wrapGrid - 1)
	}
	var e [wrapGrid][wrapGrid]float64
	for j, y := range gy {
		for i, x := range gx {
			v := far
			for my := -wrapRing; my <= wrapRing; my++ {
				for mx := -wrapRing; mx <= wrapRing; mx++ {
					if mx == 0 && my == 0 {
						continue
					}
					v += sb(x+N*float64(mx)-cx, y+N*float64(my)-cy)
				}
			}
			e[j][i] = v
		}
	}
	// Tensor-product cubic Lagrange interpolation on the 4 nearest nodes.
	wts := func(t float64, g *[wrapGrid]float64) (int, [4]float64) {
		h := g[1] - g[0]
		if h == 0 {
			return 0, [4]float64{1, 0, 0, 0}
		}
		k := int(t/h) - 1
		k = max(0, min(k, wrapGrid-4))
		u := t/h - float64(k)
		var w [4]float64
		for a := range 4 {
			w[a] = 1
			for c := range 4 {
				if c != a {
					w[a] *= (u - float64(c)) / float64(a-c)
				}
			}
		}
		return k, w
	}
	xw := make([][4]float64, d.nx)
	xk := make([]int, d.nx)
	for x := range d.nx {
		xk[x], xw[x] = wts(float64(x), &gx)
	}
	for y := range d.ny {
		ky, wy := wts(float64(y), &gy)
		var col [wrapGrid]float64
		for i := range wrapGrid {
			col[i] = wy[0]*e[ky][i] + wy[1]*e[ky+1][i] + wy[2]*e[ky+2][i] + wy[3]*e[ky+3][i]
		}
		row := dst[y*d.nx : (y+1)*d.nx]
		for x := range row {
			k, w := xk[x], xw[x]
			row[x] -= w[0]*col[k] + w[1]*col[k+1] + w[2]*col[k+2] + w[3]*col[k+3]
		}
	}
}

// planFactors are the FFT sizes, in units of the stamp size.
var planFactors = []int{2, 3, 4}
