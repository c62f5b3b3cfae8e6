package toy

import (
	"errors"
	"fmt"
	"math"
)

// Config is the `simulate:` section of a YAML config: how many galaxies of
// each family to simulate and the settings of each family. Keys are
// snake_case (mapstructure tags); DefaultConfig gives the quickstart values.
type Config struct {
	// NCompaction is the number of galaxies of the compaction family. Default 4.
	NCompaction int `mapstructure:"n_compaction"`
	// NMerger is the number of merger runs. Default 4.
	NMerger int `mapstructure:"n_merger"`
	// NIsolated is the number of isolated controls. Default 2.
	NIsolated int `mapstructure:"n_isolated"`
	// NParticles is the number of star particles per galaxy (per merger run,
	// both galaxies together) at the last snapshot, approximately; every
	// particle of a galaxy has the same initial mass. Default 10000.
	NParticles int `mapstructure:"n_particles"`
	// Compaction configures the compaction (VELA-like) family.
	Compaction CompactionConfig `mapstructure:"compaction"`
	// Merger configures the merger (Horizon-AGN-like) family and the
	// isolated controls.
	Merger MergerConfig `mapstructure:"merger"`
}

// CompactionConfig is the `simulate.compaction:` section.
type CompactionConfig struct {
	// ZStart is the redshift of the first step of the time grid. Default 7.
	ZStart float64 `mapstructure:"z_start"`
	// ZEnd is the redshift of the last step (the last snapshot). Default 1.
	ZEnd float64 `mapstructure:"z_end"`
	// DtGyr is the spacing of the time grid in Gyr (adjusted slightly so the
	// grid ends exactly at z_end). Default 0.2.
	DtGyr float64 `mapstructure:"dt_gyr"`
	// SnapshotStride keeps every stride-th step of the grid as a snapshot,
	// counted back from the last step. 1 keeps every step. Default 4.
	SnapshotStride int `mapstructure:"snapshot_stride"`
	// KeepCompactionWindow also keeps every step inside the compaction
	// window (t_c ± 0.075 Hubble times) and the step on either side of it,
	// so that a strided run still samples the blue-nugget phase. Default true.
	KeepCompactionWindow bool `mapstructure:"keep_compaction_window"`
	// LogMhaloMin and LogMhaloMax bound log10 of the virial halo mass in M☉
	// at z_end, drawn uniformly per galaxy. Defaults 11 and 12.3 (2·10¹² M☉).
	LogMhaloMin float64 `mapstructure:"log_mhalo_min"`
	LogMhaloMax float64 `mapstructure:"log_mhalo_max"`
	// LogMstarCompaction is log10 of the stellar mass in M☉ at which the
	// compaction event happens (Zolotov et al. 2015; Tacchella et al. 2016).
	// Default 9.5.
	LogMstarCompaction float64 `mapstructure:"log_mstar_compaction"`
	// CompactionScatterDex is the per-galaxy Gaussian scatter in dex of that
	// mass. Default 0.2.
	CompactionScatterDex float64 `mapstructure:"compaction_scatter_dex"`
	// NuggetMassFraction is the initial mass of the central starburst (the
	// blue nugget) as a fraction of the mass formed before t_c. Default 0.6.
	NuggetMassFraction float64 `mapstructure:"nugget_mass_fraction"`
	// NuggetRadiusKpc is the 3D half-mass radius in kpc of the nugget's stars
	// (a Plummer sphere), capped at 0.3 of the disc's effective radius at
	// t_c for small galaxies. Default 0.3.
	NuggetRadiusKpc float64 `mapstructure:"nugget_radius_kpc"`
	// Contraction is the factor by which the radii of the stars present
	// before the event shrink through it (adiabatic response to the gas
	// inflow), in (0, 1]; 1 means none. Default 0.7.
	Contraction float64 `mapstructure:"contraction"`
	// PostSFRFraction is the disc's star-formation rate after the event as a
	// fraction of the SHMR-driven rate, in [0, 1] (post-blue-nugget galaxies
	// lie below the main sequence, Tacchella et al. 2016). Default 0.3.
	PostSFRFraction float64 `mapstructure:"post_sfr_fraction"`
	// ClumpFraction is the fraction of the disc's star formation before the
	// event that happens in giant clumps, in [0, 1]. Default 0.2.
	ClumpFraction float64 `mapstructure:"clump_fraction"`
}

