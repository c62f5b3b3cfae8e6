package noise

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// AddTo writes into sci a noisy, background-subtracted realisation of the
// noise-free image model and into rms its expected per-pixel σ, all in e⁻/s
// per pixel (see the package comment for the model). sky is the uniform
// background in e⁻/s per pixel (sky + dark), exptime the total exposure in s,
// readNoiseE the read noise of one exposure in e⁻ and nexp the number of
// exposures. sci may alias model. rms may be nil if not wanted.
//
// AddTo panics if the slices differ in length, exptime is not positive,
// readNoiseE or sky is negative, or nexp < 0: these are programmer errors.
func AddTo(sci, rms, model []float64, sky, exptime, readNoiseE float64, nexp int, rng *rand.Rand) {
	check(sci, rms, model, sky, exptime, readNoiseE, nexp)
	rn := math.Sqrt(float64(nexp)) * readNoiseE
	for i, m := range model {
		// max(m+sky, 0) without math.Max's assembly (see internal/fastmath); the
		// model is never NaN.
		v := m + sky
		if v < 0 {
			v = 0
		}
		lam := v * exptime
		if rms != nil {
			rms[i] = math.Sqrt(lam+rn*rn) / exptime
		}
		e := poisson(lam, rng)
		if rn > 0 {
			e += rn * normFloat64(rng)
		}
		sci[i] = e/exptime - sky
	}
}

// Add is the allocating form of AddTo: it returns new sci and rms images.
func Add(model []float64, sky, exptime, readNoiseE float64, nexp int, rng *rand.Rand) (sci, rms []float64) {
	sci, rms = make([]float64, len(model)), make([]float64, len(model))
	AddTo(sci, rms, model, sky, exptime, readNoiseE, nexp, rng)
	return sci, rms
}

// AddCorrelatedTo is AddTo followed by the correlation of the noise with the
// kernel k on an nx×ny image (package comment): the per-pixel variance stays
// rms², and neighbouring pixels are correlated by k.NeighbourCorrelation().
// rms must not be nil here. It panics like AddTo, and if nx·ny differs from
// the slice length or the kernel is invalid.
func AddCorrelatedTo(sci, rms, model []float64, nx, ny int, sky, exptime, readNoiseE float64, nexp int, k Kernel, rng *rand.Rand) {
	if nx*ny != len(model) || nx <= 0 || ny <= 0 {
		panic(fmt.Sprintf("noise: AddCorrelatedTo: %d×%d image for %d pixels", nx, ny, len(model)))
	}
	if rms == nil {
		panic("noise: AddCorrelatedTo: rms must not be nil")
	}
	taps := k.normalised()
	AddTo(sci, rms, model, sky, exptime, readNoiseE, nexp, rng)
	h := len(taps) / 2
	px, py := nx+2*h, ny+2*h
	// Whitened deviates with a border of unit Normal deviates.
	w := make([]float64, px*py)
	for j := 0; j < py; j++ {
		for i := 0; i < px; i++ {
			x, y := i-h, j-h
			if x >= 0 && x < nx && y >= 0 && y < ny {
				p := y*nx + x
				if rms[p] > 0 {
					w[j*px+i] = (sci[p] - model[p]) / rms[p]
				}
			} else {
				w[j*px+i] = normFloat64(rng)
			}
		}
	}
	// Separable convolution: rows, then columns (valid part only).
	tmp := make([]float64, nx*py)
	for j := 0; j < py; j++ {
		row := w[j*px : (j+1)*px]
		for x := 0; x < nx; x++ {
			var s float64
			for t, kt := range taps {
				s += kt * row[x+t]
			}
			tmp[j*nx+x] = s
		}
	}
	for y := 0; y < ny; y++ {
		for x := 0; x < nx; x++ {
			var s float64
			for t, kt := range taps {
				s += kt * tmp[(y+t)*nx+x]
			}
			p := y*nx + x
			sci[p] = model[p] + rms[p]*s
		}
	}
}

func check(sci, rms, model []float64, sky, exptime, rn float64, nexp int) {
	if len(sci) != len(model) || (rms != nil && len(rms) != len(model)) {
		panic(fmt.Sprintf("noise: length mismatch: sci %d, rms %d, model %d", len(sci), len(rms), len(model)))
	}
	if !(exptime > 0) || math.IsInf(exptime, 0) {
		panic(fmt.Sprintf("noise: exposure time %v must be positive", exptime))
	}
	if !(rn >= 0) || !(sky >= 0) || nexp < 0 {
		panic(fmt.Sprintf("noise: read noise %v, sky %v, nexp %d must be non-negative", rn, sky, nexp))
	}
}
