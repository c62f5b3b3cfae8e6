package fit

import (
	"fmt"
	"math"

	"github.com/galforge/galforge/mock/sersic"
)

// Finite-difference steps of the Jacobian: relative for Re, n and q, in
// degrees for PA and pixels for the centre. They are large against the
// rounding of the drawing (~1e-12 relative) and span a few of the
// drawer's linear pieces of the Sérsic transform (1.6 % apart in κ²), so the
// columns are the derivative to ~1e-3.
const (
	stepRel = 1e-3
	stepPA  = 1e-2
	stepPix = 1e-3
)

var ln10by25 = 0.4 * math.Ln10

// sersicParamNames are the internal names of θ for Status.
var sersicParamNames = []string{"mag", "re_arcsec", "n", "q", "pa_deg", "x0", "y0"}

// sersicOf returns the unit-flux profile of θ = (mag, Re, n, q, PA, x0, y0).
// q > 1 is the continuation of the profile past round: axis ratio 1/q, Re·q
// and PA + 90°.
func sersicOf(th []float64) sersic.Sersic {
	re, q, pa := th[1], th[3], th[4]
	if q > 1 {
		re, q, pa = re*q, 1/q, pa+90
	}
	return sersic.Sersic{Flux: 1, ReArcsec: re, N: th[2], Q: q, PADeg: pa, X0: th[5], Y0: th[6]}
}

// forward fills col with the forward difference (model(θ + h e_j) −
// m)/h, stepping backwards when θ_j + h passes the upper bound.
func forward(p *problem, col, th, m []float64, j int, h float64) error {
	if th[j]+h > p.hi[j] {
		h = -h
	}
	tp := append([]float64(nil), th...)
	tp[j] += h
	if err := p.model(col, tp); err != nil {
		return err
	}
	for i := range col {
		col[i] = (col[i] - m[i]) / h
	}
	return nil
}

func (f *Fitter) sersicProblem(d *sersic.Drawer, evals *int) *problem {
	n := float64(f.size)
	sc := f.opt.PixelScaleArcsec
	zp := f.opt.ZeroPointAB
	p := &problem{
		names: sersicParamNames,
		lo:    []float64{zp - magSpan, MinRePix * sc, MinN, MinQ, math.Inf(-1), 0.5, 0.5},
		hi:    []float64{zp + magSpan, MaxReStamps * n * sc, MaxN, 1 / MinQ, math.Inf(1), n + 0.5, n + 0.5},
	}
	p.model = func(dst, th []float64) error {
		*evals++
		if err := d.DrawTo(dst, sersicOf(th)); err != nil {
			return err
		}
		fl := f.flux(th[0])
		for i := range dst {
			dst[i] *= fl
		}
		return nil
	}
	p.broyden = true
	p.exact = func(cols [][]float64, _, m []float64) {
		for i, v := range m {
			cols[0][i] = -ln10by25 * v
		}
	}
	p.jac = func(cols [][]float64, th, m []float64) error {
		p.exact(cols, th, m)
		steps := []float64{0, stepRel * th[1], stepRel * th[2], stepRel * th[3], stepPA, stepPix, stepPix}
		for j := 1; j < 7; j++ {
			if err := forward(p, cols[j], th, m, j, steps[j]); err != nil {
				return err
			}
		}
		return nil
	}
	return p
}

