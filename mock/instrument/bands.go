package instrument

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Camera names.
const (
	WFC3IR = "WFC3/IR"
	ACSWFC = "ACS/WFC"
)

// MosaicPixelScaleArcsec is the pixel scale of the CANDELS mosaics that
// galforge mocks by default (Koekemoer et al. 2011: all bands drizzled onto a
// common 0.06″ grid).
const MosaicPixelScaleArcsec = 0.06

// Native detector pixel scales, arcsec: WFC3/IR 0.128″ (0.135″×0.121″
// distorted; 0.12825″ IDCTAB scale, D001ISCL of the F105W header) and ACS/WFC
// 0.05″ (WFC3 and ACS Instrument Handbooks).
const (
	NativeScaleWFC3IR = 0.128
	NativeScaleACSWFC = 0.05
)

// ErrUnknownBand is returned (wrapped) by BandByName and Preset for a band
// name that is not built in.
var ErrUnknownBand = errors.New("unknown band")

// Band is one camera + filter combination with its photometric calibration
// and detector properties. Count rates are per pixel of PixelScaleArcsec.
type Band struct {
	// Name is the filter name, upper case ("F160W").
	Name string
	// Camera is WFC3IR or ACSWFC.
	Camera string
	// PixelScaleArcsec is the pixel scale of the images made in this band;
	// MosaicPixelScaleArcsec (0.06″) by default. SkyEPerSPerPix refers to it.
	PixelScaleArcsec float64
	// NativePixelScaleArcsec is the detector pixel scale (0.128″ WFC3/IR,
	// 0.05″ ACS/WFC).
	NativePixelScaleArcsec float64
	// PHOTFLAM is the inverse sensitivity, erg cm⁻² s⁻¹ Å⁻¹ per e⁻/s.
	PHOTFLAM float64
	// PHOTPLAM is the pivot wavelength, Å.
	PHOTPLAM float64
	// ZeroPointAB is the AB magnitude of a source giving 1 e⁻/s:
	// −2.5 log10(PHOTFLAM) − 21.10 − 5 log10(PHOTPLAM) + 18.692.
	ZeroPointAB float64
	// GainEPerADU is the detector gain, e⁻ per ADU.
	GainEPerADU float64
	// ReadNoiseE is the read noise of one exposure, e⁻ per native pixel.
	ReadNoiseE float64
	// DarkEPerS is the dark current, e⁻/s per native pixel.
	DarkEPerS float64
	// SkyEPerSPerPix is a typical sky background, e⁻/s per pixel of
	// PixelScaleArcsec.
	SkyEPerSPerPix float64
	// Source says where the photometric values come from.
	Source string
}

// ABZeroPoint returns STScI's AB zero-point for an inverse sensitivity
// photflam (erg cm⁻² s⁻¹ Å⁻¹ per e⁻/s) and pivot wavelength photplam (Å):
// −2.5 log10(photflam) − 21.10 − 5 log10(photplam) + 18.692.
func ABZeroPoint(photflam, photplam float64) float64 {
	return -2.5*math.Log10(photflam) - 21.10 - 5*math.Log10(photplam) + 18.692
}

// photflamFromZP inverts ABZeroPoint for a published AB zero-point.
func photflamFromZP(zp, photplam float64) float64 {
	return math.Pow(10, -0.4*(zp+21.10+5*math.Log10(photplam)-18.692))
}

