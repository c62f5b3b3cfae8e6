package instrument_test

import (
	"fmt"

	"github.com/galforge/galforge/mock/instrument"
)

func ExampleBandByName() {
	b, err := instrument.BandByName("f160w")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %s ZP_AB=%.4f pixel=%.2f″\n", b.Camera, b.Name, b.ZeroPointAB, b.PixelScaleArcsec)
	fmt.Printf("H=25 AB: %.3f e⁻/s; 1 µJy: %.3f e⁻/s\n", b.MagToCountRate(25), b.MicroJyToCountRate(1))
	wide, _ := instrument.Preset(instrument.CANDELSWide)
	fmt.Printf("CANDELS/Wide F160W: %.0f s in %d exposures\n", wide["F160W"].TimeS, wide["F160W"].NExp)
	// Output:
	// WFC3/IR F160W ZP_AB=25.9463 pixel=0.06″
	// H=25 AB: 2.391 e⁻/s; 1 µJy: 6.585 e⁻/s
	// CANDELS/Wide F160W: 3300 s in 4 exposures
}
