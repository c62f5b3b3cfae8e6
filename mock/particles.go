package mock

import (
	"fmt"
	"math"
	"strings"

	"github.com/galforge/galforge/mock/conv"
	"github.com/galforge/galforge/mock/instrument"
	"github.com/galforge/galforge/mock/noise"
	"github.com/galforge/galforge/mock/psf"
	"github.com/galforge/galforge/sims"
)

// Observer turns noise-free render images of one band (µJy per pixel on a
// grid Oversample times finer than the detector) into observed stamps:
// count rates through the band's PHOTFLAM/PHOTPLAM, PSF convolution, binning
// to detector pixels, noise.
//
// The image is convolved on the fine grid with the PSF resampled there
// (mock/psf Resample: Lanczos-3, integrated over the fine pixels). With an
// instrumental PSF (GalSim's convention) the result is then binned to
// detector pixels, which adds the pixel response. With an effective PSF (a
// star stamp, already pixel-convolved) it is instead sampled at the detector
// pixel centres (the middle fine pixel of each block for odd Oversample, the
// mean of the middle 2×2 for even) and scaled by Oversample², so the pixel
// response is not added twice; flux is then conserved to the accuracy of
// that sampling rather than exactly. Oversample 1 convolves at the detector
// scale directly.
type Observer struct {
	cfg Config
	Exposure
	Oversample int
	// PSF is the PSF at the detector scale (what stamps.fits records).
	PSF   *psf.Image
	proto *conv.Convolver // on the fine grid (Oversample× the detector)
	bin   bool            // instrumental: bin; effective: sample
}

// NewObserver prepares band's observation of NPix = cfg.StampSize detector
// pixels from images oversample times finer.
func NewObserver(cfg Config, band string, oversample int) (*Observer, error) {
	e, err := newExposure(cfg, band)
	if err != nil {
		return nil, err
	}
	ob := &Observer{cfg: cfg, Exposure: e, Oversample: oversample}
	p := cfg.PSF
	if f, ok := p.FileFor(e.Band.Name); ok {
		p.Kind, p.File = "file", f
	}
	if ob.PSF, err = loadPSF(p, cfg.PixelScaleArcsec); err != nil {
		return nil, err
	}
	n := cfg.StampSize * oversample
	kernel := ob.PSF
	ob.bin = p.Convention == "instrumental"
	if oversample > 1 {
		if kernel, err = ob.PSF.Resample(cfg.PixelScaleArcsec/float64(oversample), p.Size*oversample|1); err != nil {
			return nil, fmt.Errorf("mock.psf: resample to the render grid: %w", err)
		}
	}
	if ob.proto, err = conv.NewConvolver(n, n, kernel.Data, kernel.NX, kernel.NY); err != nil {
		return nil, fmt.Errorf("mock.psf: %w", err)
	}
	return ob, nil
}

// Exposure is one band observed as the config says: the band (at the
// config's pixel scale), its AB zero-point, exposure time and number of
// exposures.
type Exposure struct {
	Band     instrument.Band
	ZP       float64 // AB magnitude of 1 e⁻/s
	ExptimeS float64
	NExp     int
}

// newExposure resolves band under cfg: the zero-point override and the
// exposure preset (or mock.exptime_s).
func newExposure(cfg Config, band string) (Exposure, error) {
	b, err := instrument.BandByName(band)
	if err != nil {
		return Exposure{}, fmt.Errorf("mock: %w", err)
	}
	e := Exposure{Band: b.WithPixelScale(cfg.PixelScaleArcsec), ZP: b.ZeroPointAB}
	if cfg.ZeroPointAB > 0 {
		e.ZP = cfg.ZeroPointAB
	}
	pre, _ := instrument.Preset(cfg.Exposure)
	exp, ok := pre[strings.ToUpper(b.Name)]
	if !ok && cfg.ExptimeS == 0 {
		return e, fmt.Errorf("mock.exposure = %s has no %s exposure: set mock.exptime_s", cfg.Exposure, b.Name)
	}
	e.ExptimeS, e.NExp = exp.TimeS, max(exp.NExp, 1)
	if cfg.ExptimeS > 0 {
		e.ExptimeS = cfg.ExptimeS
	}
	return e, nil
}

// loadPSF returns the PSF of p at the detector scale: a file PSF prepared
// (background, recentring, unit sum) when p.Prepare, and resampled when its
// scale differs; analytic PSFs drawn with unit sum.
func loadPSF(p PSFConfig, scale float64) (*psf.Image, error) {
	var im *psf.Image
	var err error
	switch p.Kind {
	case "file":
		if im, err = psf.FromFITS(p.File, p.HDU, p.FileScaleArcsec); err != nil {
			return nil, fmt.Errorf("mock.psf.file: %w", err)
		}
		if p.Prepare {
			if err := im.Prepare(psf.PrepareOptions{}); err != nil {
				return nil, fmt.Errorf("mock.psf.file %q: %w", p.File, err)
			}
		}
		if math.Abs(im.PixelScaleArcsec-scale) > 1e-6*scale {
			if im, err = im.Resample(scale, p.Size); err != nil {
				return nil, fmt.Errorf("mock.psf.file %q: resample: %w", p.File, err)
			}
		}
	case "moffat":
		im, err = psf.Moffat(p.FWHMArcsec, p.Beta, scale, p.Size)
	case "gaussian":
		im, err = psf.Gaussian(p.FWHMArcsec, scale, p.Size)
	}
	if err != nil {
		return nil, fmt.Errorf("mock.psf: %w", err)
	}
	return im, nil
}

