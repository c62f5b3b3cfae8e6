package sims

import (
	"math"

	"github.com/galforge/galforge/internal/table"
)

// TruthTable returns the truth catalogue of snapshots: one row per entry of
// truths, with files[i] the snapshot file of row i (relative to the output
// directory). Columns and units are those of `galforge simulate`'s
// truth.csv / truth.fits; labels that do not apply are "none" (categories)
// or empty / NaN (numbers).
func TruthTable(truths []Truth, files []string) *table.Table {
	n := len(truths)
	ints := func() []int64 { return make([]int64, n) }
	fl := func() []float64 { return make([]float64, n) }
	str := func() []string { return make([]string, n) }
	t := &table.Table{Cols: []table.Column{
		{Name: "galaxy_id", Ints: ints()},
		{Name: "family", Strings: str()},
		{Name: "snapshot", Ints: ints()},
		{Name: "file", Strings: str()},
		{Name: "time_gyr", Unit: "Gyr", Floats: fl()},
		{Name: "redshift", Floats: fl()},
		{Name: "mstar_msun", Unit: "solMass", Floats: fl()},
		{Name: "sfr_msun_yr", Unit: "solMass/yr", Floats: fl()},
		{Name: "re3d_kpc", Unit: "kpc", Floats: fl()},
		{Name: "aperture", Strings: str()},
		{Name: "aperture_kpc", Unit: "kpc", Floats: fl()},
		{Name: "rvir_kpc", Unit: "kpc", Floats: fl()},
		{Name: "mhalo_msun", Unit: "solMass", Floats: fl()},
		{Name: "phase", Strings: str()},
		{Name: "t_compaction_gyr", Unit: "Gyr", Floats: fl()},
		{Name: "merger_stage", Strings: str()},
		{Name: "mass_ratio", Floats: fl()},
		{Name: "t_to_coalescence_gyr", Unit: "Gyr", Floats: fl()},
		{Name: "separation_kpc", Unit: "kpc", Floats: fl()},
	}}
	c := t.Cols
	for i, tr := range truths {
		c[0].Ints[i] = tr.GalaxyID
		c[1].Strings[i] = tr.Family
		c[2].Ints[i] = int64(tr.Snapshot)
		if i < len(files) {
			c[3].Strings[i] = files[i]
		}
		c[4].Floats[i] = tr.TimeGyr
		c[5].Floats[i] = tr.Redshift
		c[6].Floats[i] = tr.MstarMsun
		c[7].Floats[i] = tr.SFRMsunYr
		c[8].Floats[i] = tr.Re3DKpc
		c[9].Strings[i] = tr.Aperture
		ap := tr.ApertureKpc
		if math.IsInf(ap, 1) {
			ap = math.NaN() // "all stars": no finite aperture
		}
		c[10].Floats[i] = ap
		c[11].Floats[i] = tr.RvirKpc
		c[12].Floats[i] = tr.MhaloMsun
		c[13].Strings[i] = string(tr.Phase)
		c[14].Floats[i] = tr.TCompactionGyr
		c[15].Strings[i] = string(tr.MergerStage)
		c[16].Floats[i] = tr.MassRatio
		c[17].Floats[i] = tr.TToCoalescenceGyr
		c[18].Floats[i] = tr.SeparationKpc
	}
	return t
}
