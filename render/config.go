package render

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/galforge/galforge/sims"
)

// Config is the `render:` section of an experiment config.
type Config struct {
	// Input names the snapshots to render: a file, a glob, or a directory
	// written by `galforge simulate` (its snapshots/*.hdf5). Default "" means
	// <out>/snapshots.
	Input string `mapstructure:"input"`
	// Views is the view set (see ParseViews). Default "fibonacci:10".
	Views string `mapstructure:"views"`
	// Bands lists "mass" (stellar M☉ per pixel) and HST bands (µJy per pixel).
	// Default [mass, F606W, F850LP, F125W, F160W].
	Bands []string `mapstructure:"bands"`
	// NPix is the number of pixels on a side before oversampling. Default 128.
	NPix int `mapstructure:"npix"`
	// Oversample multiplies NPix: the image has NPix·Oversample pixels on a
	// side (mock bins them back). Default 1.
	Oversample int `mapstructure:"oversample"`
	// FovKpc is the field of view on a side in physical kpc. Default 40.
	// Set it to 0 to use FovArcsec instead.
	FovKpc float64 `mapstructure:"fov_kpc"`
	// FovArcsec is the field of view on a side in arcsec (used when FovKpc is 0).
	FovArcsec float64 `mapstructure:"fov_arcsec"`
	// Redshift places the galaxy at this redshift; negative (the default, −1)
	// uses the snapshot's own redshift.
	Redshift float64 `mapstructure:"redshift"`
	// Align is "faceon" (rotate the stellar angular momentum within
	// AlignRadiusKpc onto +z, so view +z is face-on; the default — snapshots
	// without velocities keep their axes and their images say ALIGNED = F)
	// or "none".
	Align string `mapstructure:"align"`
	// AlignRadiusKpc is the radius of the "inner part" used for alignment;
	// 0 (the default) means three times the 3D half-mass radius.
	AlignRadiusKpc float64 `mapstructure:"align_radius_kpc"`
	// Centre is the centring method (sims.Centre…): "" (auto), "subhalo" or "shrink".
	Centre string `mapstructure:"centre"`
	// Smoothing sets the particles' smoothing lengths.
	Smoothing SmoothingConfig `mapstructure:"smoothing"`
	// SPS sets the stellar population model.
	SPS SPSConfig `mapstructure:"sps"`
	// Dust sets the attenuation (off by default).
	Dust DustConfig `mapstructure:"dust"`
	// Preview also writes a PNG contact sheet per snapshot (views × bands).
	Preview bool `mapstructure:"preview"`
}

// SmoothingConfig is `render.smoothing`.
type SmoothingConfig struct {
	// Method is "auto" (the snapshot's smoothing lengths when present, else
	// knn; the default), "snapshot", "knn" (distance to the K-th nearest star)
	// or "fixed" (FixedKpc for every star).
	Method string `mapstructure:"method"`
	// K is the neighbour number for knn. Default 32.
	K int `mapstructure:"k"`
	// FixedKpc is the smoothing length of method fixed, kpc. Default 0.1.
	FixedKpc float64 `mapstructure:"fixed_kpc"`
	// FloorKpc bounds every smoothing length from below, kpc. Default 0.02.
	FloorKpc float64 `mapstructure:"floor_kpc"`
	// Kernel is "cubic" (cubic spline, the default) or "wendland2" (Wendland C2).
	Kernel string `mapstructure:"kernel"`
}

// SPSConfig is `render.sps`.
type SPSConfig struct {
	// Model is "bc03" (Bruzual & Charlot 2003, Chabrier IMF; the default,
	// embedded) or "miuscat" (MIUSCAT, needs Path).
	Model string `mapstructure:"model"`
	// Path is a model file or folder to load instead of the embedded one.
	Path string `mapstructure:"path"`
	// IGM applies Madau (1995) intergalactic absorption. Default true.
	IGM bool `mapstructure:"igm"`
}

// DustConfig is `render.dust`: a Calzetti et al. (2000) screen whose V-band
// optical depth for each star is the column in front of it, plus extra
// attenuation of young stars' birth clouds (Charlot & Fall 2000).
type DustConfig struct {
	// Enabled switches dust on. Default false.
	Enabled bool `mapstructure:"enabled"`
	// Column is "auto" (gas metals when the snapshot has gas, else stars; the
	// default), "gas" or "stars".
	Column string `mapstructure:"column"`
	// TauVPerStellarColumn is τ_V per 10^8 M☉/kpc² of stellar surface
	// density in front of a star, used when the column is stars. Default 0.1.
	TauVPerStellarColumn float64 `mapstructure:"tau_v_per_stellar_column"`
	// DustToMetal scales the gas-metal column: A_V = (DustToMetal/0.4) ×
	// (Z/Z☉) × N_H / 2.21e21 cm⁻² (Güver & Özel 2009). Default 0.4.
	DustToMetal float64 `mapstructure:"dust_to_metal"`
	// BirthCloudTauV is the extra V-band optical depth of stars younger than
	// BirthCloudAgeGyr (Charlot & Fall 2000: 1.0), scaled as (λ/5500 Å)^−0.7.
	BirthCloudTauV float64 `mapstructure:"birth_cloud_tau_v"`
	// BirthCloudAgeGyr is the age below which stars are in birth clouds. Default 0.01.
	BirthCloudAgeGyr float64 `mapstructure:"birth_cloud_age_gyr"`
	// LOSCells is the number of cells along the line of sight of the grid on
	// which columns are accumulated. Default 64.
	LOSCells int `mapstructure:"los_cells"`
}

