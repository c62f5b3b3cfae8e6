package mock

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/galforge/galforge/mock/instrument"
)

// Config is the `mock:` section of an experiment config. The analytic
// source draws Sérsic or bulge+disc profiles; the particles source renders
// snapshots (with the render section, on a grid matched to the detector)
// and observes every view in every photometric band of render.bands.
type Config struct {
	// Source is "analytic" or "particles". Default "analytic".
	Source string `mapstructure:"source"`
	// Oversample is the render grid's oversampling of detector pixels for
	// particle mocks. Default 3.
	Oversample int `mapstructure:"oversample"`
	// NObjects is the number of analytic objects (ignored with a table). Default 1000.
	NObjects int `mapstructure:"n_objects"`
	// StampSize is the stamp side in pixels. Default 64.
	StampSize int `mapstructure:"stamp_size"`
	// Band is the HST band. Default "F160W".
	Band string `mapstructure:"band"`
	// PixelScaleArcsec is the pixel size (CANDELS mosaics: 0.06). Default 0.06.
	PixelScaleArcsec float64 `mapstructure:"pixel_scale_arcsec"`
	// Exposure is a survey preset ("candels-wide", "candels-deep"). Default candels-wide.
	Exposure string `mapstructure:"exposure"`
	// ExptimeS overrides the preset's exposure time, s (0: the preset's).
	ExptimeS float64 `mapstructure:"exptime_s"`
	// ZeroPointAB overrides the band's AB zero-point (magnitude of 1 e⁻/s); 0: the band's.
	ZeroPointAB float64 `mapstructure:"zeropoint_ab"`
	// PSF sets the point-spread function.
	PSF PSFConfig `mapstructure:"psf"`
	// Noise sets the noise model.
	Noise NoiseConfig `mapstructure:"noise"`
	// Profile sets the analytic sources and their priors.
	Profile ProfileConfig `mapstructure:"profile"`
	// Background inserts the stamps into real HST images (analytic and
	// particle mocks).
	Background BackgroundConfig `mapstructure:"background"`
	// ShardBlock is the number of examples per compressed shard block (0: the format's default).
	ShardBlock int `mapstructure:"shard_block"`
	// Preview also writes a PNG contact sheet of the first stamps.
	Preview bool `mapstructure:"preview"`
	// PerObject also writes one small FITS file per stamp.
	PerObject bool `mapstructure:"per_object"`
}

// PSFConfig is `mock.psf`.
type PSFConfig struct {
	// Kind is "file", "moffat" or "gaussian". Default "moffat".
	Kind string `mapstructure:"kind"`
	// File is a FITS PSF image (kind file).
	File string `mapstructure:"file"`
	// Files gives a FITS PSF per band (particle mocks), e.g. {F160W: psf160.fits};
	// bands not listed use Kind/File.
	Files map[string]string `mapstructure:"files"`
	// HDU is the HDU index of the PSF image in File. Default 0.
	HDU int `mapstructure:"hdu"`
	// FileScaleArcsec is the PSF file's pixel scale (0: from its header).
	FileScaleArcsec float64 `mapstructure:"file_scale_arcsec"`
	// Convention is "effective" (a star stamp, already pixel-convolved: the
	// default) or "instrumental" (GalSim's: drawing adds the pixel response).
	Convention string `mapstructure:"convention"`
	// Prepare subtracts the outer background, recentres and normalises a file PSF. Default true.
	Prepare bool `mapstructure:"prepare"`
	// FWHMArcsec of the analytic PSF. Default 0.18 (WFC3/IR F160W).
	FWHMArcsec float64 `mapstructure:"fwhm_arcsec"`
	// Beta is the Moffat index. Default 3.
	Beta float64 `mapstructure:"beta"`
	// Size is the PSF stamp side in pixels for analytic PSFs and resampling. Default 41.
	Size int `mapstructure:"size"`
}

// FileFor returns the PSF file that Files gives for band, matching band
// names without regard to case (the config loader lowercases map keys, so
// `files: {F160W: …}` arrives as "f160w").
func (p PSFConfig) FileFor(band string) (string, bool) {
	for k, v := range p.Files {
		if strings.EqualFold(strings.TrimSpace(k), band) {
			return v, true
		}
	}
	return "", false
}

