package arepo_test

import (
	"fmt"

	"github.com/galforge/galforge/sims"
	"github.com/galforge/galforge/sims/arepo"
)

// Read one subhalo of the CAMELS-TNG snapshot shipped in testdata.
func ExampleReader_Read() {
	g, err := arepo.Reader{}.Read("../../testdata/camels/camels_snap.hdf5",
		sims.ReadOptions{GroupFile: "../../testdata/camels/camels_subhalo.hdf5", Subhalo: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d stars, M* = %.4g Msun, Re3D = %.3f kpc, z = %.3f\n",
		g.Stars.Len(), g.StellarMassMsun(), g.Truth.Re3DKpc, g.Redshift)
	// Output: 726 stars, M* = 9.568e+09 Msun, Re3D = 4.881 kpc, z = 0.100
}
