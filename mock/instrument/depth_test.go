package instrument

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
)

// Aperture and encircled energy of TestPresetDepths.
//
// The aperture behind the CANDELS team's 5σ limits is not stated in the
// sources at hand (candels.ucolick.org/survey/Survey_Desc.html gives only
// "5σ Limiting Magnitudes"; the abstract of Grogin et al. 2011 "5σ
// point-source limit"). We assume the HST exposure-time-calculator
// convention, a circular aperture of radius 0.2″ (ACS Instrument Handbook,
// Cycle 14, §5.2.3: limiting magnitudes "used … a 0.2 arcsecond circular
// aperture"), in every band.
const depthApertureArcsec = 0.2

// wfc3IREE02 is the WFC3/IR encircled energy at r = 0.2″ against wavelength
// (µm): the 0.20″ row of the WFC3 Instrument Handbook's IR encircled-energy
// table (§7.6, Table 7.7; the 2009 on-orbit-adjusted optical model, WFC3 ISR
// 2009-37), as transcribed by S. Rodney (CANDELS SN team, apcorrWFC3IR,
// 2014). The band's value is interpolated linearly at its pivot wavelength:
// F105W 0.749, F125W 0.698, F160W 0.623.
var wfc3IREE02 = struct{ um, ee []float64 }{
	um: []float64{0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7},
	ee: []float64{0.802, 0.794, 0.780, 0.762, 0.739, 0.712, 0.683, 0.653, 0.631, 0.608, 0.590},
}

// acsEE05 is the ACS/WFC encircled energy at r = 0.5″ (Bohlin 2011/2012,
// ACS ISRs; STScI's ACS aperture-correction page, as tabulated by S. Rodney
// 2014). No per-filter table at r = 0.2″ could be read, so the EE at 0.2″ is
// acsEE02Over05 × EE(0.5″): the shape of the profile between 0.2″ and 0.5″
// is taken from F814W for every ACS band.
var acsEE05 = map[string]float64{"F435W": 0.909, "F606W": 0.916, "F775W": 0.918, "F814W": 0.914, "F850LP": 0.893}

// acsEE02Over05 = EE(0.2″)/EE(0.5″) of the TinyTim ACS/WFC F814W PSF in
// ../shared/data/psf/lenstronomy-tutorials/psf_example.fits (0.857/0.930,
// measured with 10×10 sub-pixel sampling about the centroid); the drizzled
// COSMOS F814W PSF (psf/GalSim/147246…psf.fits, 0.03″) gives 0.871/0.947 =
// 0.920. The F435W value is an upper bound: the ACS handbook (§5.6.1) says
// charge diffusion costs "~0.5 magnitude … in the WFC limiting magnitude at
// short wavelengths" against "~0.2 magnitudes or less" at long ones, which
// the F814W profile does not have.
const acsEE02Over05 = 0.857 / 0.930

// depthEE returns the encircled energy of band b at r = depthApertureArcsec.
func depthEE(t *testing.T, b Band) float64 {
	t.Helper()
	if b.Camera == ACSWFC {
		ee, ok := acsEE05[b.Name]
		if !ok {
			t.Fatalf("no ACS EE for %s", b.Name)
		}
		return acsEE02Over05 * ee
	}
	um := b.PHOTPLAM / 1e4
	x, y := wfc3IREE02.um, wfc3IREE02.ee
	i := sort.SearchFloat64s(x, um)
	if i == 0 || i == len(x) {
		t.Fatalf("%s: pivot %v µm outside the EE table", b.Name, um)
	}
	f := (um - x[i-1]) / (x[i] - x[i-1])
	return y[i-1] + f*(y[i]-y[i-1])
}

