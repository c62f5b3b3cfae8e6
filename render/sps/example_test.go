package sps_test

import (
	"fmt"
	"log"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/render/sps"
)

// A 10¹⁰ M☉ (initial mass) population, 3 Gyr old, of solar metallicity at
// z = 1, seen in ACS F606W and WFC3 F160W, and its absolute magnitudes.
func ExampleNewPhotTable() {
	ssp, err := sps.DefaultBC03()
	if err != nil {
		log.Fatal(err)
	}
	var bands []sps.Filter
	for _, name := range []string{"F606W", "F160W"} {
		f, err := sps.FilterByName(name)
		if err != nil {
			log.Fatal(err)
		}
		bands = append(bands, f)
	}
	const massMsun, ageGyr, Z = 1e10, 3.0, 0.02
	flux := make([]float64, len(bands)) // µJy per M☉
	for _, z := range []float64{1, 0} {
		tab, err := sps.NewPhotTable(ssp, bands, z, cosmo.Default(), true)
		if err != nil {
			log.Fatal(err)
		}
		tab.FluxesTo(flux, ageGyr, Z)
		fmt.Printf("z = %g (d_L = %.4g Mpc):", z, tab.LumDistMpc)
		for b, name := range tab.Bands {
			fmt.Printf("  %s %.2f AB", name, sps.ABMag(massMsun*flux[b]))
		}
		fmt.Println()
	}
	// Output:
	// z = 1 (d_L = 6608 Mpc):  F606W 27.08 AB  F160W 23.43 AB
	// z = 0 (d_L = 1e-05 Mpc):  F606W -19.47 AB  F160W -20.60 AB
}