// DefaultConfig returns the render defaults.
func DefaultConfig() Config {
	return Config{
		Views:      "fibonacci:10",
		Bands:      []string{"mass", "F606W", "F850LP", "F125W", "F160W"},
		NPix:       128,
		Oversample: 1,
		FovKpc:     40,
		Redshift:   -1,
		Align:      "faceon",
		Smoothing:  SmoothingConfig{Method: "auto", K: 32, FixedKpc: 0.1, FloorKpc: 0.02, Kernel: "cubic"},
		SPS:        SPSConfig{Model: "bc03", IGM: true},
		Dust: DustConfig{Column: "auto", TauVPerStellarColumn: 0.1, DustToMetal: 0.4,
			BirthCloudTauV: 1.0, BirthCloudAgeGyr: 0.01, LOSCells: 64},
	}
}

// MassBand is the name of the stellar-mass pseudo-band.
const MassBand = "mass"

// Validate reports every impossible value, naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key string, v any, why string) {
		errs = append(errs, fmt.Errorf("render.%s = %v: %s", key, v, why))
	}
	if _, err := ParseViews(c.Views, 0, 0, 0); err != nil {
		errs = append(errs, fmt.Errorf("render.views: %w", err))
	}
	if len(c.Bands) == 0 {
		bad("bands", c.Bands, "must list at least one band")
	}
	seen := map[string]bool{}
	for _, b := range c.Bands {
		k := strings.ToLower(b)
		if seen[k] {
			bad("bands", c.Bands, fmt.Sprintf("band %q listed twice", b))
		}
		seen[k] = true
		if k != MassBand && !knownBand(b) {
			bad("bands", b, "unknown band (want mass, F435W, F606W, F775W, F814W, F850LP, F105W, F125W or F160W)")
		}
	}
	if c.NPix < 4 || c.NPix > 8192 {
		bad("npix", c.NPix, "must be in [4, 8192]")
	}
	if c.Oversample < 1 || c.Oversample > 16 {
		bad("oversample", c.Oversample, "must be in [1, 16]")
	}
	switch {
	case c.FovKpc < 0 || math.IsNaN(c.FovKpc) || math.IsInf(c.FovKpc, 0):
		bad("fov_kpc", c.FovKpc, "must be positive (or 0 to use fov_arcsec)")
	case c.FovKpc == 0 && !(c.FovArcsec > 0 && !math.IsInf(c.FovArcsec, 0)):
		bad("fov_arcsec", c.FovArcsec, "must be positive when fov_kpc is 0")
	}
	if math.IsNaN(c.Redshift) || c.Redshift > 20 {
		bad("redshift", c.Redshift, "must be ≤ 20 (negative: the snapshot's own)")
	}
	if c.Align != "faceon" && c.Align != "none" {
		bad("align", c.Align, "want faceon or none")
	}
	if c.AlignRadiusKpc < 0 {
		bad("align_radius_kpc", c.AlignRadiusKpc, "must be ≥ 0")
	}
	if err := (sims.ReadOptions{Centre: c.Centre}).Validate(); err != nil {
		bad("centre", c.Centre, "want subhalo or shrink (or empty)")
	}
	s := c.Smoothing
	switch s.Method {
	case "auto", "snapshot", "knn", "fixed":
	default:
		bad("smoothing.method", s.Method, "want auto, snapshot, knn or fixed")
	}
	if s.K < 1 || s.K > 1024 {
		bad("smoothing.k", s.K, "must be in [1, 1024]")
	}
	if !(s.FixedKpc > 0) {
		bad("smoothing.fixed_kpc", s.FixedKpc, "must be positive")
	}
	if !(s.FloorKpc >= 0) {
		bad("smoothing.floor_kpc", s.FloorKpc, "must be ≥ 0")
	}
	if s.Kernel != "cubic" && s.Kernel != "wendland2" {
		bad("smoothing.kernel", s.Kernel, "want cubic or wendland2")
	}
	if c.SPS.Model != "bc03" && c.SPS.Model != "miuscat" {
		bad("sps.model", c.SPS.Model, "want bc03 or miuscat")
	}
	if c.SPS.Model == "miuscat" && c.SPS.Path == "" {
		bad("sps.path", c.SPS.Path, "the MIUSCAT model needs a path to its FITS table")
	}
	d := c.Dust
	switch d.Column {
	case "auto", "gas", "stars":
	default:
		bad("dust.column", d.Column, "want auto, gas or stars")
	}
	if !(d.TauVPerStellarColumn >= 0) {
		bad("dust.tau_v_per_stellar_column", d.TauVPerStellarColumn, "must be ≥ 0")
	}
	if !(d.DustToMetal >= 0 && d.DustToMetal <= 1) {
		bad("dust.dust_to_metal", d.DustToMetal, "must be in [0, 1]")
	}
	if !(d.BirthCloudTauV >= 0) {
		bad("dust.birth_cloud_tau_v", d.BirthCloudTauV, "must be ≥ 0")
	}
	if !(d.BirthCloudAgeGyr >= 0) {
		bad("dust.birth_cloud_age_gyr", d.BirthCloudAgeGyr, "must be ≥ 0")
	}
	if d.LOSCells < 1 || d.LOSCells > 4096 {
		bad("dust.los_cells", d.LOSCells, "must be in [1, 4096]")
	}
	return errors.Join(errs...)
}

// knownBand reports whether b names a built-in HST band.
func knownBand(b string) bool {
	switch strings.ToUpper(b) {
	case "F435W", "F606W", "F775W", "F814W", "F850LP", "F105W", "F125W", "F160W":
		return true
	}
	return false
}
