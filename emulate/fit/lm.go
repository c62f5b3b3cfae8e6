package fit

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// problem is a model with k parameters θ, bounded to [lo, hi] (±Inf for
// none), for levmar.
type problem struct {
	names  []string
	lo, hi []float64
	// model draws the model for θ into dst (all stamp pixels).
	model func(dst, th []float64) error
	// jac fills cols[j] (all stamp pixels) with ∂model/∂θ_j at θ, whose
	// model is m.
	jac func(cols [][]float64, th, m []float64) error
	// broyden updates the Jacobian after an accepted step by Broyden's
	// rank-one formula instead of drawing it again, and exact, if not nil,
	// then refreshes the columns that are cheap to compute exactly.
	broyden bool
	exact   func(cols [][]float64, th, m []float64)
}

func (p *problem) clamp(th []float64) {
	for j := range th {
		th[j] = math.Max(p.lo[j], math.Min(p.hi[j], th[j]))
	}
}

// lmOut is the end state of levmar: θ, its model and χ², and the normal
// matrix A = JᵀWJ (k×k, row-major) at θ.
type lmOut struct {
	th        []float64
	m         []float64
	chi2      float64
	a         []float64
	iters     int
	converged bool
	status    string
}

// chi2 returns Σ ((d − m) w)² over the usable pixels.
func (dat *data) chi2(m []float64) float64 {
	var s float64
	for i, p := range dat.idx {
		r := (dat.d[i] - m[p]) * dat.w[i]
		s += r * r
	}
	return s
}

// normal fills a = JᵀWJ and g = JᵀW(d − m) from the Jacobian columns.
func (dat *data) normal(a, g []float64, cols [][]float64, m []float64) {
	k := len(cols)
	for j := range a {
		a[j] = 0
	}
	for j := range g {
		g[j] = 0
	}
	jw := make([]float64, k)
	for i, p := range dat.idx {
		w := dat.w[i]
		r := (dat.d[i] - m[p]) * w
		for j := range k {
			jw[j] = cols[j][p] * w
		}
		for j := range k {
			v := jw[j]
			if v == 0 {
				continue
			}
			g[j] += v * r
			row := a[j*k : j*k+k]
			for l := j; l < k; l++ {
				row[l] += v * jw[l]
			}
		}
	}
	for j := range k {
		for l := 0; l < j; l++ {
			a[j*k+l] = a[l*k+j]
		}
	}
}