// MergerConfig is the `simulate.merger:` section; it also sets up the
// isolated controls (the same galaxies without a companion).
type MergerConfig struct {
	// ZStart is the redshift at which a run starts. Default 2.
	ZStart float64 `mapstructure:"z_start"`
	// LogMhaloMin and LogMhaloMax bound log10 of the primary's virial halo
	// mass in M☉ at z_start, drawn uniformly. Defaults 11.7 and 12.5.
	LogMhaloMin float64 `mapstructure:"log_mhalo_min"`
	LogMhaloMax float64 `mapstructure:"log_mhalo_max"`
	// MassRatioMin and MassRatioMax bound the primary/secondary stellar mass
	// ratio (≥ 1), drawn log-uniformly. Defaults 1 and 10.
	MassRatioMin float64 `mapstructure:"mass_ratio_min"`
	MassRatioMax float64 `mapstructure:"mass_ratio_max"`
	// BulgeFractionMin and BulgeFractionMax bound each galaxy's bulge to
	// total stellar mass ratio, drawn uniformly. Defaults 0.1 and 0.4.
	BulgeFractionMin float64 `mapstructure:"bulge_fraction_min"`
	BulgeFractionMax float64 `mapstructure:"bulge_fraction_max"`
	// InitialSeparationKpc is the separation in kpc of the two centres at
	// the start, on their way in (the orbit's apocentre is raised to it if
	// the eccentricity would put it closer). Default 80.
	InitialSeparationKpc float64 `mapstructure:"initial_separation_kpc"`
	// PericentreMinKpc and PericentreMaxKpc bound the first pericentre in kpc
	// of the orbit without dynamical friction, drawn uniformly (friction makes
	// the actual one closer). Defaults 5 and 20.
	PericentreMinKpc float64 `mapstructure:"pericentre_min_kpc"`
	PericentreMaxKpc float64 `mapstructure:"pericentre_max_kpc"`
	// EccentricityMin and EccentricityMax bound the orbit's eccentricity
	// (r_apo − r_peri)/(r_apo + r_peri), in [0, 1): bound, near-parabolic
	// orbits. Defaults 0.9 and 0.99.
	EccentricityMin float64 `mapstructure:"eccentricity_min"`
	EccentricityMax float64 `mapstructure:"eccentricity_max"`
	// DtMyr is the fixed leapfrog step in Myr of the star particles (split
	// into sub-steps for stars deep in a potential; the two centres take 10
	// sub-steps per step). Default 1.
	DtMyr float64 `mapstructure:"dt_myr"`
	// CoulombLog is ln Λ of Chandrasekhar dynamical friction between the two
	// galaxies; 0 switches friction off (the centres then need not
	// coalesce, and merger runs fail). Default 1 (≈ ln(1 + M_host/M_sat) of
	// a major merger, Boylan-Kolchin et al. 2008).
	CoulombLog float64 `mapstructure:"coulomb_log"`
	// CoalescenceRadiusKpc: the galaxies have coalesced once their centres
	// stay closer than this, in kpc. Default 2.
	CoalescenceRadiusKpc float64 `mapstructure:"coalescence_radius_kpc"`
	// MaxDurationGyr caps the length of a merger run in Gyr; orbits that do
	// not coalesce (and stay coalesced for post_coalescence_gyr, at least
	// 0.3 Gyr) within it are retried with a closer pericentre. Default 5.
	MaxDurationGyr float64 `mapstructure:"max_duration_gyr"`
	// PostCoalescenceGyr is how long a run continues after coalescence, in
	// Gyr (the remnant phase). Default 0.5.
	PostCoalescenceGyr float64 `mapstructure:"post_coalescence_gyr"`
	// NSnapshots is the number of regularly spaced snapshots of a merger run;
	// one more is added in any merger stage that none of them samples.
	// Default 6.
	NSnapshots int `mapstructure:"n_snapshots"`
	// BurstMassFraction is the initial mass of the central starburst near
	// coalescence as a fraction of the secondary's stellar mass (so minor
	// mergers trigger weaker bursts, Cox et al. 2008). Default 0.3.
	BurstMassFraction float64 `mapstructure:"burst_mass_fraction"`
	// IsolatedDurationGyr is the length of an isolated control run in Gyr.
	// Default 1.
	IsolatedDurationGyr float64 `mapstructure:"isolated_duration_gyr"`
	// IsolatedSnapshots is the number of regularly spaced snapshots of an
	// isolated run (the first at its start). Default 3.
	IsolatedSnapshots int `mapstructure:"isolated_snapshots"`
}