// BackgroundConfig is `mock.background`: real images with their rms maps,
// from which each stamp draws a seeded cutout (sky, its noise and any
// neighbours). The source's own Poisson noise is still added; sky and read
// noise are not (the real image has them). Images must have the stamps'
// pixel scale and band.
//
// An analytic mock (one band, mock.band) lists its images in Images/RMS or
// under Bands.<mock.band>. A particle mock observes every photometric band
// of render.bands, and every one of them needs images under Bands (or, when
// render.bands has a single photometric band, in Images/RMS):
//
//	background:
//	  bands:
//	    F125W: {images: [goodss_f125w_a.fits, goodss_f125w_b.fits], rms: [goodss_f125w_a_rms.fits, goodss_f125w_b_rms.fits]}
//	    F160W: {images: [goodss_f160w_a.fits, goodss_f160w_b.fits], rms: [goodss_f160w_a_rms.fits, goodss_f160w_b_rms.fits]}
//
// Image k of every band must then cover the same field on the same pixel
// grid (same size and, where the headers have one, the same CRPIX/CRVAL):
// each stamp draws one field k and one position, shared by all its bands,
// so a neighbour appears at the same place in every band.
type BackgroundConfig struct {
	// Images are FITS images in e⁻/s (e.g. the 0.06″ Frontier Fields F105W
	// cutouts in ../shared/data/images/petrofit) of the single band of the
	// stamps. Empty: no background (unless Bands lists some).
	Images []string `mapstructure:"images"`
	// RMS are their rms maps (e⁻/s), one per image, in the same order.
	RMS []string `mapstructure:"rms"`
	// Bands gives the images of each band by band name, e.g.
	// {F105W: {images: [a.fits], rms: [a_rms.fits]}}. Empty: Images/RMS.
	Bands map[string]BandImages `mapstructure:"bands"`
	// Independent draws the field and position of each band's cutout on its
	// own, for images of the bands that do not cover the same field; the
	// neighbours then differ between bands. Default false: one field and
	// position per stamp, shared by every band (the images must be aligned).
	Independent bool `mapstructure:"independent"`
	// DetectBand is the band whose detections flag neighbours in the truth
	// catalogue (has_neighbour, neighbour_dist_pix, neighbour_mag). Default
	// "": the reddest band of the stamps (CANDELS detects in F160W).
	DetectBand string `mapstructure:"detect_band"`
}

// BandImages are the background images of one band (`mock.background.bands.<BAND>`).
type BandImages struct {
	// Images are FITS images in e⁻/s.
	Images []string `mapstructure:"images" yaml:"images"`
	// RMS are their rms maps (e⁻/s), one per image, in the same order.
	RMS []string `mapstructure:"rms" yaml:"rms"`
}

// Enabled reports whether any background image is configured.
func (b BackgroundConfig) Enabled() bool {
	if len(b.Images) > 0 {
		return true
	}
	for _, bi := range b.Bands {
		if len(bi.Images) > 0 {
			return true
		}
	}
	return false
}

// bandImages returns the images configured for band (case-insensitive) and
// the config key they sit under; ok is false when none are.
func (b BackgroundConfig) bandImages(band string) (bi BandImages, key string, ok bool) {
	for k, v := range b.Bands {
		if strings.EqualFold(strings.TrimSpace(k), band) {
			return v, "mock.background.bands." + strings.ToUpper(band), true
		}
	}
	return BandImages{}, "", false
}

// NoiseConfig is `mock.noise`.
type NoiseConfig struct {
	// Enabled adds Poisson, sky and read noise. Default true.
	Enabled bool `mapstructure:"enabled"`
	// Correlation is the nearest-neighbour correlation of drizzled noise (0: white).
	Correlation float64 `mapstructure:"correlation"`
}