// levmar minimises χ² from th0 by Levenberg–Marquardt (see the package
// comment): Marquardt's diagonal scaling, Nielsen's damping update, bounds
// by projection with an active set, Broyden updates of the Jacobian when
// p.broyden. It stops when a full Gauss–Newton step would lower χ² by less
// than tol = tol0·max(1, χ²_ν), or by less than 10 tol and a trial step fails
// (converged), after maxIter trial steps, or when the damping grows past
// 1e12 without a step that lowers χ² (stalled).
func levmar(p *problem, dat *data, th0 []float64, maxIter int, tol0 float64) (lmOut, error) {
	k := len(th0)
	npix := dat.n * dat.n
	th := append([]float64(nil), th0...)
	p.clamp(th)
	m, mt := make([]float64, npix), make([]float64, npix)
	cols := make([][]float64, k)
	for j := range cols {
		cols[j] = make([]float64, npix)
	}
	if err := p.model(m, th); err != nil {
		return lmOut{}, err
	}
	out := lmOut{chi2: dat.chi2(m), a: make([]float64, k*k)}
	g := make([]float64, k)
	thn := make([]float64, k)
	s := make([]float64, k)
	lambda, nu := 1e-3, 2.0
	free := make([]bool, k)
	needJac, fresh := true, false
outer:
	for {
		if needJac {
			if err := p.jac(cols, th, m); err != nil {
				return lmOut{}, err
			}
			needJac, fresh = false, true
		}
		a := out.a
		dat.normal(a, g, cols, m)
		var dmax float64
		for j := range k {
			dmax = math.Max(dmax, a[j*k+j])
		}
		// Active set: a parameter on a bound that the gradient pushes
		// outwards stays there for this step. (The step is ≈ A⁻¹g, so
		// g_j < 0 lowers θ_j.)
		for j := range k {
			free[j] = !(th[j] <= p.lo[j] && g[j] < 0 || th[j] >= p.hi[j] && g[j] > 0) && a[j*k+j] > 1e-14*dmax
		}
		// Convergence: the Gauss–Newton step's predicted decrease gᵀA⁻¹g,
		// against tol scaled by the reduced χ² when the model does not fit
		// (χ²_ν > 1): the Jacobian's error then multiplies larger residuals,
		// and the statistical errors, if scaled, grow by √χ²_ν.
		gn := math.Inf(1)
		if dx, ok := solveDamped(a, g, free, 0, dmax); ok {
			gn = dot(g, dx)
		}
		tol := tol0 * math.Max(1, out.chi2/float64(max(1, len(dat.idx)-k)))
		if gn < tol {
			if !fresh {
				needJac = true // confirm with a Jacobian drawn at θ
				continue
			}
			out.converged, out.status = true, "converged"
			break
		}
		accepted := false
		for !accepted {
			if out.iters >= maxIter {
				out.status = "max iterations"
				break outer
			}
			out.iters++
			dx, ok := solveDamped(a, g, free, lambda, dmax)
			if ok {
				for j := range k {
					thn[j] = th[j] + dx[j]
				}
				p.clamp(thn)
				for j := range k {
					s[j] = thn[j] - th[j]
				}
				// Predicted decrease of the linearised model for the
				// projected step: 2sᵀg − sᵀAs.
				pred := 2 * dot(s, g)
				for j := range k {
					pred -= s[j] * dot(a[j*k:j*k+k], s)
				}
				if pred > 0 {
					if err := p.model(mt, thn); err != nil {
						return lmOut{}, err
					}
					c := dat.chi2(mt)
					if c < out.chi2 {
						rho := (out.chi2 - c) / pred
						copy(th, thn)
						if p.broyden {
							broyden(cols, a, s, m, mt)
							if p.exact != nil {
								p.exact(cols, thn, mt)
							}
							fresh = false
						} else {
							needJac = true
						}
						m, mt = mt, m
						out.chi2 = c
						lambda *= math.Max(1.0/3, 1-math.Pow(2*rho-1, 3))
						nu = 2
						accepted = true
						continue
					}
				}
			}
			if !fresh {
				// A rejected step on an updated Jacobian: draw it afresh.
				needJac = true
				continue outer
			}
			if gn < 10*tol {
				// Within 10 tol of the minimum and no step lowers χ²: the
				// finite-difference Jacobian is ~1e-3 off, which leaves gᵀA⁻¹g
				// ~1e-5 at the minimum itself.
				out.converged, out.status = true, "converged"
				break outer
			}
			lambda *= nu
			nu *= 2
			if lambda > 1e12 {
				// No step lowers χ²: the minimum to the precision of the
				// model drawing (or of the Jacobian).
				out.status = "stalled"
				break outer
			}
		}
	}
	if !fresh {
		// Stopped on an updated Jacobian (max iterations): the covariance
		// needs a drawn one.
		if err := p.jac(cols, th, m); err != nil {
			return lmOut{}, err
		}
		dat.normal(out.a, g, cols, m)
	}
	out.th, out.m = th, m
	return out, nil
}