// DefaultConfig returns the quickstart defaults (`galforge simulate` with no
// `simulate:` section, and `make demo`): 4 compaction galaxies, 4 mergers and
// 2 isolated controls of ~10⁴ particles, whose snapshots together contain
// every compaction phase and merger stage, simulated in a few seconds.
func DefaultConfig() Config {
	return Config{
		NCompaction: 4,
		NMerger:     4,
		NIsolated:   2,
		NParticles:  10000,
		Compaction: CompactionConfig{
			ZStart:               7,
			ZEnd:                 1,
			DtGyr:                0.2,
			SnapshotStride:       4,
			KeepCompactionWindow: true,
			LogMhaloMin:          11,
			LogMhaloMax:          math.Log10(2e12),
			LogMstarCompaction:   9.5,
			CompactionScatterDex: 0.2,
			NuggetMassFraction:   0.6,
			NuggetRadiusKpc:      0.3,
			Contraction:          0.7,
			PostSFRFraction:      0.3,
			ClumpFraction:        0.2,
		},
		Merger: MergerConfig{
			ZStart:               2,
			LogMhaloMin:          11.7,
			LogMhaloMax:          12.5,
			MassRatioMin:         1,
			MassRatioMax:         10,
			BulgeFractionMin:     0.1,
			BulgeFractionMax:     0.4,
			InitialSeparationKpc: 80,
			PericentreMinKpc:     5,
			PericentreMaxKpc:     20,
			EccentricityMin:      0.9,
			EccentricityMax:      0.99,
			DtMyr:                1,
			CoulombLog:           1,
			CoalescenceRadiusKpc: 2,
			MaxDurationGyr:       5,
			PostCoalescenceGyr:   0.5,
			NSnapshots:           6,
			BurstMassFraction:    0.3,
			IsolatedDurationGyr:  1,
			IsolatedSnapshots:    3,
		},
	}
}

// maxPerFamily is the largest number of galaxies of one family (IDs are
// family base + index, see Plan).
const maxPerFamily = 1_000_000

