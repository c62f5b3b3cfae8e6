package render_test

import (
	"fmt"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/render"
)

// Render a rotating disc galaxy at z = 1 face-on and edge-on in the mass
// pseudo-band and F160W.
func ExampleRenderer_Render() {
	g := discGalaxy(5000, 2, 0.3, [3]float64{1, 0, 1}, 1, 11)
	cfg := render.DefaultConfig()
	cfg.Bands = []string{"mass", "F160W"}
	cfg.NPix = 64
	r, err := render.NewRenderer(cfg, cosmo.Default(), 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	views, _ := render.ParseViews("faceon-edgeon:2", 0, 0, 0)
	ims, err := r.Render(g, views)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, im := range ims {
		fmt.Printf("%s: %d×%d pixels of %.3f kpc (%.4f″), bands %v in %v, aligned %v\n",
			im.View.Name, im.NX, im.NY, im.PixKpc, im.PixArcsec, im.Bands, im.Units, im.Aligned)
	}
	// Output:
	// faceon: 64×64 pixels of 0.625 kpc (0.0780″), bands [mass F160W] in [solMass uJy], aligned true
	// edgeon: 64×64 pixels of 0.625 kpc (0.0780″), bands [mass F160W] in [solMass uJy], aligned true
}
