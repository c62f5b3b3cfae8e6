package fit

import (
	"math"
	"sort"

	"github.com/galforge/galforge/mock/sersic"
)

// amom is the result of adaptive moments: the centroid (0-indexed pixels),
// the covariance of the matched elliptical Gaussian (pixels²) and the
// weighted flux Σ w I.
type amom struct {
	x, y          float64
	mxx, mxy, myy float64
	s0            float64
	ok            bool
}

// adaptive measures adaptive (Gaussian-weighted) moments of the nx×ny image
// img over the pixels where good is true (nil: all), from the centre (x, y)
// and a round weight of σ = s pixels: the weight's covariance is set to
// twice the weighted second moments until they agree, which for a Gaussian
// image makes it the image's covariance (Bernstein & Jarvis 2002).
func adaptive(img []float64, good []bool, nx, ny int, x, y, s float64) amom {
	mxx, mxy, myy := s*s, 0.0, s*s
	out := amom{x: x, y: y, mxx: mxx, myy: myy}
	maxVar := math.Pow(float64(max(nx, ny))/2, 2)
	for range 60 {
		det := mxx*myy - mxy*mxy
		ixx, ixy, iyy := myy/det, -mxy/det, mxx/det
		r := 5 * math.Sqrt(math.Max(mxx, myy))
		x0, x1 := max(0, int(math.Floor(x-r))), min(nx-1, int(math.Ceil(x+r)))
		y0, y1 := max(0, int(math.Floor(y-r))), min(ny-1, int(math.Ceil(y+r)))
		var s0, sx, sy, sxx, sxy, syy float64
		for j := y0; j <= y1; j++ {
			dy := float64(j) - y
			for i := x0; i <= x1; i++ {
				k := j*nx + i
				if good != nil && !good[k] {
					continue
				}
				dx := float64(i) - x
				e := ixx*dx*dx + 2*ixy*dx*dy + iyy*dy*dy
				if e > 25 {
					continue
				}
				w := math.Exp(-0.5*e) * img[k]
				s0 += w
				sx += w * dx
				sy += w * dy
				sxx += w * dx * dx
				sxy += w * dx * dy
				syy += w * dy * dy
			}
		}
		if !(s0 > 0) {
			return out
		}
		cx, cy := sx/s0, sy/s0
		qxx, qxy, qyy := sxx/s0-cx*cx, sxy/s0-cx*cy, syy/s0-cy*cy
		if !(qxx > 0 && qyy > 0 && qxx*qyy-qxy*qxy > 0) {
			return out
		}
		// At most one pixel of centroid motion per iteration, inside the image.
		if d := math.Hypot(cx, cy); d > 1 {
			cx, cy = cx/d, cy/d
		}
		nxx, nxy, nyy := 2*qxx, 2*qxy, 2*qyy
		// Keep the weight between a tenth of a pixel and the image.
		l1, l2 := eig2(nxx, nxy, nyy)
		if l2 < 0.01 || l1 > maxVar {
			f := math.Min(1, maxVar/l1)
			nxx, nxy, nyy = nxx*f, nxy*f, nyy*f
			nxx, nyy = math.Max(nxx, 0.01), math.Max(nyy, 0.01)
			if nxx*nyy-nxy*nxy <= 1e-4 {
				nxy = 0
			}
		}
		x = math.Max(0, math.Min(float64(nx-1), x+cx))
		y = math.Max(0, math.Min(float64(ny-1), y+cy))
		dm := math.Abs(nxx-mxx) + math.Abs(nyy-myy) + 2*math.Abs(nxy-mxy)
		mxx, mxy, myy = nxx, nxy, nyy
		out = amom{x: x, y: y, mxx: mxx, mxy: mxy, myy: myy, s0: s0, ok: true}
		if math.Hypot(cx, cy) < 1e-4 && dm < 1e-4*(mxx+myy) {
			break
		}
	}
	return out
}

// eig2 returns the eigenvalues l1 ≥ l2 of the symmetric [[a, b], [b, c]].
func eig2(a, b, c float64) (l1, l2 float64) {
	m := (a + c) / 2
	d := math.Hypot((a-c)/2, b)
	return m + d, m - d
}

// majorAngle returns the angle (radians, from +x towards +y) of the major
// axis of the symmetric [[a, b], [b, c]].
func majorAngle(a, b, c float64) float64 { return 0.5 * math.Atan2(2*b, a-c) }

