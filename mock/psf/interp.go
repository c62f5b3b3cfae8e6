package psf

import "math"

// Interpolant is the kernel used for sub-pixel shifts and resampling.
type Interpolant int

const (
	// Lanczos3 is sinc(x)·sinc(x/3) for |x| < 3 (the default).
	Lanczos3 Interpolant = iota
	// Bicubic is Keys' cubic convolution kernel with a = −0.5 (|x| < 2).
	Bicubic
)

func (k Interpolant) String() string {
	switch k {
	case Lanczos3:
		return "lanczos3"
	case Bicubic:
		return "bicubic"
	}
	return "unknown"
}

func (k Interpolant) radius() int {
	if k == Bicubic {
		return 2
	}
	return 3
}

func (k Interpolant) eval(x float64) float64 {
	x = math.Abs(x)
	switch k {
	case Bicubic:
		const a = -0.5
		switch {
		case x < 1:
			return ((a+2)*x-(a+3))*x*x + 1
		case x < 2:
			return ((a*x-5*a)*x+8*a)*x - 4*a
		}
		return 0
	default:
		if x < 1e-12 {
			return 1
		}
		if x >= 3 {
			return 0
		}
		px := math.Pi * x
		return 3 * math.Sin(px) * math.Sin(px/3) / (px * px)
	}
}

// weights returns the first source index and the normalised weights for
// interpolating at position p (pixel coordinates).
func (k Interpolant) weights(p float64, w []float64) int {
	r := k.radius()
	i0 := int(math.Floor(p)) - r + 1
	var s float64
	for j := range w {
		w[j] = k.eval(p - float64(i0+j))
		s += w[j]
	}
	if s != 0 {
		for j := range w {
			w[j] /= s
		}
	}
	return i0
}

// interpGrid interpolates src (ny×nx) at the separable set of positions
// xs × ys (pixel coordinates of src), zero outside src. The result has
// len(ys) rows of len(xs) values.
func interpGrid(src []float64, nx, ny int, xs, ys []float64, k Interpolant) []float64 {
	r := 2 * k.radius()
	w := make([]float64, r)
	// Pass 1: along x for every source row.
	tmp := make([]float64, ny*len(xs))
	for a, x := range xs {
		i0 := k.weights(x, w)
		for j := 0; j < ny; j++ {
			row := src[j*nx : (j+1)*nx]
			var s float64
			for t, wt := range w {
				if i := i0 + t; i >= 0 && i < nx {
					s += wt * row[i]
				}
			}
			tmp[j*len(xs)+a] = s
		}
	}
	// Pass 2: along y.
	out := make([]float64, len(ys)*len(xs))
	for b, y := range ys {
		j0 := k.weights(y, w)
		dst := out[b*len(xs) : (b+1)*len(xs)]
		for t, wt := range w {
			j := j0 + t
			if j < 0 || j >= ny || wt == 0 {
				continue
			}
			row := tmp[j*len(xs) : (j+1)*len(xs)]
			for a := range dst {
				dst[a] += wt * row[a]
			}
		}
	}
	return out
}

// shifted returns src moved by (dx, dy) pixels: out(x, y) = src(x − dx, y − dy).
func shifted(src []float64, nx, ny int, dx, dy float64, k Interpolant) []float64 {
	xs := make([]float64, nx)
	for i := range xs {
		xs[i] = float64(i) - dx
	}
	ys := make([]float64, ny)
	for j := range ys {
		ys[j] = float64(j) - dy
	}
	return interpGrid(src, nx, ny, xs, ys, k)
}