// Detector properties shared by all bands of a camera. Each value is
// followed by its source (checked for galforge issue 4; "estimate" where no
// source could be found).
//
// WFC3/IR:
//   - gain 2.35 e⁻/ADU: the mean of the calibrated gains ATODGNA–D (2.34,
//     2.37, 2.31, 2.38) of the HFF Abell 2744 F105W header
//     (testdata/abell_2744_group_of_galaxies_f105w.fits.gz); the WFC3
//     Instrument Handbook (IHB) §9 quotes "~2.4 e⁻/DN for the IR channel
//     (Table 5.1)". Was 2.5, the header's CCDGAIN, which is the commanded
//     setting, not the measured gain. (The noise model works in electrons
//     and does not use the gain.)
//   - read noise 12 e⁻: confirmed, WFC3 IHB §9.6 ("12 e⁻ for the IR channel
//     (this is the effective read noise achieved by fitting the ramp of IR
//     readouts, if close to the full sequence of 16 readouts is used)");
//     one correlated double sampling has ≈20 e⁻ (READNSEA–D = 20.2, 19.8,
//     19.9, 20.1 in the same header).
//   - dark 0.048 e⁻/s per native pixel: confirmed, WFC3 IHB §5.7 (dark-current
//     mode, median and mean 0.045, 0.048, 0.048 e⁻/s/pixel; WFC3 ISR 2012-11).
//
// ACS/WFC:
//   - gain 2.0 e⁻/ADU: the post-SM4 (2009+) default, the gain of the CANDELS
//     ACS parallels; the ACS IHB §4.3 lists WFC ADC gain 2 as a supported
//     setting. The GOODS/COSMOS data of 2002–2006 were taken at gain 1
//     (CCDGAIN = 1, ATODGN ≈ 1.0 in the COSMOS F814W header). Partly an
//     estimate: no post-SM4 header was at hand to confirm it.
//   - read noise 4.98 e⁻: confirmed, the mean of READNSEA–D (4.97, 4.85,
//     5.24, 4.85) of the COSMOS F814W header
//     (testdata/cosmos_f814w_masknoise_header.hdr); ACS IHB §4.3: ≈4.9 e⁻
//     (amplifier A ≈5.6 e⁻ after June 2003).
//   - dark 0.0031 e⁻/s per native pixel: ACS Data Handbook §4.3.1, the mean
//     WFC dark current rose from 6.8 e⁻/pixel/hour at launch (2002) to
//     11.1 e⁻/pixel/hour (= 0.0031 e⁻/s) before the 2007 failure. Was 0.01
//     (an order-of-magnitude guess, ×3 too high for the GOODS-era data); the
//     post-SM4 dark, higher still, was not found.
var cameras = map[string]struct{ native, gain, rn, dark float64 }{
	WFC3IR: {NativeScaleWFC3IR, 2.35, 12.0, 0.048},
	ACSWFC: {NativeScaleACSWFC, 2.0, 4.98, 11.1 / 3600},
}

type bandDef struct {
	name, camera       string
	photflam, photplam float64
	// skyNative is a typical sky in e⁻/s per native pixel.
	skyNative float64
	source    string
}

