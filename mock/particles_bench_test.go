package mock_test

import (
	"testing"
	"time"

	"github.com/galforge/galforge/configs"
	"github.com/galforge/galforge/mock"
	"github.com/galforge/galforge/mock/conv"
	"github.com/galforge/galforge/render"
	"github.com/galforge/galforge/sims/toy"
)

// BenchmarkParticleMockView measures particle mocks per view: a built-in
// 10⁴-particle compaction galaxy (its last snapshot) rendered in 10 views ×
// 4 bands (F606W, F850LP, F125W, F160W) on a 192×192 grid (64×64 detector
// pixels of 0.06″, oversampled 3×: smoothing lengths, SPH projection, BC03
// fluxes) and observed in every band (PSF on the fine grid, binning to
// 64×64, noise): what `galforge mock` does per view for particle sources.
// One goroutine; it reports views/s and stamps/s, and the observation alone
// (PSF, pixels, noise) as observe-stamps/s.
func BenchmarkParticleMockView(b *testing.B) {
	cfg := configs.Default()
	tc := toy.DefaultConfig()
	tc.NParticles = 10000
	sp := toy.Plan(tc)[0]
	gs, err := toy.Simulate(tc, cfg.Cosmology.FlatLCDM(), 1, sp)
	if err != nil {
		b.Fatal(err)
	}
	g := gs[len(gs)-1]
	mc := cfg.Mock
	mc.Source, mc.StampSize, mc.Oversample, mc.Exposure = "particles", 64, 3, "candels-deep" // GOODS depth, as the quickstart
	rc := cfg.Render
	rc.Bands = []string{"F606W", "F850LP", "F125W", "F160W"}
	rc.NPix, rc.Oversample = mc.StampSize, mc.Oversample
	rc.FovKpc, rc.FovArcsec = 0, float64(mc.StampSize)*mc.PixelScaleArcsec
	rd, err := render.NewRenderer(rc, cfg.Cosmology.FlatLCDM(), 1)
	if err != nil {
		b.Fatal(err)
	}
	views, err := render.ParseViews("fibonacci:10", 1, g.Truth.GalaxyID, g.Truth.Snapshot)
	if err != nil {
		b.Fatal(err)
	}
	var obs []*mock.Observer
	for _, band := range rc.Bands {
		ob, err := mock.NewObserver(mc, band, mc.Oversample)
		if err != nil {
			b.Fatal(err)
		}
		obs = append(obs, ob)
	}
	convs := make([]*conv.Convolver, len(obs))
	for i, ob := range obs {
		convs[i] = ob.NewConvolver()
	}
	var observeSec float64
	nviews := 0
	start := time.Now()
	for b.Loop() {
		ims, err := rd.Render(g, views)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		for v, im := range ims {
			for k, ob := range obs {
				if _, err := ob.Observe(convs[k], im.Data[k], 1, uint64(v), uint64(k)); err != nil {
					b.Fatal(err)
				}
			}
		}
		observeSec += time.Since(t0).Seconds()
		nviews += len(ims)
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(nviews)/sec, "views/s")
	b.ReportMetric(float64(nviews*len(obs))/sec, "stamps/s")
	b.ReportMetric(float64(nviews*len(obs))/observeSec, "observe-stamps/s")
}
