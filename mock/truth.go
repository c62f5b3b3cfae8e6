package mock

import "github.com/galforge/galforge/mock/shard"

// TruthColumns are the truth-vector columns of analytic shards: magnitude,
// sizes (arcsec), Sérsic indices, axis ratios, position angle (degrees) and
// centre (1-indexed stamp pixels); the bulge+disc columns when bd is set.
// NeighbourTruthColumns follow them when stamps sit in real backgrounds.
func TruthColumns(bd bool) []shard.Column {
	if bd {
		return []shard.Column{{Name: "mag", Unit: "mag"}, {Name: "bt"}, {Name: "re_bulge_arcsec", Unit: "arcsec"}, {Name: "n_bulge"},
			{Name: "q_bulge"}, {Name: "re_disk_arcsec", Unit: "arcsec"}, {Name: "n_disk"}, {Name: "q_disk"}, {Name: "pa_deg", Unit: "deg"},
			{Name: "x0", Unit: "pix"}, {Name: "y0", Unit: "pix"}}
	}
	return []shard.Column{{Name: "mag", Unit: "mag"}, {Name: "re_arcsec", Unit: "arcsec"}, {Name: "n"}, {Name: "q"},
		{Name: "pa_deg", Unit: "deg"}, {Name: "x0", Unit: "pix"}, {Name: "y0", Unit: "pix"}}
}

// NeighbourTruthColumns are appended to a shard's truth vector when stamps
// sit in real backgrounds: 1/0, and the distance (pixels) and AB magnitude
// of the brightest detected neighbour (NaN when none).
var NeighbourTruthColumns = []shard.Column{{Name: "has_neighbour"}, {Name: "neighbour_dist_pix", Unit: "pix"}, {Name: "neighbour_mag", Unit: "mag"}}

// NeighbourTruth is the NeighbourTruthColumns part of a truth vector for cutout c.
func NeighbourTruth(c *Cutout) []float32 {
	has, dist, mag := c.Neighbour()
	return []float32{float32(has), float32(dist), float32(mag)}
}

// Truth is o's truth vector in the order of TruthColumns(o.IsBD).
func (o Object) Truth() []float64 {
	if o.IsBD {
		b := o.BD
		return []float64{o.Mag, b.BT, b.BulgeReArcsec, b.BulgeN, b.BulgeQ, b.DiscReArcsec, b.DiscN, b.DiscQ, b.PADeg, b.X0, b.Y0}
	}
	s := o.Sersic
	return []float64{o.Mag, s.ReArcsec, s.N, s.Q, s.PADeg, s.X0, s.Y0}
}

// ShardTruthColumns are the truth columns of the shards g's stamps go into:
// TruthColumns, then NeighbourTruthColumns when g inserts stamps into real
// backgrounds.
func (g *Generator) ShardTruthColumns() []shard.Column {
	cols := TruthColumns(g.cfg.Profile.Kind == "bulge+disc")
	if g.bgs != nil {
		cols = append(cols, NeighbourTruthColumns...)
	}
	return cols
}

// ShardTruth is the truth vector, in the order of ShardTruthColumns, of
// object o drawn by g as st.
func (g *Generator) ShardTruth(o Object, st *Stamp) []float32 {
	tv := o.Truth()
	t32 := make([]float32, len(tv), len(tv)+len(NeighbourTruthColumns))
	for i, v := range tv {
		t32[i] = float32(v)
	}
	if g.bgs != nil {
		t32 = append(t32, NeighbourTruth(st.Cutout)...)
	}
	return t32
}