// TestPresetDepths compares the 5σ point-source depth of every band of both
// presets (LimitingMagAB, r = 0.2″, EE as above) with the CANDELS team's
// published 5σ limits ("CANDELS Areas and 5σ Limiting Magnitudes",
// candels.ucolick.org/survey/Survey_Desc.html, Wide/Deep columns; F160W from
// Grogin et al. 2011, abstract: H = 27.0 Wide, 27.7 Deep).
//
// Tolerance ±0.3 mag: the aperture convention of the published limits is
// unknown (r = 0.15″…0.25″ moves our depths by ≈±0.2 mag), the sky levels
// are estimates to ±50 % (±0.2 mag where sky-limited) and the EE values to
// ≈±0.03 (±0.04 mag); in quadrature ≈0.3 mag.
//
// Rows with known set are outside the tolerance for the reason given, and
// are reported rather than hidden: the test fails if one of them comes
// within tolerance, so that the mark is removed when the cause is fixed.
func TestPresetDepths(t *testing.T) {
	t.Parallel()
	const tol = 0.3
	// Published 5σ limits, AB. The Wide column also lists F105W 26.6,
	// F435W 27.83, F775W 27.53, F850LP 27.33 (GOODS flanks), bands the
	// candels-wide preset does not have.
	published := map[string]map[string]float64{
		CANDELSWide: {"F606W": 27.6, "F814W": 27.5, "F125W": 26.4, "F160W": 27.0},
		CANDELSDeep: {"F435W": 27.8, "F606W": 28.2, "F775W": 27.5, "F814W": 28.4, "F850LP": 27.3,
			"F105W": 27.3, "F125W": 27.4, "F160W": 27.7},
	}
	// Y and J are ≈0.6 mag deeper than published in both presets while H
	// agrees to ≤0.12 mag; the orbit budget (Wide J+H = 2 orbits, Deep
	// Y+J+H ≈ 12 orbits, MAST) admits no split that reproduces all three
	// (J would need ≈1/3 of its time, leaving H ≈0.5 mag too deep in Deep),
	// and no common aperture moves J and H apart. The published Y/J limits
	// imply a ≈3× higher Y/J sky than bands.go has (He I 10830 airglow and
	// earthshine?) or a different basis; unresolved.
	const yjSky = "published Y/J limits ≈0.6 mag shallower than the exposure and sky give, H agrees (see comment)"
	known := map[string]string{
		CANDELSWide + "/F125W": yjSky,
		CANDELSDeep + "/F125W": yjSky,
		CANDELSDeep + "/F105W": yjSky,
		// F435W: EE(0.2″) is an F814W-shaped upper bound; the handbook's
		// extra ≈0.3 mag charge-diffusion loss at short wavelengths
		// (acsEE02Over05) would close most of the gap. The time is GOODS's.
		CANDELSDeep + "/F435W": "EE at 0.2″ overestimated for F435W (charge diffusion, see acsEE02Over05)",
	}
	var table strings.Builder
	table.WriteString("\npreset        band    t/s     NExp  EE(0.2″)  ours   published  ours−pub\n")
	for _, name := range []string{CANDELSWide, CANDELSDeep} {
		p, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bn := range BandNames() {
			e, ok := p[bn]
			if !ok {
				continue
			}
			b, err := BandByName(bn)
			if err != nil {
				t.Fatal(err)
			}
			ee := depthEE(t, b)
			got := b.LimitingMagAB(e, 5, depthApertureArcsec, ee)
			want, ok := published[name][bn]
			if !ok {
				t.Errorf("%s %s: no published limit to compare with", name, bn)
				continue
			}
			d := got - want
			mark := ""
			why, isKnown := known[name+"/"+bn]
			switch {
			case isKnown && math.Abs(d) <= tol:
				t.Errorf("%s %s: %.2f now within %.1f of %.2f; remove it from known (%s)", name, bn, got, tol, want, why)
			case isKnown:
				mark = "  KNOWN: " + why
			case !(math.Abs(d) <= tol):
				t.Errorf("%s %s: 5σ depth %.2f, published %.2f (Δ %+.2f > %.1f)", name, bn, got, want, d, tol)
			}
			fmt.Fprintf(&table, "%-13s %-7s %6.0f %6d %9.3f %7.2f %10.2f %+9.2f%s\n", name, bn, e.TimeS, e.NExp, ee, got, want, d, mark)
		}
	}
	t.Log(table.String())
}

// TestLimitingMagAB checks LimitingMagAB against closed forms: with no
// background the nσ source has S = n² electrons; with background the
// returned flux must have S/σ = n exactly; and the depth deepens by
// 1.25 log10(k) for k times the exposure in the background-limited regime.
func TestLimitingMagAB(t *testing.T) {
	t.Parallel()
	b, err := BandByName("F160W")
	if err != nil {
		t.Fatal(err)
	}
	// No background: zero sky, dark and read noise.
	clean := b
	clean.SkyEPerSPerPix, clean.DarkEPerS, clean.ReadNoiseE = 0, 0, 0
	e := Exposure{TimeS: 1000, NExp: 2}
	got := clean.LimitingMagAB(e, 5, 0.2, 0.5)
	want := b.ZeroPointAB - 2.5*math.Log10(25/(0.5*1000))
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("no background: got %v, want %v", got, want)
	}
	// S/σ = n at the returned magnitude (rounding only: 1e-9).
	for i, c := range []struct {
		e        Exposure
		n, r, ee float64
	}{
		{Exposure{3300, 4}, 5, 0.2, 0.62},
		{Exposure{100, 1}, 3, 0.4, 0.85},
		{Exposure{1e5, 100}, 10, 0.1, 0.4},
	} {
		m := b.LimitingMagAB(c.e, c.n, c.r, c.ee)
		s := b.MagToCountRate(m) * c.ee * c.e.TimeS
		q := b.NativePixelScaleArcsec / b.PixelScaleArcsec
		a := math.Pi * c.r * c.r / (b.NativePixelScaleArcsec * b.NativePixelScaleArcsec)
		v := s + a*(b.SkyEPerSPerPix*q*q+b.DarkEPerS)*c.e.TimeS + a*float64(c.e.NExp)*b.ReadNoiseE*b.ReadNoiseE
		if snr := s / math.Sqrt(v); math.Abs(snr/c.n-1) > 1e-9 {
			t.Errorf("case %d (%+v): S/σ = %v, want %v", i, c, snr, c.n)
		}
	}
	// Background-limited (no read noise, long exposure): 100× the time is
	// 2.5 mag deeper but for the source's own shot noise, n²/2 of the ≈2e4
	// e⁻ signal at 1e6 s (<0.001 mag); 0.002 mag allowed.
	noRN := b
	noRN.ReadNoiseE = 0
	d := noRN.LimitingMagAB(Exposure{1e8, 1}, 5, 0.2, 0.6) - noRN.LimitingMagAB(Exposure{1e6, 1}, 5, 0.2, 0.6)
	if math.Abs(d-2.5) > 0.002 {
		t.Errorf("100× exposure: depth gain %v mag, want 2.5", d)
	}
	// Invalid arguments panic.
	for i, f := range []func(){
		func() { b.LimitingMagAB(Exposure{0, 1}, 5, 0.2, 0.6) },
		func() { b.LimitingMagAB(Exposure{100, -1}, 5, 0.2, 0.6) },
		func() { b.LimitingMagAB(Exposure{100, 1}, 0, 0.2, 0.6) },
		func() { b.LimitingMagAB(Exposure{100, 1}, 5, 0, 0.6) },
		func() { b.LimitingMagAB(Exposure{100, 1}, 5, 0.2, 1.2) },
		func() { b.LimitingMagAB(Exposure{100, 1}, 5, 0.2, math.NaN()) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("case %d: no panic", i)
				}
			}()
			f()
		}()
	}
}
