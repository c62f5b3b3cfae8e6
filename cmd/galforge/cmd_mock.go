package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/configs"
	"github.com/galforge/galforge/internal/atomic"
	"github.com/galforge/galforge/internal/fits"
	"github.com/galforge/galforge/internal/progress"
	"github.com/galforge/galforge/internal/table"
	"github.com/galforge/galforge/mock"
	"github.com/galforge/galforge/mock/psf"
	"github.com/galforge/galforge/mock/sersic"
	shardfmt "github.com/galforge/galforge/mock/shard"
)

type mockOptions struct {
	jobFlags
	preview   bool
	perObject bool
}

func newMockCommand() *cobra.Command {
	var o mockOptions
	cmd := &cobra.Command{
		Use:   "mock -c FILE [--out DIR] [--shard i/N] [--preview] [--per-object]",
		Short: "Make HST/CANDELS-like stamps of analytic profiles or particle snapshots: FITS stamps, truth catalogue, training shards",
		Long: `mock draws analytic Sérsic (or bulge+disc) profiles from the config's priors or parameter
table, convolves them with the PSF, integrates over pixels, adds Poisson, sky and read noise at
the exposure time, and writes:
  DIR/stamps.fits    extensions SCI, RMS, MODEL (cubes: plane k = catalogue row k, e-/s) and PSF
  DIR/catalog.csv    one row per stamp (and catalog.fits, a binary table)
  DIR/shards/mock.gfs the training shard (SCI and RMS planes, truth vector; see mock/shard/FORMAT.md)
  DIR/preview.png    with --preview: a contact sheet of the first 64 stamps
  DIR/objects/       with --per-object: one small FITS file per stamp with T_ truth cards
With --shard i/N only the i-th contiguous block of objects is made, into files named
*.shard-iiii-of-NNNN.*; the shards' catalogues concatenate to the single-machine one and
their training shards join with shard.Concat into a byte-identical file.
With mock.source = particles the snapshots of render.input are rendered on a grid matched to
the detector in every photometric band of render.bands and every view of render.views, then
observed the same way: DIR/stamps_<BAND>.fits per band, one catalogue row per snapshot and
view, and one shard with every band.
With mock.background (images and rms maps, per band under mock.background.bands.<BAND>)
every stamp is added into a seeded cutout of a real image instead of getting sky and read
noise (the source's Poisson noise is still added); the bands of a stamp share one cutout
position, and the catalogue flags the brightest neighbour in it (has_neighbour,
neighbour_dist_pix, neighbour_mag) with the cutout's file and position (bg_x0, bg_y0).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("preview") {
				o.cf.sets = append(o.cf.sets, fmt.Sprintf("mock.preview=%v", o.preview))
			}
			if cmd.Flags().Changed("per-object") {
				o.cf.sets = append(o.cf.sets, fmt.Sprintf("mock.per_object=%v", o.perObject))
			}
			return runMock(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.jobFlags.register(cmd, "make")
	cmd.Flags().BoolVar(&o.preview, "preview", false, "write a PNG contact sheet of the first stamps")
	cmd.Flags().BoolVar(&o.perObject, "per-object", false, "also write one FITS file per stamp")
	return cmd
}

// stampMeta describes the stamps of one band for a StampWriter.
func stampMeta(mc mock.Config, e mock.Exposure, p *psf.Image, prov []fits.Card) *mock.StampSet {
	return &mock.StampSet{Band: e.Band.Name, NX: mc.StampSize, NY: mc.StampSize, PixelScaleArcsec: mc.PixelScaleArcsec,
		ExptimeS: e.ExptimeS, ZeroPointAB: e.ZP, PHOTFLAM: e.Band.PHOTFLAM, PHOTPLAM: e.Band.PHOTPLAM,
		PSF: p.Data, PSFNX: p.NX, PSFNY: p.NY, Provenance: prov, CentreRADeg: 150.1, CentreDecDeg: 2.2}
}

// createShard starts the training shard of a mock run: SCI and RMS planes of
// the given bands, the given truth columns, the run's provenance.
func createShard(path string, cfg configs.Config, hash string, bands []string, truth []shardfmt.Column) (*shardfmt.Writer, error) {
	hdr := shardfmt.Header{StampSize: cfg.Mock.StampSize, Bands: bands, Planes: []string{"SCI", "RMS"}, Truth: truth,
		Provenance: shardfmt.Provenance{GalforgeVersion: galforgeVersion(), ConfigHash: hash, Seed: cfg.Seed,
			Extra: map[string]string{"pixel_scale_arcsec": strconv.FormatFloat(cfg.Mock.PixelScaleArcsec, 'g', -1, 64),
				"source": cfg.Mock.Source}}}
	var opts []shardfmt.Option
	if cfg.Mock.ShardBlock > 0 {
		opts = append(opts, shardfmt.WithBlockSize(cfg.Mock.ShardBlock))
	}
	return shardfmt.Create(path, hdr, opts...)
}

func runMock(ctx context.Context, o mockOptions, stdout, stderr io.Writer) error {
	cfg, sh, workers, err := o.load()
	if err != nil {
		return err
	}
	mc := cfg.Mock
	hash := cfg.MockHash()
	suffix := sh.Suffix()
	donePath := filepath.Join(cfg.Out, "mock"+suffix+".done.json")
	if b, err := os.ReadFile(donePath); err == nil {
		var rec struct{ ConfigHash string }
		if json.Unmarshal(b, &rec) == nil && rec.ConfigHash == hash && (!mc.Preview || exists(filepath.Join(cfg.Out, "preview"+suffix+".png"))) {
			fmt.Fprintf(stdout, "mock: outputs in %s are complete for config hash %s; nothing to do\n", cfg.Out, hash)
			return nil
		}
	}
	if mc.Source == "particles" {
		return runMockParticles(ctx, cfg, sh, workers, hash, stdout, stderr)
	}
	gen, err := mock.NewGenerator(mc)
	if err != nil {
		return usageError{err}
	}
	objs, err := mock.Plan(mc, cfg.Seed)
	if err != nil {
		return usageError{err}
	}
	lo, hi := sh.Range(len(objs))
	mine := objs[lo:hi]
	if len(mine) == 0 {
		return usageError{fmt.Errorf("mock: shard %d/%d of %d objects is empty", sh.I, sh.N, len(objs))}
	}
	for _, d := range []string{cfg.Out, filepath.Join(cfg.Out, "shards")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if mc.PerObject {
		if err := os.MkdirAll(filepath.Join(cfg.Out, "objects"), 0o755); err != nil {
			return err
		}
	}
	prov := []fits.Card{{Name: "ORIGIN", Value: "galforge " + galforgeVersion()}, {Name: "GFHASH", Value: hash, Comment: "config hash"},
		{Name: "GFSEED", Value: int64(cfg.Seed), Comment: "global seed"}, {Name: "SHARD", Value: fmt.Sprintf("%d/%d", sh.I, sh.N)}}
	meta := stampMeta(mc, gen.Exposure, gen.PSF, prov)
	stampsPath := filepath.Join(cfg.Out, "stamps"+suffix+".fits")
	sw, err := mock.NewStampWriter(stampsPath, meta)
	if err != nil {
		return err
	}
	defer sw.Abort()
	bd := mc.Profile.Kind == "bulge+disc"
	shardPath := filepath.Join(cfg.Out, "shards", "mock"+suffix+".gfs")
	cols := gen.ShardTruthColumns()
	shw, err := createShard(shardPath, cfg, hash, []string{gen.Band.Name}, cols)
	if err != nil {
		return err
	}
	defer shw.Abort()

	fmt.Fprintf(stderr, "mock: %d objects (of %d; shard %d/%d), %s at %.3g″/pix, ZP %.3f, exptime %.0f s, %d workers, out %s\n",
		len(mine), len(objs), sh.I, sh.N, gen.Band.Name, mc.PixelScaleArcsec, gen.ZP, gen.ExptimeS, workers, cfg.Out)
	bar := progress.New(stderr, "mock", len(mine))
	cat := newMockCatalogue(len(mine), bd)
	var preview []*mock.Stamp
	drawers := make([]*sersic.Drawer, workers)
	for w := range drawers {
		drawers[w] = gen.NewDrawer()
	}
	// Batches are made in parallel and written in order: memory stays bounded
	// and the outputs do not depend on the number of workers.
	const batch = 256
	stamps := make([]*mock.Stamp, batch)
	errs := make([]error, batch)
	for b0 := 0; b0 < len(mine); b0 += batch {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("mock: interrupted (nothing written; rerun): %w", err)
		}
		b1 := min(b0+batch, len(mine))
		// Worker w draws jobs w, w+workers, …: each drawer is used by one goroutine.
		parallel(context.Background(), workers, workers, func(w int) {
			for j := b0 + w; j < b1; j += workers {
				stamps[j-b0], errs[j-b0] = gen.Stamp(drawers[w], mine[j], cfg.Seed)
			}
		})
		for j := b0; j < b1; j++ {
			st, o := stamps[j-b0], mine[j]
			if errs[j-b0] != nil {
				return errs[j-b0]
			}
			if err := sw.Add(st); err != nil {
				return err
			}
			t32 := gen.ShardTruth(o, st)
			img := make([]float32, 0, 2*len(st.Sci))
			for _, v := range st.Sci {
				img = append(img, float32(v))
			}
			for _, v := range st.RMS {
				img = append(img, float32(v))
			}
			if err := shw.Append(shardfmt.Example{ID: o.ID, Row: int64(o.Row), Images: img, Truth: t32}); err != nil {
				return err
			}
			cat.add(o, gen, st)
			if mc.PerObject {
				one := *meta
				one.Stamps = []*mock.Stamp{st}
				var cards []fits.Card
				tv := o.Truth()
				for i, c := range mock.TruthColumns(bd) {
					cards = append(cards, mock.TruthCard(shortName(c.Name), tv[i]))
				}
				if err := one.WriteSingle(filepath.Join(cfg.Out, "objects", fmt.Sprintf("obj_%09d.fits", o.ID)), 0, cards); err != nil {
					return err
				}
			}
			if mc.Preview && len(preview) < 64 {
				preview = append(preview, st)
			}
			bar.Add(1)
		}
	}
	if err := sw.Close(); err != nil {
		return err
	}
	if err := shw.Close(); err != nil {
		return err
	}
	base, err := finishMock(cfg, hash, suffix, cat.t, prov, preview)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d stamps: %s, %s.csv, %s\n", len(mine), stampsPath, base, shardPath)
	return nil
}

// finishMock writes what both kinds of mock end with: the catalogue (CSV and
// FITS), the preview, the effective config and, last, the record that marks
// the outputs complete for hash. It returns the catalogue's base path.
func finishMock(cfg configs.Config, hash, suffix string, cat *table.Table, prov []fits.Card, preview []*mock.Stamp) (string, error) {
	base := filepath.Join(cfg.Out, "catalog"+suffix)
	if err := cat.WriteCSV(base + ".csv"); err != nil {
		return "", err
	}
	if err := cat.WriteFITS(base+".fits", "CATALOG", prov); err != nil {
		return "", err
	}
	if cfg.Mock.Preview {
		if err := mock.WritePreview(filepath.Join(cfg.Out, "preview"+suffix+".png"), preview); err != nil {
			return "", err
		}
	}
	if b, err := cfg.YAML(); err == nil {
		if err := atomic.WriteBytes(filepath.Join(cfg.Out, "mock-config"+suffix+".yaml"), b); err != nil {
			return "", err
		}
	}
	b, _ := json.Marshal(map[string]string{"ConfigHash": hash})
	return base, atomic.WriteBytes(filepath.Join(cfg.Out, "mock"+suffix+".done.json"), b)
}

// shortName shortens a truth column name to fit a T_ card (6 characters).
func shortName(n string) string {
	m := map[string]string{"re_arcsec": "RE", "pa_deg": "PA", "re_bulge_arcsec": "REBULG", "re_disk_arcsec": "REDISK",
		"n_bulge": "NBULGE", "q_bulge": "QBULGE", "n_disk": "NDISK", "q_disk": "QDISK"}
	if s, ok := m[n]; ok {
		return s
	}
	return n
}

// mockCatalogue accumulates the truth catalogue.
type mockCatalogue struct {
	t    *table.Table
	cols map[string]*table.Column
}

func newMockCatalogue(n int, bd bool) *mockCatalogue {
	c := &mockCatalogue{t: &table.Table{}, cols: map[string]*table.Column{}}
	add := func(name, unit, kind string) {
		col := table.Column{Name: name, Unit: unit}
		switch kind {
		case "i":
			col.Ints = make([]int64, 0, n)
		case "s":
			col.Strings = make([]string, 0, n)
		default:
			col.Floats = make([]float64, 0, n)
		}
		c.t.Cols = append(c.t.Cols, col)
	}
	add("row", "", "i")
	add("id", "", "i")
	add("band", "", "s")
	add("profile", "", "s")
	add("flux_e_s", "ct/s", "f") // FITS-standard unit for e⁻/s (counts)
	add("flux_in_stamp", "ct/s", "f")
	add("snr", "", "f")
	add("has_neighbour", "", "i")
	add("neighbour_dist_pix", "pix", "f")
	add("neighbour_mag", "mag", "f")
	add("background", "", "s")
	add("bg_x0", "pix", "i")
	add("bg_y0", "pix", "i")
	for _, tc := range mock.TruthColumns(bd) {
		add(tc.Name, tc.Unit, "f")
	}
	for i := range c.t.Cols {
		c.cols[c.t.Cols[i].Name] = &c.t.Cols[i]
	}
	return c
}

func (c *mockCatalogue) add(o mock.Object, gen *mock.Generator, st *mock.Stamp) {
	c.cols["row"].Ints = append(c.cols["row"].Ints, int64(o.Row))
	c.cols["id"].Ints = append(c.cols["id"].Ints, o.ID)
	c.cols["band"].Strings = append(c.cols["band"].Strings, st.Band)
	kind := "sersic"
	if o.IsBD {
		kind = "bulge+disc"
	}
	c.cols["profile"].Strings = append(c.cols["profile"].Strings, kind)
	c.cols["flux_e_s"].Floats = append(c.cols["flux_e_s"].Floats, gen.FluxEPerS(o.Mag))
	var in, snr2 float64
	for i, m := range st.Model {
		in += m
		if st.RMS[i] > 0 {
			snr2 += m * m / (st.RMS[i] * st.RMS[i])
		}
	}
	c.cols["flux_in_stamp"].Floats = append(c.cols["flux_in_stamp"].Floats, in)
	// Optimal (matched-filter) S/N: sqrt(Σ model²/σ²); NaN without noise.
	snr := math.Sqrt(snr2)
	if snr2 == 0 {
		snr = math.NaN()
	}
	c.cols["snr"].Floats = append(c.cols["snr"].Floats, snr)
	has, dist, mag := st.Cutout.Neighbour()
	bg, x0, y0 := st.Cutout.Origin()
	c.cols["has_neighbour"].Ints = append(c.cols["has_neighbour"].Ints, int64(has))
	c.cols["neighbour_dist_pix"].Floats = append(c.cols["neighbour_dist_pix"].Floats, dist)
	c.cols["neighbour_mag"].Floats = append(c.cols["neighbour_mag"].Floats, mag)
	c.cols["background"].Strings = append(c.cols["background"].Strings, bg)
	c.cols["bg_x0"].Ints = append(c.cols["bg_x0"].Ints, int64(x0))
	c.cols["bg_y0"].Ints = append(c.cols["bg_y0"].Ints, int64(y0))
	tv := o.Truth()
	for i, tc := range mock.TruthColumns(o.IsBD) {
		c.cols[tc.Name].Floats = append(c.cols[tc.Name].Floats, tv[i])
	}
}