// builtin lists the bands. Sky levels are per native pixel and are rescaled
// to the mosaic pixel area in newBand:
//   - ACS/WFC: the "average" zodiacal light (50 % of the ecliptic value,
//     earthshine = shadow) of the ACS team's sky table (Sirianni et al.;
//     adcam.pha.jhu.edu/instrument/detectors/zeropoint). Not re-verified
//     against a source for issue 4: treat as estimates to ≈±50 %.
//   - WFC3/IR: typical zodiacal backgrounds measured on orbit (Pirzkal 2014,
//     WFC3 ISR 2014-11): 0.6–1 e⁻/s per native pixel, ±50 % with ecliptic
//     latitude and sun angle; He I 10830 Å airglow can double F105W/F125W.
//     The range is confirmed by WFC3 IHB §5.7 ("in broad filters, the
//     zodiacal light background is 0.3–1.0 e⁻/s/pixel"); the value per filter
//     (F105W 0.80, F125W 0.75, F160W 0.60) is an estimate within it (the
//     per-filter table of ISR 2014-11 / IHB §9.7 could not be read here).
//
// Zero-points: WFC3/IR F105W, F125W, F160W are confirmed: ZP_AB 26.2687,
// 26.2303, 25.9463 are STScI's WFC3/IR infinite-aperture table (as
// tabulated, e.g., in a public CANDELS/3D-HST-style pipeline config citing
// stsci.edu/hst/wfc3/phot_zp_lbn), and the 2013 HFF F105W header gives
// 26.2688 from its PHOTFLAM/PHOTPLAM (TestZeroPointsMatchHeaders). The 2020
// recalibration (Calamida et al. 2022, AJ 164, 32) moved F160W by ≈0.01 mag
// (PHOTFLAM 1.9429e-20, ZP_AB 25.937): within the ≈1 % calibration
// uncertainty, so the CANDELS-era values are kept. ACS/WFC F814W is
// confirmed by the COSMOS header; F435W, F606W, F775W, F850LP are Sirianni
// et al. (2005) Table 10, not re-verified against a source for issue 4.
var builtin = []bandDef{
	// Real header: HFF Abell 2744 WFC3/IR F105W 60 mas mosaic
	// (hlsp_frontier_hst_wfc3-60mas_abell2744_f105w_v1.0_drz.fits, in
	// ../shared/data/images/petrofit): PHOTFLAM = 3.0386574e-20,
	// PHOTPLAM = 10551.047 → ZP_AB = 26.2688 (STScI 2012 table: 26.2687).
	// Confirmed (header). Sky 0.80 e⁻/s/native pixel: estimate (see above).
	{"F105W", WFC3IR, 3.0386574e-20, 10551.047, 0.80,
		"PHOTFLAM/PHOTPLAM from the HFF Abell 2744 F105W drz header (petrofit cutouts)"},
	// STScI WFC3/IR zero-points (March 2012 table; Kalirai et al. 2009,
	// WFC3 ISR 2009-30, updated): PHOTFLAM = 2.2483e-20, PHOTPLAM = 12486.06,
	// ZP_AB = 26.2303 — the calibration of the CANDELS v1 mosaics. ZP_AB
	// confirmed (STScI table, see above); PHOTPLAM confirmed by the pivot of
	// the STScI throughput curve (12486.1 Å, ../shared/data/SOURCES.md §6).
	// Sky 0.75: estimate.
	{"F125W", WFC3IR, 2.2483e-20, 12486.06, 0.75,
		"STScI WFC3/IR zero-point table 2012 (PHOTFLAM 2.2483e-20, PHOTPLAM 12486.06, ZP_AB 26.2303)"},
	// Same table: PHOTFLAM = 1.9275e-20, PHOTPLAM = 15369.17, ZP_AB = 25.9463.
	// ZP_AB confirmed (STScI table); PHOTPLAM confirmed (curve pivot
	// 15368.3–15368.9 Å; headers 15369.17). Sky 0.60: estimate.
	{"F160W", WFC3IR, 1.9275e-20, 15369.17, 0.60,
		"STScI WFC3/IR zero-point table 2012 (PHOTFLAM 1.9275e-20, PHOTPLAM 15369.17, ZP_AB 25.9463)"},
	// ACS/WFC F435W, F606W, F775W, F850LP: AB zero-points of Sirianni et al.
	// (2005, Table 10), the calibration of the GOODS ACS data (2002–2005) in
	// the CANDELS GOODS fields; PHOTPLAM is the pivot wavelength of the STScI
	// throughput curves in ../shared/data/filters (SOURCES.md §6) and
	// PHOTFLAM is derived from ZP_AB and PHOTPLAM. Post-SM4 (2009+)
	// zero-points (Bohlin 2012/2016; STScI's acszpt) differ by ≲0.02 mag.
	// PHOTPLAM confirmed (curve pivots); ZP_AB and skies not re-verified.
	{"F435W", ACSWFC, photflamFromZP(25.779, 4327.2), 4327.2, 0.0180,
		"Sirianni et al. 2005 Table 10 ZP_AB 25.779; PHOTPLAM = pivot of the STScI curve"},
	{"F606W", ACSWFC, photflamFromZP(26.486, 5919.4), 5919.4, 0.0851,
		"Sirianni et al. 2005 Table 10 ZP_AB 26.486; PHOTPLAM = pivot of the STScI curve"},
	{"F775W", ACSWFC, photflamFromZP(25.654, 7693.3), 7693.3, 0.0538,
		"Sirianni et al. 2005 Table 10 ZP_AB 25.654; PHOTPLAM = pivot of the STScI curve"},
	// Real header: COSMOS ACS/WFC F814W stamp (GalSim example
	// 147246.0_150.416558_1.998697_masknoise.fits): PHOTFLAM = 7.07236e-20,
	// PHOTPLAM = 8059.7598 → ZP_AB = 25.9365 (Sirianni et al. 2005: 25.937).
	// Confirmed (header). Sky 0.0755: not re-verified.
	{"F814W", ACSWFC, 7.07236e-20, 8059.7598, 0.0755,
		"PHOTFLAM/PHOTPLAM from the COSMOS ACS F814W header (GalSim masknoise stamp)"},
	{"F850LP", ACSWFC, photflamFromZP(24.862, 9035.9), 9035.9, 0.0371,
		"Sirianni et al. 2005 Table 10 ZP_AB 24.862; PHOTPLAM = pivot of the STScI curve"},
}