// broyden applies Broyden's rank-one update to the Jacobian columns after
// the step s took the model from m to mn, in the variables scaled by the
// diagonal of A (so that the update does not depend on the parameters'
// units): J += (Δm − J s) (D²s)ᵀ / (sᵀD²s).
func broyden(cols [][]float64, a, s, m, mn []float64) {
	k := len(cols)
	var den float64
	w := make([]float64, k)
	for j := range k {
		w[j] = a[j*k+j] * s[j]
		den += w[j] * s[j]
	}
	if !(den > 0) {
		return
	}
	for j := range w {
		w[j] /= den
	}
	for i := range m {
		r := mn[i] - m[i]
		for j := range k {
			r -= cols[j][i] * s[j]
		}
		if r == 0 {
			continue
		}
		for j := range k {
			cols[j][i] += r * w[j]
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solveDamped solves (A + λ D) x = g over the free parameters (x = 0 for
// the others), D the diagonal of A floored at 1e-12·dmax (Marquardt's
// scaling). It reports false when the matrix is not positive definite.
func solveDamped(a, g []float64, free []bool, lambda, dmax float64) ([]float64, bool) {
	k := len(g)
	var ix []int
	for j := range k {
		if free[j] {
			ix = append(ix, j)
		}
	}
	x := make([]float64, k)
	nf := len(ix)
	if nf == 0 {
		return x, true
	}
	m := make([]float64, nf*nf)
	b := make([]float64, nf)
	for r, j := range ix {
		for c, l := range ix {
			m[r*nf+c] = a[j*k+l]
		}
		m[r*nf+r] += lambda * math.Max(a[j*k+j], 1e-12*dmax)
		b[r] = g[j]
	}
	if !cholSolve(m, b, nf) {
		return nil, false
	}
	for r, j := range ix {
		x[j] = b[r]
	}
	return x, true
}

// cholSolve solves m x = b in place (x into b) by Cholesky factorisation of
// the n×n symmetric m, which it overwrites. It reports false when m is not
// positive definite.
func cholSolve(m, b []float64, n int) bool {
	for j := range n {
		s := m[j*n+j]
		for l := range j {
			s -= m[j*n+l] * m[j*n+l]
		}
		if !(s > 0) {
			return false
		}
		d := math.Sqrt(s)
		m[j*n+j] = d
		for i := j + 1; i < n; i++ {
			t := m[i*n+j]
			for l := range j {
				t -= m[i*n+l] * m[j*n+l]
			}
			m[i*n+j] = t / d
		}
	}
	for i := range n {
		t := b[i]
		for l := range i {
			t -= m[i*n+l] * b[l]
		}
		b[i] = t / m[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		t := b[i]
		for l := i + 1; l < n; l++ {
			t -= m[l*n+i] * b[l]
		}
		b[i] = t / m[i*n+i]
	}
	return true
}

// sigmas returns the square roots of the diagonal of A⁻¹ (A = JᵀWJ, k×k).
// Directions A cannot resolve (eigenvalues of the correlation matrix below
// 1e-12 of the largest) are left out of the pseudo-inverse, and the
// parameters they involve (|component| > 0.1) get NaN.
func sigmas(a []float64, k int) []float64 {
	out := make([]float64, k)
	d := make([]float64, k)
	for j := range k {
		d[j] = math.Sqrt(a[j*k+j])
	}
	c := mat.NewSymDense(k, nil)
	for j := range k {
		for l := j; l < k; l++ {
			v := 0.0
			if d[j] > 0 && d[l] > 0 {
				v = a[j*k+l] / (d[j] * d[l])
			}
			c.SetSym(j, l, v)
		}
	}
	var es mat.EigenSym
	if !es.Factorize(c, true) {
		for j := range out {
			out[j] = math.NaN()
		}
		return out
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	vmax := 0.0
	for _, v := range vals {
		vmax = math.Max(vmax, v)
	}
	bad := make([]bool, k)
	for e, v := range vals {
		if v > 1e-12*vmax {
			for j := range k {
				out[j] += vecs.At(j, e) * vecs.At(j, e) / v
			}
			continue
		}
		for j := range k {
			if math.Abs(vecs.At(j, e)) > 0.1 {
				bad[j] = true
			}
		}
	}
	for j := range k {
		if bad[j] || d[j] == 0 {
			out[j] = math.NaN()
			continue
		}
		out[j] = math.Sqrt(out[j]) / d[j]
	}
	return out
}
