package mock_test

import (
	"fmt"

	"github.com/galforge/galforge/mock"
)

// Draw one noisy F160W Sérsic stamp at CANDELS-wide depth.
func ExampleGenerator_Stamp() {
	cfg := mock.DefaultConfig()
	cfg.NObjects = 3
	g, err := mock.NewGenerator(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	objs, _ := mock.Plan(cfg, 42)
	st, err := g.Stamp(g.NewDrawer(), objs[0], 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	var model float64
	for _, v := range st.Model {
		model += v
	}
	fmt.Printf("%s %d×%d at %.2f″, ZP %.3f, %.0f s; mag %.2f → %.1f e⁻/s in the stamp\n",
		st.Band, st.NX, st.NY, st.PixelScaleArcsec, st.ZeroPointAB, st.ExptimeS, objs[0].Mag, model)
	// Output:
	// F160W 64×64 at 0.06″, ZP 25.946, 3300 s; mag 18.53 → 706.6 e⁻/s in the stamp
}