// NewConvolver returns a convolver for one worker.
func (ob *Observer) NewConvolver() *conv.Convolver { return ob.proto.Clone() }

// Observe makes the stamp of one render plane fine (µJy per fine pixel,
// (StampSize·Oversample)² row-major). Noise is seeded by parts (galaxy id,
// snapshot, view, band index) and the global seed.
func (ob *Observer) Observe(c *conv.Convolver, fine []float64, seed uint64, parts ...uint64) (*Stamp, error) {
	return ob.ObserveIn(c, fine, nil, seed, parts...)
}

// ObserveIn is Observe with the stamp inserted into cut, a cutout of a real
// image of the band (BackgroundSet.Cut; nil: none, as Observe): SCI = model
// + the source's Poisson noise (when mock.noise.enabled; no sky or read
// noise, which the real image has) + cut.Sci, RMS² = source variance +
// cut.RMS², all e⁻/s. The noise stream is the one Observe uses.
func (ob *Observer) ObserveIn(c *conv.Convolver, fine []float64, cut *Cutout, seed uint64, parts ...uint64) (*Stamp, error) {
	n, k := ob.cfg.StampSize, ob.Oversample
	if len(fine) != n*k*n*k {
		return nil, fmt.Errorf("mock: render plane has %d pixels, want (%d×%d)² for %d-pixel stamps oversampled %d×", len(fine), n, k, n, k)
	}
	cps := make([]float64, len(fine))
	ob.Band.MicroJyToCountRateTo(cps, fine)
	st := &Stamp{Band: ob.Band.Name, NX: n, NY: n, PixelScaleArcsec: ob.cfg.PixelScaleArcsec, ExptimeS: ob.ExptimeS,
		ZeroPointAB: ob.ZP, PHOTFLAM: ob.Band.PHOTFLAM, PHOTPLAM: ob.Band.PHOTPLAM,
		Model: make([]float64, n*n), Sci: make([]float64, n*n), RMS: make([]float64, n*n)}
	c.ConvolveTo(cps, cps)
	if ob.bin || k == 1 {
		Bin(st.Model, cps, n, k)
	} else {
		Sample(st.Model, cps, n, k)
	}
	if cut != nil {
		rng := sims.NewRand(seed, append(parts[:len(parts):len(parts)], 'n')...)
		return st, insertInto(st, cut, ob.cfg.Noise.Enabled, ob.ExptimeS, ob.NExp, rng)
	}
	if !ob.cfg.Noise.Enabled {
		copy(st.Sci, st.Model)
		return st, nil
	}
	rng := sims.NewRand(seed, append(parts, 'n')...)
	sky := ob.Band.BackgroundEPerSPerPix()
	if c := ob.cfg.Noise.Correlation; c > 0 {
		noise.AddCorrelatedTo(st.Sci, st.RMS, st.Model, n, n, sky, ob.ExptimeS, ob.Band.ReadNoiseE, ob.NExp, noise.Correlated3(c), rng)
	} else {
		noise.AddTo(st.Sci, st.RMS, st.Model, sky, ob.ExptimeS, ob.Band.ReadNoiseE, ob.NExp, rng)
	}
	return st, nil
}

// Sample sets dst (n²) to the (n·k)² image src at the centres of its k×k
// blocks, times k²: the middle fine pixel for odd k, the mean of the middle
// 2×2 for even k.
func Sample(dst, src []float64, n, k int) {
	nk := n * k
	k2 := float64(k * k)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if k%2 == 1 {
				dst[y*n+x] = k2 * src[(y*k+k/2)*nk+x*k+k/2]
				continue
			}
			y0, x0 := y*k+k/2-1, x*k+k/2-1
			dst[y*n+x] = k2 / 4 * (src[y0*nk+x0] + src[y0*nk+x0+1] + src[(y0+1)*nk+x0] + src[(y0+1)*nk+x0+1])
		}
	}
}

// Bin sums k×k blocks of the (n·k)² image src into the n² image dst.
func Bin(dst, src []float64, n, k int) {
	nk := n * k
	for i := range dst {
		dst[i] = 0
	}
	for y := 0; y < nk; y++ {
		row := src[y*nk : (y+1)*nk]
		d := dst[(y/k)*n : (y/k+1)*n]
		for x, v := range row {
			d[x/k] += v
		}
	}
}