// ProfileConfig is `mock.profile`: which profiles and their priors.
type ProfileConfig struct {
	// Kind is "sersic" or "bulge+disc". Default "sersic".
	Kind string `mapstructure:"kind"`
	// Table is a CSV parameter table (columns of the GalSim peer truth.csv:
	// mag, re_arcsec, n, q, pa_deg, x0, y0; bulge+disc: mag, bt, n_bulge,
	// re_bulge_arcsec, q_bulge, n_disk, re_disk_arcsec, q_disk, pa_deg, x0, y0).
	// Empty: draw from the priors below.
	Table string `mapstructure:"table"`
	// Prior is "uniform" (the independent uniform / log-uniform ranges below)
	// or "vanderwel": (mag, Re, n, q) drawn jointly from the good F160W fits
	// of the van der Wel et al. (2012, 2014) 3D-HST/CANDELS COSMOS catalogue
	// that fall inside the same ranges, which keeps real galaxies'
	// correlations (fainter galaxies are smaller; discs are flatter); PA and
	// centre stay uniform. For bulge+disc, mag and the disc Re come from the
	// catalogue. Default "uniform".
	Prior string `mapstructure:"prior"`
	// MagMin, MagMax bound the uniform prior on the AB magnitude. Defaults 18, 24.
	MagMin float64 `mapstructure:"mag_min"`
	MagMax float64 `mapstructure:"mag_max"`
	// ReMinArcsec, ReMaxArcsec bound the log-uniform prior on Re. Defaults 0.1, 1.5.
	ReMinArcsec float64 `mapstructure:"re_min_arcsec"`
	ReMaxArcsec float64 `mapstructure:"re_max_arcsec"`
	// NMin, NMax bound the uniform prior on the Sérsic index. Defaults 0.5, 6.
	NMin float64 `mapstructure:"n_min"`
	NMax float64 `mapstructure:"n_max"`
	// QMin, QMax bound the uniform prior on the axis ratio. Defaults 0.1, 1.
	QMin float64 `mapstructure:"q_min"`
	QMax float64 `mapstructure:"q_max"`
	// BTMin, BTMax bound the uniform prior on B/T (bulge+disc). Defaults 0, 1.
	BTMin float64 `mapstructure:"bt_min"`
	BTMax float64 `mapstructure:"bt_max"`
	// CentreJitterPix is the half-width of the uniform offset of the centre from the stamp centre. Default 0.5.
	CentreJitterPix float64 `mapstructure:"centre_jitter_pix"`
}

// DefaultConfig returns the mock defaults.
func DefaultConfig() Config {
	return Config{
		Source: "analytic", Oversample: 3, NObjects: 1000, StampSize: 64, Band: "F160W", PixelScaleArcsec: 0.06,
		Exposure: instrument.CANDELSWide,
		PSF:      PSFConfig{Kind: "moffat", Convention: "effective", Prepare: true, FWHMArcsec: 0.18, Beta: 3, Size: 41},
		Noise:    NoiseConfig{Enabled: true},
		Profile: ProfileConfig{Kind: "sersic", Prior: "uniform", MagMin: 18, MagMax: 24, ReMinArcsec: 0.1, ReMaxArcsec: 1.5,
			NMin: 0.5, NMax: 6, QMin: 0.1, QMax: 1, BTMin: 0, BTMax: 1, CentreJitterPix: 0.5},
	}
}

