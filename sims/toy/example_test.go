package toy_test

import (
	"fmt"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/sims/toy"
)

// Simulate the first galaxy of the quickstart plan: a compaction galaxy's
// snapshots, each with its redshift and compaction phase (the last snapshot
// holds exactly n_particles stars).
func ExampleSimulate() {
	c := toy.DefaultConfig()
	c.NParticles = 2000
	spec := toy.Plan(c)[0]
	gals, err := toy.Simulate(c, cosmo.Default(), 42, spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	last := gals[len(gals)-1]
	fmt.Printf("%s galaxy %d: %d snapshots, %d stars at z = %.2f\n",
		spec.Family, spec.ID, len(gals), last.Stars.Len(), last.Redshift)
	for _, g := range gals {
		fmt.Printf("z = %.2f  %s\n", g.Redshift, g.Truth.Phase)
	}
	// Output:
	// compaction galaxy 1000000: 11 snapshots, 2000 stars at z = 1.00
	// z = 3.54  pre
	// z = 2.52  pre
	// z = 1.92  pre
	// z = 1.70  pre
	// z = 1.61  compaction
	// z = 1.52  compaction
	// z = 1.44  compaction
	// z = 1.36  compaction
	// z = 1.29  compaction
	// z = 1.23  post
	// z = 1.00  post
}
