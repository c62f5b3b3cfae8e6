package fit_test

import (
	"fmt"

	"github.com/galforge/galforge/emulate/fit"
	"github.com/galforge/galforge/mock"
	"github.com/galforge/galforge/mock/sersic"
)

// ExampleSersic fits a noise-free mock stamp drawn by mock with its default
// F160W set-up (Moffat PSF, 0.06″ pixels), with a uniform rms of 0.01 e⁻/s.
func ExampleSersic() {
	cfg := mock.DefaultConfig()
	cfg.StampSize = 48
	cfg.Noise.Enabled = false
	gen, err := mock.NewGenerator(cfg)
	if err != nil {
		panic(err)
	}
	o := mock.Object{Mag: 21.3, Sersic: sersic.Sersic{ReArcsec: 0.35, N: 2.5, Q: 0.6, PADeg: 120, X0: 24.8, Y0: 24.2}}
	st, err := gen.Stamp(gen.NewDrawer(), o, 1)
	if err != nil {
		panic(err)
	}
	sci, rms := make([]float32, len(st.Sci)), make([]float32, len(st.Sci))
	for i, v := range st.Sci {
		sci[i], rms[i] = float32(v), 0.01
	}
	r, err := fit.Sersic(sci, rms, 48, fit.Options{PixelScaleArcsec: cfg.PixelScaleArcsec, ZeroPointAB: gen.ZP,
		PSF: gen.SersicPSF, Convention: gen.Convention})
	if err != nil {
		panic(err)
	}
	p := r.Sersic
	fmt.Printf("%s: mag %.3f, Re %.3f″, n %.2f, q %.2f, PA %.1f°, centre (%.2f, %.2f)\n", r.Status, p.Mag, p.ReArcsec, p.N, p.Q, p.PADeg, p.X0, p.Y0)
	// Output:
	// converged: mag 21.300, Re 0.350″, n 2.50, q 0.60, PA -60.0°, centre (24.80, 24.20)
}
