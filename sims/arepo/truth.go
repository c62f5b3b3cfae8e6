package arepo

import (
	"errors"
	"fmt"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/internal/h5"
	"github.com/galforge/galforge/sims"
)

func cosmology(g *sims.Galaxy) cosmo.FlatLCDM {
	return cosmo.FlatLCDM{H0: 100 * g.HubbleParam, OmegaM: g.OmegaM}
}

// truthFloats lists the float attributes of the Truth group.
func truthFloats(t *sims.Truth) map[string]*float64 {
	return map[string]*float64{
		"TimeGyr": &t.TimeGyr, "Redshift": &t.Redshift, "MstarMsun": &t.MstarMsun,
		"SFRMsunYr": &t.SFRMsunYr, "Re3DKpc": &t.Re3DKpc, "ApertureKpc": &t.ApertureKpc,
		"RvirKpc": &t.RvirKpc, "MhaloMsun": &t.MhaloMsun, "TCompactionGyr": &t.TCompactionGyr,
		"MassRatio": &t.MassRatio, "TToCoalescenceGyr": &t.TToCoalescenceGyr, "SeparationKpc": &t.SeparationKpc,
	}
}

// writeTruth writes the Truth group. centreCode is the galaxy centre in code
// units (ckpc/h).
func writeTruth(w *h5.Writer, t sims.Truth, centreCode [3]float64) {
	w.Group("Truth")
	w.Attr("Truth/GalaxyID", t.GalaxyID)
	w.Attr("Truth/Family", t.Family)
	w.Attr("Truth/Snapshot", int64(t.Snapshot))
	w.Attr("Truth/Aperture", t.Aperture)
	w.Attr("Truth/Phase", string(t.Phase))
	w.Attr("Truth/MergerStage", string(t.MergerStage))
	for k, p := range truthFloats(&t) {
		w.Attr("Truth/"+k, *p)
	}
	w.Attr("Truth/Centre", centreCode[:])
}

// readTruth reads the Truth group of a built-in snapshot. It returns ok =
// false for snapshots without one. The centre is in physical kpc.
func readTruth(path string, hd header) (t sims.Truth, centre [3]float64, ok bool, err error) {
	f, err := h5.Open(path)
	if err != nil {
		return t, centre, false, err
	}
	defer f.Close()
	if !f.Has("Truth") {
		return t, centre, false, nil
	}
	fail := func(e error) (sims.Truth, [3]float64, bool, error) {
		return t, centre, false, fmt.Errorf("truth: %w", e)
	}
	t = sims.NewTruth()
	id, err := f.AttrFloat64("Truth/GalaxyID")
	if err != nil {
		return fail(err)
	}
	t.GalaxyID = int64(id)
	snap, err := f.AttrFloat64("Truth/Snapshot")
	if err != nil {
		return fail(err)
	}
	t.Snapshot = int(snap)
	if t.Family, err = f.AttrString("Truth/Family"); err != nil {
		return fail(err)
	}
	if t.Aperture, err = f.AttrString("Truth/Aperture"); err != nil {
		return fail(err)
	}
	ph, err := f.AttrString("Truth/Phase")
	if err != nil {
		return fail(err)
	}
	if t.Phase, err = sims.ParsePhase(ph); err != nil {
		return fail(fmt.Errorf("%q: %w", path, err))
	}
	ms, err := f.AttrString("Truth/MergerStage")
	if err != nil {
		return fail(err)
	}
	if t.MergerStage, err = sims.ParseMergerStage(ms); err != nil {
		return fail(fmt.Errorf("%q: %w", path, err))
	}
	for k, p := range truthFloats(&t) {
		v, err := f.AttrFloat64("Truth/" + k)
		if errors.Is(err, h5.ErrNotFound) {
			continue // optional in older files
		}
		if err != nil {
			return fail(err)
		}
		*p = v
	}
	c, err := f.AttrFloat64s("Truth/Centre")
	if err != nil || len(c) != 3 {
		return fail(fmt.Errorf("%q: Truth/Centre missing or not 3 values", path))
	}
	for k := range centre {
		centre[k] = c[k] * hd.lengthKpc()
	}
	return t, centre, true, nil
}

// ReadTruth reads only the Truth group and the provenance of a built-in
// snapshot (no particles): the truth labels and the config hash recorded in
// Header/Galforge_ConfigHash.
func ReadTruth(path string) (sims.Truth, string, error) {
	f, err := h5.Open(path)
	if err != nil {
		return sims.Truth{}, "", fmt.Errorf("sims: %w", err)
	}
	hd, err := Reader{}.readHeader(f)
	hash, _ := f.AttrString("Header/Galforge_ConfigHash")
	f.Close()
	if err != nil {
		return sims.Truth{}, "", fmt.Errorf("sims: %w", err)
	}
	t, _, ok, err := readTruth(path, hd)
	if err != nil {
		return t, hash, fmt.Errorf("sims: %w", err)
	}
	if !ok {
		return t, hash, fmt.Errorf("sims: %q has no Truth group (not a built-in snapshot)", path)
	}
	return t, hash, nil
}