// psfMoments measures the PSF's adaptive covariance and circular half-light
// radius, in stamp pixels, for the starting point.
func (f *Fitter) psfMoments() {
	// An instrumental PSF is drawn with the pixel response: its variance
	// 1/12 per axis.
	pix := 0.0
	if f.opt.PSF == nil || f.opt.Convention == sersic.Instrumental {
		pix = 1.0 / 12
	}
	f.psfM = [3]float64{pix, 0, pix}
	p := f.opt.PSF
	if p == nil {
		return
	}
	var sum float64
	for _, v := range p.Data {
		sum += v
	}
	img := make([]float64, len(p.Data))
	for i, v := range p.Data {
		img[i] = v / sum
	}
	m := adaptive(img, nil, p.NX, p.NY, p.CX, p.CY, 1.5)
	if m.ok {
		f.psfM = [3]float64{m.mxx + pix, m.mxy, m.myy + pix}
	}
	type rp struct{ r2, v float64 }
	pts := make([]rp, len(img))
	for j := range p.NY {
		for i := range p.NX {
			dx, dy := float64(i)-p.CX, float64(j)-p.CY
			pts[j*p.NX+i] = rp{dx*dx + dy*dy, img[j*p.NX+i]}
		}
	}
	sort.Slice(pts, func(a, b int) bool { return pts[a].r2 < pts[b].r2 })
	var c float64
	for _, q := range pts {
		c += q.v
		if c >= 0.5 {
			f.psfRe2 = q.r2 + pix
			break
		}
	}
}

// guess returns the starting Sérsic parameters θ = (mag, Re arcsec, n, q,
// PA deg, x0, y0) measured from the stamp (see the package comment).
func (f *Fitter) guess(dat *data) []float64 {
	n := dat.n
	sc := f.opt.PixelScaleArcsec
	// The peak of the 3×3-smoothed image within the central half.
	best := math.Inf(-1)
	c := float64(n-1) / 2
	px, py := c, c
	for y := n / 4; y < n-n/4; y++ {
		for x := n / 4; x < n-n/4; x++ {
			var s float64
			var k int
			for j := max(0, y-1); j <= min(n-1, y+1); j++ {
				for i := max(0, x-1); i <= min(n-1, x+1); i++ {
					if dat.good[j*n+i] {
						s += dat.sci[j*n+i]
						k++
					}
				}
			}
			if k > 0 && s/float64(k) > best {
				best = s / float64(k)
				px, py = float64(x), float64(y)
			}
		}
	}
	m := adaptive(dat.sci, dat.good, n, n, px, py, 2)
	if !m.ok {
		m = amom{x: px, y: py, mxx: 4, myy: 4}
	}
	// Intrinsic shape: the measured covariance less the PSF's.
	ixx, ixy, iyy := m.mxx-f.psfM[0], m.mxy-f.psfM[1], m.myy-f.psfM[2]
	l1, l2 := eig2(ixx, ixy, iyy)
	q, phi := 1.0, 0.0
	if l1 > 0.01 {
		q = math.Sqrt(math.Max(l2, 0) / l1)
		phi = majorAngle(ixx, ixy, iyy)
	}
	q = math.Max(0.1, math.Min(1, q))
	// Curve of growth in ellipses of the observed shape about the centroid.
	ol1, ol2 := eig2(m.mxx, m.mxy, m.myy)
	qo := math.Max(0.1, math.Sqrt(math.Max(ol2, 0)/ol1))
	po := majorAngle(m.mxx, m.mxy, m.myy)
	sp, cp := math.Sincos(po)
	type ap struct{ a, v float64 }
	pts := make([]ap, 0, len(dat.idx))
	amax := float64(n)/2 - 1
	for _, k := range dat.idx {
		dx, dy := float64(int(k)%n)-m.x, float64(int(k)/n)-m.y
		u := dx*cp + dy*sp
		v := (-dx*sp + dy*cp) / qo
		a := math.Hypot(u, v)
		if a <= amax {
			pts = append(pts, ap{a, dat.sci[k]})
		}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].a < pts[j].a })
	var total float64
	for _, p := range pts {
		total += p.v
	}
	if !(total > 2*m.s0) && m.s0 > 0 {
		total = 2 * m.s0 // the matched-Gaussian flux: Σ w I is half of it
	}
	reObs := math.Sqrt(m.mxx + m.myy) // fallback
	if total > 0 {
		var cum float64
		for _, p := range pts {
			cum += p.v
			if cum >= total/2 {
				reObs = p.a
				break
			}
		}
	} else {
		total = 1e-6
	}
	rePix := math.Sqrt(math.Max(reObs*reObs-f.psfRe2, 0.09))
	th := []float64{
		f.opt.ZeroPointAB - 2.5*math.Log10(total),
		rePix * sc,
		2,
		q,
		phi*180/math.Pi - 90,
		m.x + 1, m.y + 1,
	}
	return th
}