// fitSersic fits one Sérsic profile with drawer d.
func (f *Fitter) fitSersic(d *sersic.Drawer, dat *data) (Result, error) {
	var evals int
	p := f.sersicProblem(d, &evals)
	th0 := f.guess(dat)
	best, err := levmar(p, dat, th0, f.opt.MaxIter, f.opt.Tol)
	if err != nil {
		return failed(SersicModel, err), err
	}
	iters := best.iters
	atBound := func(o lmOut) bool {
		n, q := o.th[2], math.Min(o.th[3], 1/o.th[3])
		return n <= MinN*(1+1e-6) || n >= MaxN*(1-1e-6) || q <= MinQ*(1+1e-6)
	}
	if !best.converged || atBound(best) {
		for _, n0 := range []float64{1, 4} {
			th := append([]float64(nil), th0...)
			th[2] = n0
			o, err := levmar(p, dat, th, f.opt.MaxIter, f.opt.Tol)
			if err != nil {
				return failed(SersicModel, err), err
			}
			iters += o.iters
			if o.chi2 < best.chi2 {
				best = o
			}
		}
	}
	th := best.th
	note := boundNote(p.names, th, p.lo, p.hi)
	a := best.a
	if th[3] > 1 {
		// Fold back to q ≤ 1 (the same image) and take the covariance there.
		th[1], th[3], th[4] = th[1]*th[3], 1/th[3], th[4]+90
		cols := make([][]float64, 7)
		for j := range cols {
			cols[j] = make([]float64, len(best.m))
		}
		if err := p.jac(cols, th, best.m); err != nil {
			return failed(SersicModel, err), err
		}
		dat.normal(a, make([]float64, 7), cols, best.m)
	}
	th[4] = wrapPA(th[4])
	sig := sigmas(a, 7)
	r := Result{Model: SersicModel, Chi2: best.chi2, NPix: len(dat.idx), NFree: 7, Iterations: iters, NEval: evals,
		Converged: best.converged, Status: best.status}
	r.Chi2Nu = r.Chi2 / float64(r.NPix-r.NFree)
	if note != "" {
		r.Status += "; " + note
	}
	r.Sersic = SersicParams{Mag: th[0], ReArcsec: th[1], N: th[2], Q: th[3], PADeg: th[4], X0: th[5], Y0: th[6]}
	r.SersicErr = SersicParams{Mag: sig[0], ReArcsec: sig[1], N: sig[2], Q: sig[3], PADeg: sig[4], X0: sig[5], Y0: sig[6]}
	return r, nil
}

// bdParamNames are the internal names of the bulge+disc θ.
var bdParamNames = []string{"mag", "bt", "re_bulge_arcsec", "q_bulge", "re_disk_arcsec", "q_disk", "pa_deg", "x0", "y0", "n_bulge"}

// bdOf returns the bulge+disc of θ = (mag, B/T, Re_b, q_b, Re_d, q_d, PA,
// x0, y0[, n_b]) with total flux fl.
func (f *Fitter) bdOf(th []float64, fl float64) sersic.BulgeDisc {
	nb := f.opt.BulgeN
	if len(th) > 9 {
		nb = th[9]
	}
	return sersic.BulgeDisc{Flux: fl, BT: th[1], BulgeReArcsec: th[2], BulgeN: nb, BulgeQ: th[3],
		DiscReArcsec: th[4], DiscN: 1, DiscQ: th[5], PADeg: th[6], X0: th[7], Y0: th[8]}
}

func (f *Fitter) bdProblem(d *sersic.Drawer, evals *int) *problem {
	n := float64(f.size)
	sc := f.opt.PixelScaleArcsec
	zp := f.opt.ZeroPointAB
	reLo, reHi := MinRePix*sc, MaxReStamps*n*sc
	p := &problem{
		names: bdParamNames,
		lo:    []float64{zp - magSpan, 0, reLo, MinQ, reLo, MinQ, math.Inf(-1), 0.5, 0.5},
		hi:    []float64{zp + magSpan, 1, reHi, 1, reHi, 1, math.Inf(1), n + 0.5, n + 0.5},
	}
	if f.opt.FreeBulgeN {
		p.lo = append(p.lo, MinN)
		p.hi = append(p.hi, MaxN)
	} else {
		p.names = p.names[:9]
	}
	p.model = func(dst, th []float64) error {
		*evals++
		return d.DrawBulgeDiscTo(dst, f.bdOf(th, f.flux(th[0])))
	}
	npix := f.size * f.size
	bu, di, tmp := make([]float64, npix), make([]float64, npix), make([]float64, npix)
	bulge := func(dst, th []float64) error {
		*evals++
		b, _ := f.bdOf(th, 1).Components()
		b.Flux = 1
		return d.DrawTo(dst, b)
	}
	disc := func(dst, th []float64) error {
		*evals++
		_, c := f.bdOf(th, 1).Components()
		c.Flux = 1
		return d.DrawTo(dst, c)
	}
	// The model is F (B/T·b + (1 − B/T)·d) with b, d the unit-flux bulge and
	// disc: the columns of a component's parameters need that component only.
	p.broyden = true
	p.exact = func(cols [][]float64, _, m []float64) {
		for i, v := range m {
			cols[0][i] = -ln10by25 * v
		}
	}
	p.jac = func(cols [][]float64, th, m []float64) error {
		fl, bt := f.flux(th[0]), th[1]
		if err := bulge(bu, th); err != nil {
			return err
		}
		if err := disc(di, th); err != nil {
			return err
		}
		for i, v := range m {
			cols[0][i] = -ln10by25 * v
			cols[1][i] = fl * (bu[i] - di[i])
		}
		comp := func(j int, draw func(dst, th []float64) error, base []float64, w float64) error {
			h := stepRel * th[j]
			if th[j]+h > p.hi[j] {
				h = -h
			}
			tp := append([]float64(nil), th...)
			tp[j] += h
			if err := draw(tmp, tp); err != nil {
				return err
			}
			for i := range tmp {
				cols[j][i] = w * (tmp[i] - base[i]) / h
			}
			return nil
		}
		for _, j := range []int{2, 3} {
			if err := comp(j, bulge, bu, fl*bt); err != nil {
				return err
			}
		}
		if len(th) > 9 {
			if err := comp(9, bulge, bu, fl*bt); err != nil {
				return err
			}
		}
		for _, j := range []int{4, 5} {
			if err := comp(j, disc, di, fl*(1-bt)); err != nil {
				return err
			}
		}
		for j, h := range map[int]float64{6: stepPA, 7: stepPix, 8: stepPix} {
			if err := forward(p, cols[j], th, m, j, h); err != nil {
				return err
			}
		}
		return nil
	}
	return p
}