func newBand(d bandDef) Band {
	c := cameras[d.camera]
	b := Band{
		Name:                   d.name,
		Camera:                 d.camera,
		PixelScaleArcsec:       MosaicPixelScaleArcsec,
		NativePixelScaleArcsec: c.native,
		PHOTFLAM:               d.photflam,
		PHOTPLAM:               d.photplam,
		ZeroPointAB:            ABZeroPoint(d.photflam, d.photplam),
		GainEPerADU:            c.gain,
		ReadNoiseE:             c.rn,
		DarkEPerS:              c.dark,
		Source:                 d.source,
	}
	r := MosaicPixelScaleArcsec / c.native
	b.SkyEPerSPerPix = d.skyNative * r * r
	return b
}

// Bands returns all built-in bands, ACS/WFC first, in order of wavelength.
func Bands() []Band {
	out := make([]Band, 0, len(builtin))
	for _, d := range builtin {
		out = append(out, newBand(d))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PHOTPLAM < out[j].PHOTPLAM })
	return out
}

// BandNames returns the names of the built-in bands in order of wavelength.
func BandNames() []string {
	var s []string
	for _, b := range Bands() {
		s = append(s, b.Name)
	}
	return s
}

// BandByName returns the built-in band called name (case-insensitive, e.g.
// "f160w"). An unknown name gives an error wrapping ErrUnknownBand that lists
// the known bands.
func BandByName(name string) (Band, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	for _, d := range builtin {
		if d.name == n {
			return newBand(d), nil
		}
	}
	return Band{}, fmt.Errorf("instrument: band %q: %w (known: %s)", name, ErrUnknownBand, strings.Join(BandNames(), ", "))
}

// WithPixelScale returns a copy of b for images of pixel scale s (arcsec),
// with the sky rescaled to the new pixel area. It panics if s is not positive.
func (b Band) WithPixelScale(s float64) Band {
	if !(s > 0) {
		panic(fmt.Sprintf("instrument: pixel scale %v must be positive", s))
	}
	r := s / b.PixelScaleArcsec
	b.SkyEPerSPerPix *= r * r
	b.PixelScaleArcsec = s
	return b
}

// DarkEPerSPerPix returns the dark current per image pixel of
// PixelScaleArcsec (e⁻/s), i.e. DarkEPerS scaled by the pixel-area ratio.
func (b Band) DarkEPerSPerPix() float64 {
	r := b.PixelScaleArcsec / b.NativePixelScaleArcsec
	return b.DarkEPerS * r * r
}

// BackgroundEPerSPerPix returns sky + dark in e⁻/s per image pixel: the
// uniform background that noise.AddTo takes as sky.
func (b Band) BackgroundEPerSPerPix() float64 { return b.SkyEPerSPerPix + b.DarkEPerSPerPix() }