// Validate reports every impossible value, naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key string, v any, why string) {
		errs = append(errs, fmt.Errorf("mock.%s = %v: %s", key, v, why))
	}
	fin := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if c.Source != "analytic" && c.Source != "particles" {
		bad("source", c.Source, "want analytic or particles")
	}
	if c.Oversample < 1 || c.Oversample > 16 {
		bad("oversample", c.Oversample, "must be in [1, 16]")
	}
	for b, f := range c.PSF.Files {
		if _, err := instrument.BandByName(b); err != nil {
			bad("psf.files", b, err.Error())
		}
		if f == "" {
			bad("psf.files."+b, `""`, "needs a FITS file")
		}
	}
	if c.NObjects < 1 || c.NObjects > 100_000_000 {
		bad("n_objects", c.NObjects, "must be in [1, 1e8]")
	}
	if c.StampSize < 8 || c.StampSize > 1024 {
		bad("stamp_size", c.StampSize, "must be in [8, 1024]")
	}
	if _, err := instrument.BandByName(c.Band); err != nil {
		bad("band", c.Band, err.Error())
	}
	if !(c.PixelScaleArcsec > 0) || !fin(c.PixelScaleArcsec) {
		bad("pixel_scale_arcsec", c.PixelScaleArcsec, "must be positive")
	}
	if _, err := instrument.Preset(c.Exposure); err != nil {
		bad("exposure", c.Exposure, err.Error())
	}
	if !(c.ExptimeS >= 0) || !fin(c.ExptimeS) {
		bad("exptime_s", c.ExptimeS, "must be ≥ 0 (0: the preset's)")
	}
	if !fin(c.ZeroPointAB) || c.ZeroPointAB < 0 || (c.ZeroPointAB > 0 && (c.ZeroPointAB < 15 || c.ZeroPointAB > 35)) {
		bad("zeropoint_ab", c.ZeroPointAB, "must be 0 (the band's) or in [15, 35]")
	}
	p := c.PSF
	switch p.Kind {
	case "file":
		if p.File == "" {
			bad("psf.file", `""`, "kind file needs a FITS file")
		}
	case "moffat", "gaussian":
		if !(p.FWHMArcsec > 0) || !fin(p.FWHMArcsec) {
			bad("psf.fwhm_arcsec", p.FWHMArcsec, "must be positive")
		}
		if p.Kind == "moffat" && !(p.Beta > 1) {
			bad("psf.beta", p.Beta, "must be > 1")
		}
	default:
		bad("psf.kind", p.Kind, "want file, moffat or gaussian")
	}
	if p.Convention != "effective" && p.Convention != "instrumental" {
		bad("psf.convention", p.Convention, "want effective or instrumental")
	}
	if p.Size < 5 || p.Size > 512 {
		bad("psf.size", p.Size, "must be in [5, 512]")
	}
	if !(c.Noise.Correlation >= 0 && c.Noise.Correlation < 0.7) {
		bad("noise.correlation", c.Noise.Correlation, "must be in [0, 0.7)")
	}
	pr := c.Profile
	if pr.Kind != "sersic" && pr.Kind != "bulge+disc" {
		bad("profile.kind", pr.Kind, "want sersic or bulge+disc")
	}
	if pr.Prior != "uniform" && pr.Prior != "vanderwel" {
		bad("profile.prior", pr.Prior, "want uniform or vanderwel")
	}
	rng := func(lo, hi string, a, b, min, max float64) {
		if !fin(a) || !fin(b) || a > b || a < min || b > max {
			bad("profile."+lo, a, fmt.Sprintf("and profile.%s = %v must satisfy %v ≤ %s ≤ %s ≤ %v", hi, b, min, lo, hi, max))
		}
	}
	rng("mag_min", "mag_max", pr.MagMin, pr.MagMax, 10, 35)
	rng("re_min_arcsec", "re_max_arcsec", pr.ReMinArcsec, pr.ReMaxArcsec, 1e-3, 100)
	rng("n_min", "n_max", pr.NMin, pr.NMax, 0.3, 8)
	rng("q_min", "q_max", pr.QMin, pr.QMax, 0.02, 1)
	rng("bt_min", "bt_max", pr.BTMin, pr.BTMax, 0, 1)
	if !(pr.CentreJitterPix >= 0) || pr.CentreJitterPix > float64(c.StampSize)/4 {
		bad("profile.centre_jitter_pix", pr.CentreJitterPix, "must be in [0, stamp_size/4]")
	}
	bg := c.Background
	if len(bg.Images) != len(bg.RMS) {
		bad("background.rms", bg.RMS, fmt.Sprintf("needs one rms map per image (%d images)", len(bg.Images)))
	}
	bandKeys := make([]string, 0, len(bg.Bands))
	for b := range bg.Bands {
		bandKeys = append(bandKeys, b)
	}
	sort.Strings(bandKeys)
	seen := map[string]string{}
	for _, b := range bandKeys {
		bi := bg.Bands[b]
		key := "background.bands." + strings.ToUpper(b)
		if _, err := instrument.BandByName(b); err != nil {
			bad("background.bands", b, err.Error())
		}
		if prev, dup := seen[strings.ToUpper(b)]; dup {
			bad(key, b, fmt.Sprintf("given twice (also as %s)", prev))
		}
		seen[strings.ToUpper(b)] = b
		if len(bi.Images) == 0 {
			bad(key+".images", bi.Images, "needs at least one FITS image")
		}
		if len(bi.Images) != len(bi.RMS) {
			bad(key+".rms", bi.RMS, fmt.Sprintf("needs one rms map per image (%d images)", len(bi.Images)))
		}
		for i, f := range append(append([]string{}, bi.Images...), bi.RMS...) {
			if strings.TrimSpace(f) == "" {
				bad(key, fmt.Sprintf("entry %d", i), "empty file name")
			}
		}
	}
	if bg.DetectBand != "" {
		if _, err := instrument.BandByName(bg.DetectBand); err != nil {
			bad("background.detect_band", bg.DetectBand, err.Error())
		}
	}
	if c.Source == "analytic" && len(bg.Bands) > 0 {
		_, _, ok := bg.bandImages(c.Band)
		switch {
		case ok && len(bg.Images) > 0:
			bad("background.images", bg.Images, fmt.Sprintf("and background.bands.%s both give images of mock.band: keep one", strings.ToUpper(c.Band)))
		case !ok && len(bg.Images) == 0:
			bad("background.bands", bandKeys, fmt.Sprintf("has no images of mock.band = %s", c.Band))
		}
	}
	if c.ShardBlock < 0 {
		bad("shard_block", c.ShardBlock, "must be ≥ 0")
	}
	return errors.Join(errs...)
}