// Validate reports every impossible value, each error naming its key with
// its section, e.g. "simulate.n_particles = -3: must be positive".
func (c Config) Validate() error {
	var errs []error
	bad := func(key string, v any, why string) {
		errs = append(errs, fmt.Errorf("simulate.%s = %v: %s", key, v, why))
	}
	for _, k := range []struct {
		key string
		n   int
	}{{"n_compaction", c.NCompaction}, {"n_merger", c.NMerger}, {"n_isolated", c.NIsolated}} {
		if k.n < 0 || k.n >= maxPerFamily {
			bad(k.key, k.n, fmt.Sprintf("must be in [0, %d)", maxPerFamily))
		}
	}
	if c.NParticles <= 0 {
		bad("n_particles", c.NParticles, "must be positive")
	} else if c.NParticles > 100_000_000 {
		bad("n_particles", c.NParticles, "must be at most 1e8")
	}

	cc := c.Compaction
	pc := "compaction."
	if !(cc.ZEnd >= 0 && cc.ZEnd < zFirstStars-1) {
		bad(pc+"z_end", cc.ZEnd, fmt.Sprintf("must be in [0, %d)", zFirstStars-1))
	}
	if !(cc.ZStart > cc.ZEnd && cc.ZStart < zFirstStars-1) {
		bad(pc+"z_start", cc.ZStart, fmt.Sprintf("must be above z_end (%v) and below %d", cc.ZEnd, zFirstStars-1))
	}
	if !(cc.DtGyr > 0.001 && cc.DtGyr <= 2) {
		bad(pc+"dt_gyr", cc.DtGyr, "must be in (0.001, 2] Gyr")
	}
	if cc.SnapshotStride < 1 {
		bad(pc+"snapshot_stride", cc.SnapshotStride, "must be ≥ 1")
	}
	checkRange(bad, pc+"log_mhalo_min", pc+"log_mhalo_max", cc.LogMhaloMin, cc.LogMhaloMax, 9, 15)
	if !(cc.LogMstarCompaction >= 6 && cc.LogMstarCompaction <= 12) {
		bad(pc+"log_mstar_compaction", cc.LogMstarCompaction, "must be in [6, 12]")
	}
	if !(cc.CompactionScatterDex >= 0 && cc.CompactionScatterDex <= 1) {
		bad(pc+"compaction_scatter_dex", cc.CompactionScatterDex, "must be in [0, 1] dex")
	}
	if !(cc.NuggetMassFraction >= 0 && cc.NuggetMassFraction <= 10) {
		bad(pc+"nugget_mass_fraction", cc.NuggetMassFraction, "must be in [0, 10]")
	}
	if !(cc.NuggetRadiusKpc > 0 && cc.NuggetRadiusKpc <= 10) {
		bad(pc+"nugget_radius_kpc", cc.NuggetRadiusKpc, "must be in (0, 10] kpc")
	}
	if !(cc.Contraction > 0 && cc.Contraction <= 1) {
		bad(pc+"contraction", cc.Contraction, "must be in (0, 1]")
	}
	if !(cc.PostSFRFraction >= 0 && cc.PostSFRFraction <= 1) {
		bad(pc+"post_sfr_fraction", cc.PostSFRFraction, "must be in [0, 1]")
	}
	if !(cc.ClumpFraction >= 0 && cc.ClumpFraction <= 1) {
		bad(pc+"clump_fraction", cc.ClumpFraction, "must be in [0, 1]")
	}

	mc := c.Merger
	pm := "merger."
	if !(mc.ZStart >= 0 && mc.ZStart < zFirstStars-1) {
		bad(pm+"z_start", mc.ZStart, fmt.Sprintf("must be in [0, %d)", zFirstStars-1))
	}
	checkRange(bad, pm+"log_mhalo_min", pm+"log_mhalo_max", mc.LogMhaloMin, mc.LogMhaloMax, 10, 14)
	checkRange(bad, pm+"mass_ratio_min", pm+"mass_ratio_max", mc.MassRatioMin, mc.MassRatioMax, 1, 100)
	checkRange(bad, pm+"bulge_fraction_min", pm+"bulge_fraction_max", mc.BulgeFractionMin, mc.BulgeFractionMax, 0, 1)
	if !(mc.InitialSeparationKpc > 0 && mc.InitialSeparationKpc <= 1000) {
		bad(pm+"initial_separation_kpc", mc.InitialSeparationKpc, "must be in (0, 1000] kpc")
	}
	if !(mc.PericentreMinKpc > 0) {
		bad(pm+"pericentre_min_kpc", mc.PericentreMinKpc, "must be positive")
	}
	if !(mc.PericentreMaxKpc >= mc.PericentreMinKpc && mc.PericentreMaxKpc < mc.InitialSeparationKpc) {
		bad(pm+"pericentre_max_kpc", mc.PericentreMaxKpc,
			fmt.Sprintf("must be ≥ pericentre_min_kpc (%v) and below initial_separation_kpc (%v)", mc.PericentreMinKpc, mc.InitialSeparationKpc))
	}
	if !(mc.EccentricityMin >= 0 && mc.EccentricityMin < 1) {
		bad(pm+"eccentricity_min", mc.EccentricityMin, "must be in [0, 1)")
	}
	if !(mc.EccentricityMax >= mc.EccentricityMin && mc.EccentricityMax < 1) {
		bad(pm+"eccentricity_max", mc.EccentricityMax, fmt.Sprintf("must be in [eccentricity_min (%v), 1)", mc.EccentricityMin))
	}
	if !(mc.DtMyr >= 0.01 && mc.DtMyr <= 20) {
		bad(pm+"dt_myr", mc.DtMyr, "must be in [0.01, 20] Myr")
	}
	if !(mc.CoulombLog >= 0 && mc.CoulombLog <= 30) {
		bad(pm+"coulomb_log", mc.CoulombLog, "must be in [0, 30] (0 = no dynamical friction)")
	}
	if !(mc.CoalescenceRadiusKpc > 0 && mc.CoalescenceRadiusKpc < mc.PericentreMinKpc) {
		bad(pm+"coalescence_radius_kpc", mc.CoalescenceRadiusKpc, fmt.Sprintf("must be positive and below pericentre_min_kpc (%v)", mc.PericentreMinKpc))
	}
	if !(mc.MaxDurationGyr > 0 && mc.MaxDurationGyr <= 12) {
		bad(pm+"max_duration_gyr", mc.MaxDurationGyr, "must be in (0, 12] Gyr")
	}
	if !(mc.PostCoalescenceGyr >= 0 && mc.PostCoalescenceGyr <= 5) {
		bad(pm+"post_coalescence_gyr", mc.PostCoalescenceGyr, "must be in [0, 5] Gyr")
	}
	if mc.NSnapshots < 1 || mc.NSnapshots > 10000 {
		bad(pm+"n_snapshots", mc.NSnapshots, "must be in [1, 10000]")
	}
	if !(mc.BurstMassFraction >= 0 && mc.BurstMassFraction <= 10) {
		bad(pm+"burst_mass_fraction", mc.BurstMassFraction, "must be in [0, 10]")
	}
	if !(mc.IsolatedDurationGyr > 0 && mc.IsolatedDurationGyr <= 12) {
		bad(pm+"isolated_duration_gyr", mc.IsolatedDurationGyr, "must be in (0, 12] Gyr")
	}
	if mc.IsolatedSnapshots < 1 || mc.IsolatedSnapshots > 10000 {
		bad(pm+"isolated_snapshots", mc.IsolatedSnapshots, "must be in [1, 10000]")
	}
	return errors.Join(errs...)
}

// checkRange reports lo and hi outside [min, max] or hi < lo (NaN included).
func checkRange(bad func(string, any, string), loKey, hiKey string, lo, hi, min, max float64) {
	if !(lo >= min && lo <= max) {
		bad(loKey, lo, fmt.Sprintf("must be in [%v, %v]", min, max))
	}
	if !(hi >= lo && hi <= max) {
		bad(hiKey, hi, fmt.Sprintf("must be in [%s (%v), %v]", lastKey(loKey), lo, max))
	}
}

// lastKey returns the part of a dotted key after the last dot.
func lastKey(k string) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '.' {
			return k[i+1:]
		}
	}
	return k
}
