package toy

import (
	"math"
	"strings"
	"testing"
)

func TestDefaultConfigValid(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
}

// TestValidate: impossible values are rejected with an error naming the key
// with its section and the value.
func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		want string
		mod  func(c *Config)
	}{
		{"simulate.n_particles = -3: must be positive", func(c *Config) { c.NParticles = -3 }},
		{"simulate.n_particles = 0", func(c *Config) { c.NParticles = 0 }},
		{"simulate.n_compaction = -1", func(c *Config) { c.NCompaction = -1 }},
		{"simulate.n_merger = 1000000", func(c *Config) { c.NMerger = 1_000_000 }},
		{"simulate.n_isolated = -2", func(c *Config) { c.NIsolated = -2 }},
		{"simulate.compaction.z_start = 0.5", func(c *Config) { c.Compaction.ZStart = 0.5 }},
		{"simulate.compaction.z_end = -1", func(c *Config) { c.Compaction.ZEnd = -1 }},
		{"simulate.compaction.dt_gyr = 0", func(c *Config) { c.Compaction.DtGyr = 0 }},
		{"simulate.compaction.dt_gyr = NaN", func(c *Config) { c.Compaction.DtGyr = math.NaN() }},
		{"simulate.compaction.snapshot_stride = 0", func(c *Config) { c.Compaction.SnapshotStride = 0 }},
		{"simulate.compaction.log_mhalo_max = 10", func(c *Config) { c.Compaction.LogMhaloMax = 10 }},
		{"simulate.compaction.log_mhalo_min = 3", func(c *Config) { c.Compaction.LogMhaloMin = 3 }},
		{"simulate.compaction.log_mstar_compaction = 20", func(c *Config) { c.Compaction.LogMstarCompaction = 20 }},
		{"simulate.compaction.compaction_scatter_dex = -0.1", func(c *Config) { c.Compaction.CompactionScatterDex = -0.1 }},
		{"simulate.compaction.nugget_mass_fraction = -1", func(c *Config) { c.Compaction.NuggetMassFraction = -1 }},
		{"simulate.compaction.nugget_radius_kpc = 0", func(c *Config) { c.Compaction.NuggetRadiusKpc = 0 }},
		{"simulate.compaction.contraction = 1.5", func(c *Config) { c.Compaction.Contraction = 1.5 }},
		{"simulate.compaction.contraction = 0", func(c *Config) { c.Compaction.Contraction = 0 }},
		{"simulate.compaction.post_sfr_fraction = 2", func(c *Config) { c.Compaction.PostSFRFraction = 2 }},
		{"simulate.compaction.clump_fraction = -0.5", func(c *Config) { c.Compaction.ClumpFraction = -0.5 }},
		{"simulate.merger.z_start = -1", func(c *Config) { c.Merger.ZStart = -1 }},
		{"simulate.merger.mass_ratio_min = 0.5", func(c *Config) { c.Merger.MassRatioMin = 0.5 }},
		{"simulate.merger.mass_ratio_max = 0.9", func(c *Config) { c.Merger.MassRatioMax = 0.9 }},
		{"simulate.merger.bulge_fraction_max = 1.2", func(c *Config) { c.Merger.BulgeFractionMax = 1.2 }},
		{"simulate.merger.initial_separation_kpc = 0", func(c *Config) { c.Merger.InitialSeparationKpc = 0 }},
		{"simulate.merger.pericentre_min_kpc = -5", func(c *Config) { c.Merger.PericentreMinKpc = -5 }},
		{"simulate.merger.pericentre_max_kpc = 100", func(c *Config) { c.Merger.PericentreMaxKpc = 100 }},
		{"simulate.merger.eccentricity_max = 1", func(c *Config) { c.Merger.EccentricityMax = 1 }},
		{"simulate.merger.eccentricity_min = -0.1", func(c *Config) { c.Merger.EccentricityMin = -0.1 }},
		{"simulate.merger.dt_myr = 0", func(c *Config) { c.Merger.DtMyr = 0 }},
		{"simulate.merger.coulomb_log = -1", func(c *Config) { c.Merger.CoulombLog = -1 }},
		{"simulate.merger.coalescence_radius_kpc = 10", func(c *Config) { c.Merger.CoalescenceRadiusKpc = 10 }},
		{"simulate.merger.max_duration_gyr = 0", func(c *Config) { c.Merger.MaxDurationGyr = 0 }},
		{"simulate.merger.post_coalescence_gyr = -1", func(c *Config) { c.Merger.PostCoalescenceGyr = -1 }},
		{"simulate.merger.n_snapshots = 0", func(c *Config) { c.Merger.NSnapshots = 0 }},
		{"simulate.merger.burst_mass_fraction = -0.3", func(c *Config) { c.Merger.BurstMassFraction = -0.3 }},
		{"simulate.merger.isolated_duration_gyr = 0", func(c *Config) { c.Merger.IsolatedDurationGyr = 0 }},
		{"simulate.merger.isolated_snapshots = 0", func(c *Config) { c.Merger.IsolatedSnapshots = 0 }},
	} {
		c := DefaultConfig()
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
		}
	}
	// Several problems are all reported.
	c := DefaultConfig()
	c.NParticles = -1
	c.Merger.DtMyr = -1
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "simulate.n_particles") || !strings.Contains(err.Error(), "simulate.merger.dt_myr") {
		t.Errorf("Validate() = %v, want both problems", err)
	}
}
