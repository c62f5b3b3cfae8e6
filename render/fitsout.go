package render

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/galforge/galforge/internal/atomic"
	"github.com/galforge/galforge/internal/fits"
)

// Provenance is recorded in every output file.
type Provenance struct {
	Version    string // galforge version
	ConfigHash string // hash of the config sections the output depends on
	Seed       uint64
}

// FITSCards returns the header cards describing im: geometry, view, bands
// and units, truth labels and provenance. Non-finite labels are omitted
// (FITS headers cannot hold NaN), so a missing card means "does not apply".
func FITSCards(im *Image, prov Provenance) []fits.Card {
	c := []fits.Card{
		{Name: "BUNIT", Value: im.Units[0], Comment: "unit of the first plane; see BUNITi"},
		{Name: "VIEWX", Value: im.View.Dir[0], Comment: "line of sight towards observer, x"},
		{Name: "VIEWY", Value: im.View.Dir[1], Comment: "line of sight towards observer, y"},
		{Name: "VIEWZ", Value: im.View.Dir[2], Comment: "line of sight towards observer, z"},
		{Name: "UPX", Value: im.View.Up[0], Comment: "image +y axis in the galaxy frame, x"},
		{Name: "UPY", Value: im.View.Up[1], Comment: "image +y axis in the galaxy frame, y"},
		{Name: "UPZ", Value: im.View.Up[2], Comment: "image +y axis in the galaxy frame, z"},
		{Name: "VIEWNAME", Value: im.View.Name},
		{Name: "ALIGNED", Value: im.Aligned, Comment: "view frame: T face-on (+z = L*), F snapshot axes"},
		{Name: "PIXKPC", Value: im.PixKpc, Comment: "pixel size, physical kpc"},
		{Name: "PIXARCS", Value: im.PixArcsec, Comment: "pixel size, arcsec"},
		{Name: "OVERSAMP", Value: im.Oversample, Comment: "oversampling factor"},
		{Name: "REDSHIFT", Value: im.Redshift},
		{Name: "DLUMMPC", Value: im.LumDistMpc, Comment: "luminosity distance, Mpc"},
		{Name: "RE2DMASS", Value: im.Re2DMassKpc, Comment: "projected stellar half-mass radius, kpc"},
		{Name: "MINFIELD", Value: im.MassInFieldMsun, Comment: "stellar mass in the field, Msun"},
		{Name: "NBANDS", Value: len(im.Bands)},
	}
	for i, b := range im.Bands {
		k := strconv.Itoa(i + 1)
		c = append(c, fits.Card{Name: "BAND" + k, Value: b, Comment: "plane " + k},
			fits.Card{Name: "BUNIT" + k, Value: im.Units[i], Comment: "per pixel"})
	}
	t := im.Truth
	c = append(c,
		fits.Card{Name: "GALID", Value: t.GalaxyID, Comment: "galaxy id"},
		fits.Card{Name: "FAMILY", Value: t.Family},
		fits.Card{Name: "SNAPNUM", Value: t.Snapshot},
		fits.Card{Name: "PHASE", Value: string(t.Phase), Comment: "compaction phase"},
		fits.Card{Name: "MSTAGE", Value: string(t.MergerStage), Comment: "merger stage"},
		fits.Card{Name: "APERTUR", Value: t.Aperture, Comment: "aperture of RE3D"},
	)
	for _, f := range []struct {
		name, comment string
		v             float64
	}{
		{"TIMEGYR", "cosmic time of the snapshot, Gyr", t.TimeGyr},
		{"MSTAR", "stellar mass, Msun", t.MstarMsun},
		{"SFR", "SFR over 100 Myr, Msun/yr", t.SFRMsunYr},
		{"RE3D", "3D stellar half-mass radius, kpc", t.Re3DKpc},
		{"RVIR", "virial radius, kpc", t.RvirKpc},
		{"MHALO", "virial halo mass, Msun", t.MhaloMsun},
		{"TCOMPACT", "time of compaction, Gyr", t.TCompactionGyr},
		{"MRATIO", "merger stellar mass ratio", t.MassRatio},
		{"TCOAL", "time to coalescence, Gyr", t.TToCoalescenceGyr},
		{"SEPKPC", "separation of the two centres, kpc", t.SeparationKpc},
	} {
		if !math.IsNaN(f.v) && !math.IsInf(f.v, 0) {
			c = append(c, fits.Card{Name: f.name, Value: f.v, Comment: f.comment})
		}
	}
	c = append(c,
		fits.Card{Name: "ORIGIN", Value: "galforge " + prov.Version},
		fits.Card{Name: "GFHASH", Value: prov.ConfigHash, Comment: "config hash"},
		fits.Card{Name: "GFSEED", Value: int64(prov.Seed), Comment: "global seed"},
	)
	return c
}

// WriteFITS writes im as one FITS file: the primary HDU is a cube with one
// float32 plane per band (NAXIS3 = bands) and the cards of FITSCards. The
// write is atomic.
func WriteFITS(path string, im *Image, prov Provenance) error {
	planes := make([][]float32, len(im.Data))
	for b, p := range im.Data {
		planes[b] = make([]float32, len(p))
		for i, v := range p {
			planes[b][i] = float32(v)
		}
	}
	var buf bytes.Buffer
	if err := fits.EncodeImage(&buf, fits.Image{NX: im.NX, NY: im.NY, Planes: planes, Cards: FITSCards(im, prov)}, true); err != nil {
		return fmt.Errorf("render: write %q: %w", path, err)
	}
	return atomic.WriteBytes(path, buf.Bytes())
}