// fitBulgeDisc fits a bulge+disc model with drawer d, from the single-Sérsic
// fit s: two starts (B/T 0.2 with a compact bulge, 0.6 with a larger one),
// the lower χ² kept.
func (f *Fitter) fitBulgeDisc(d *sersic.Drawer, dat *data, s Result) (Result, error) {
	var evals int
	p := f.bdProblem(d, &evals)
	sp := s.Sersic
	if math.IsNaN(sp.Mag) {
		err := fmt.Errorf("fit: bulge+disc: the single-Sérsic start failed: %s", s.Status)
		return failed(BulgeDiscModel, err), err
	}
	var best lmOut
	iters := 0
	for k, st := range []struct{ bt, rb, rd float64 }{{0.2, 0.3, 1.2}, {0.6, 0.6, 1.5}} {
		th := []float64{sp.Mag, st.bt, st.rb * sp.ReArcsec, math.Max(sp.Q, 0.7), st.rd * sp.ReArcsec, sp.Q, sp.PADeg, sp.X0, sp.Y0}
		if f.opt.FreeBulgeN {
			th = append(th, f.opt.BulgeN)
		}
		o, err := levmar(p, dat, th, f.opt.MaxIter, f.opt.Tol)
		if err != nil {
			return failed(BulgeDiscModel, err), err
		}
		iters += o.iters
		if k == 0 || o.chi2 < best.chi2 {
			best = o
		}
	}
	th := best.th
	k := len(th)
	note := boundNote(p.names, th, p.lo, p.hi)
	sig := sigmas(best.a, k)
	nb, nbErr := f.opt.BulgeN, 0.0
	if k > 9 {
		nb, nbErr = th[9], sig[9]
	}
	r := Result{Model: BulgeDiscModel, Chi2: best.chi2, NPix: len(dat.idx), NFree: k, Iterations: iters, NEval: evals,
		Converged: best.converged, Status: best.status}
	r.Chi2Nu = r.Chi2 / float64(r.NPix-r.NFree)
	if note != "" {
		r.Status += "; " + note
	}
	r.BD = BulgeDiscParams{Mag: th[0], BT: th[1], BulgeReArcsec: th[2], BulgeN: nb, BulgeQ: th[3],
		DiscReArcsec: th[4], DiscN: 1, DiscQ: th[5], PADeg: wrapPA(th[6]), X0: th[7], Y0: th[8]}
	r.BDErr = BulgeDiscParams{Mag: sig[0], BT: sig[1], BulgeReArcsec: sig[2], BulgeN: nbErr, BulgeQ: sig[3],
		DiscReArcsec: sig[4], DiscN: 0, DiscQ: sig[5], PADeg: sig[6], X0: sig[7], Y0: sig[8]}
	return r, nil
}
