package mock

import (
	"math"
	"testing"
)

// TestVanDerWelCatalogue: the embedded catalogue has the 19,249 good F160W
// fits, with values inside GALFIT's constraints.
func TestVanDerWelCatalogue(t *testing.T) {
	rows, err := VanDerWel()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 19249 {
		t.Fatalf("%d rows, want 19249 (flag 0 rows of the F160W catalogue)", len(rows))
	}
	for _, g := range rows {
		if !(g.ReArcsec > 0) || g.N < 0.2 || g.N > 8 || !(g.Q > 0 && g.Q <= 1) || g.Mag < 10 || g.Mag > 30 {
			t.Fatalf("implausible row %+v", g)
		}
	}
}

// TestPlanVanDerWel: draws from the empirical prior stay in the configured
// ranges, are reproducible per object, and keep the catalogue's
// distributions and correlations: the median Re and the correlation of
// magnitude with log Re of 4000 draws agree with the catalogue rows inside
// the ranges (tolerances: a few standard errors of 4000 draws), while the
// uniform prior has no such correlation.
func TestPlanVanDerWel(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NObjects = 4000
	cfg.Profile.Prior = "vanderwel"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	objs, err := Plan(cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Plan(cfg, 7)
	p := cfg.Profile
	var mag, logre []float64
	for i, o := range objs {
		s := o.Sersic
		if o.Mag < p.MagMin || o.Mag > p.MagMax || s.ReArcsec < p.ReMinArcsec || s.ReArcsec > p.ReMaxArcsec ||
			s.N < p.NMin || s.N > p.NMax || s.Q < p.QMin || s.Q > p.QMax {
			t.Fatalf("object %d outside the ranges: mag %g %+v", i, o.Mag, s)
		}
		if again[i] != o {
			t.Fatalf("object %d not reproducible", i)
		}
		mag, logre = append(mag, o.Mag), append(logre, math.Log10(s.ReArcsec))
	}
	cand, _ := vanderwelCandidates(p)
	var cmag, clogre []float64
	for _, g := range cand {
		cmag, clogre = append(cmag, g.Mag), append(clogre, math.Log10(g.ReArcsec))
	}
	if d := math.Abs(median(logre) - median(clogre)); d > 0.02 {
		t.Errorf("median log Re of draws %.3f, of the catalogue %.3f", median(logre), median(clogre))
	}
	rd, rc := pearson(mag, logre), pearson(cmag, clogre)
	if math.Abs(rd-rc) > 0.05 || rc > -0.2 {
		t.Errorf("corr(mag, log Re): draws %.3f, catalogue %.3f (want equal and clearly negative)", rd, rc)
	}
	cfg.Profile.Prior = "uniform"
	uni, _ := Plan(cfg, 7)
	var um, ul []float64
	for _, o := range uni {
		um, ul = append(um, o.Mag), append(ul, math.Log10(o.Sersic.ReArcsec))
	}
	if r := pearson(um, ul); math.Abs(r) > 0.05 {
		t.Errorf("uniform prior: corr(mag, log Re) = %.3f, want ≈ 0", r)
	}
	// Ranges no catalogue galaxy satisfies are an error naming the prior.
	cfg.Profile.Prior = "vanderwel"
	cfg.Profile.MagMin, cfg.Profile.MagMax = 5, 6
	if _, err := Plan(cfg, 7); err == nil {
		t.Error("empty empirical prior accepted")
	}
	cfg.Profile.Prior = "vanderwell"
	if err := cfg.Validate(); err == nil {
		t.Error("misspelt prior accepted")
	}
}

func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}
