package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/galforge/galforge/configs"
	"github.com/galforge/galforge/internal/fits"
	"github.com/galforge/galforge/internal/progress"
	"github.com/galforge/galforge/internal/table"
	"github.com/galforge/galforge/mock"
	"github.com/galforge/galforge/mock/conv"
	shardfmt "github.com/galforge/galforge/mock/shard"
	"github.com/galforge/galforge/render"
	"github.com/galforge/galforge/sims"
)

// particleTruth are the truth-vector columns of particle shards.
var particleTruth = []shardfmt.Column{
	{Name: "re3d_kpc", Unit: "kpc"}, {Name: "log10_mstar", Unit: "dex(solMass)"}, {Name: "sfr_msun_yr", Unit: "solMass/yr"},
	{Name: "phase"}, {Name: "merger_stage"}, {Name: "mass_ratio"}, {Name: "t_to_coalescence_gyr", Unit: "Gyr"},
	{Name: "redshift"}, {Name: "re2d_mass_kpc", Unit: "kpc"}, {Name: "view_x"}, {Name: "view_y"}, {Name: "view_z"},
}

// classIndex returns the index of v in list, or −1.
func classIndex[T comparable](v T, list []T) float64 {
	for i, x := range list {
		if x == v {
			return float64(i)
		}
	}
	return -1
}

func particleTruthVector(im *render.Image) []float32 {
	t := im.Truth
	v := []float64{t.Re3DKpc, math.Log10(t.MstarMsun), t.SFRMsunYr, classIndex(t.Phase, sims.Phases),
		classIndex(t.MergerStage, sims.MergerStages), t.MassRatio, t.TToCoalescenceGyr, im.Redshift, im.Re2DMassKpc,
		im.View.Dir[0], im.View.Dir[1], im.View.Dir[2]}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// runMockParticles renders every snapshot of the render inputs on a grid
// matched to the detector (stamp_size pixels of pixel_scale_arcsec,
// oversampled) and observes each view in every photometric band.
func runMockParticles(ctx context.Context, cfg configs.Config, sh shard, workers int, hash string, stdout, stderr io.Writer) error {
	mc := cfg.Mock
	rc := cfg.Render
	rc.NPix, rc.Oversample = mc.StampSize, mc.Oversample
	rc.FovKpc, rc.FovArcsec = 0, float64(mc.StampSize)*mc.PixelScaleArcsec
	rc.Preview = false
	var bands []string
	for _, b := range rc.Bands {
		if !strings.EqualFold(b, render.MassBand) {
			bands = append(bands, strings.ToUpper(b))
		}
	}
	if len(bands) == 0 {
		return usageError{fmt.Errorf("mock.source = particles: render.bands %v has no photometric band", rc.Bands)}
	}
	rc.Bands = bands
	inputs, err := renderInputs(nil, cfg)
	if err != nil {
		return usageError{err}
	}
	lo, hi := sh.Range(len(inputs))
	mine := inputs[lo:hi]
	if len(mine) == 0 {
		return usageError{fmt.Errorf("mock: shard %d/%d of %d snapshots is empty", sh.I, sh.N, len(inputs))}
	}
	rd, err := render.NewRenderer(rc, cfg.Cosmology.FlatLCDM(), 1)
	if err != nil {
		return usageError{err}
	}
	obs := make([]*mock.Observer, len(bands))
	for b, name := range bands {
		if obs[b], err = mock.NewObserver(mc, name, mc.Oversample); err != nil {
			return usageError{err}
		}
	}
	// Real backgrounds: one cutout per view and band, the field and position
	// shared by the bands, seeded by the view (not the band or the worker).
	bgs, err := mock.LoadBackgrounds(mc, bands)
	if err != nil {
		return usageError{err}
	}
	zps := make([]float64, len(obs))
	for b, ob := range obs {
		zps[b] = ob.ZP
	}
	suffix := sh.Suffix()
	for _, d := range []string{cfg.Out, filepath.Join(cfg.Out, "shards")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	prov := []fits.Card{{Name: "ORIGIN", Value: "galforge " + galforgeVersion()}, {Name: "GFHASH", Value: hash, Comment: "config hash"},
		{Name: "GFSEED", Value: int64(cfg.Seed), Comment: "global seed"}, {Name: "SHARD", Value: fmt.Sprintf("%d/%d", sh.I, sh.N)}}
	writers := make([]*mock.StampWriter, len(bands))
	for b, ob := range obs {
		if writers[b], err = mock.NewStampWriter(filepath.Join(cfg.Out, "stamps_"+ob.Band.Name+suffix+".fits"), stampMeta(mc, ob.Exposure, ob.PSF, prov)); err != nil {
			return err
		}
		defer writers[b].Abort()
	}
	shardPath := filepath.Join(cfg.Out, "shards", "mock"+suffix+".gfs")
	truthCols := particleTruth
	if bgs != nil {
		truthCols = append(slices.Clone(particleTruth), mock.NeighbourTruthColumns...)
	}
	shw, err := createShard(shardPath, cfg, hash, bands, truthCols)
	if err != nil {
		return err
	}
	defer shw.Abort()
	fmt.Fprintf(stderr, "mock: %d snapshots (of %d; shard %d/%d) × views %s × bands %v, %d×%d at %.3g″/pix (render oversampled %d×), %d workers, out %s\n",
		len(mine), len(inputs), sh.I, sh.N, rc.Views, bands, mc.StampSize, mc.StampSize, mc.PixelScaleArcsec, mc.Oversample, workers, cfg.Out)
	if bgs != nil {
		fmt.Fprintf(stderr, "mock: real backgrounds: %d field(s) per band, %s cutout positions, neighbours flagged in %s\n",
			len(bgs.Images[0]), map[bool]string{true: "shared", false: "independent"}[bgs.Shared], bgs.Bands[bgs.Detect])
	}
	convs := make([][]*conv.Convolver, workers)
	for w := range convs {
		for _, ob := range obs {
			convs[w] = append(convs[w], ob.NewConvolver())
		}
	}
	type result struct {
		ims    []*render.Image
		stamps [][]*mock.Stamp // [view][band]
		err    error
	}
	detect := -1 // the band whose cutout flags neighbours in the catalogue
	if bgs != nil {
		detect = bgs.Detect
	}
	bar := progress.New(stderr, "mock", len(mine))
	var rows []renderRow
	var cuts []*mock.Cutout // per row: the detection band's cutout (nil: none)
	var preview []*mock.Stamp
	nstamps := 0
	results := make([]result, workers)
	opt := sims.ReadOptions{Subhalo: -1, Centre: rc.Centre, WithGas: rc.Dust.Enabled}
	for b0 := 0; b0 < len(mine); b0 += workers {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("mock: interrupted (nothing written; rerun): %w", err)
		}
		b1 := min(b0+workers, len(mine))
		parallel(context.Background(), b1-b0, workers, func(w int) {
			path := mine[b0+w]
			r := result{}
			defer func() { results[w] = r }()
			g, err := readerFor(path).Read(path, opt)
			if err != nil {
				r.err = err
				return
			}
			views, err := render.ParseViews(rc.Views, cfg.Seed, g.Truth.GalaxyID, g.Truth.Snapshot)
			if err != nil {
				r.err = err
				return
			}
			if r.ims, r.err = rd.Render(g, views); r.err != nil {
				return
			}
			for v, im := range r.ims {
				var sts []*mock.Stamp
				var vcuts []*mock.Cutout
				if bgs != nil {
					rng := sims.NewRand(cfg.Seed, uint64(g.Truth.GalaxyID), uint64(g.Truth.Snapshot), uint64(v), 'b')
					if vcuts, err = bgs.Cut(mc.StampSize, zps, rng); err != nil {
						r.err = fmt.Errorf("%s view %s: %w", path, im.View.Name, err)
						return
					}
				}
				for b, ob := range obs {
					var cut *mock.Cutout
					if vcuts != nil {
						cut = vcuts[b]
					}
					st, err := ob.ObserveIn(convs[w][b], im.Data[b], cut, cfg.Seed, uint64(g.Truth.GalaxyID), uint64(g.Truth.Snapshot), uint64(v), uint64(b))
					if err != nil {
						r.err = fmt.Errorf("%s view %s: %w", path, im.View.Name, err)
						return
					}
					sts = append(sts, st)
				}
				r.stamps = append(r.stamps, sts)
			}
		})
		for w := 0; w < b1-b0; w++ {
			r := results[w]
			if r.err != nil {
				return r.err
			}
			for v, im := range r.ims {
				// Global row: the same in a --shard run as in the single-machine run.
				row := int64((lo+b0+w)*len(r.ims) + v)
				img := make([]float32, 0, 2*len(bands)*mc.StampSize*mc.StampSize)
				for _, plane := range []int{0, 1} { // SCI, RMS; band-major within a plane
					for b := range bands {
						src := r.stamps[v][b].Sci
						if plane == 1 {
							src = r.stamps[v][b].RMS
						}
						for _, x := range src {
							img = append(img, float32(x))
						}
					}
				}
				for b := range bands {
					if err := writers[b].Add(r.stamps[v][b]); err != nil {
						return err
					}
				}
				truth := particleTruthVector(im)
				if detect >= 0 {
					truth = append(truth, mock.NeighbourTruth(r.stamps[v][detect].Cutout)...)
				}
				if err := shw.Append(shardfmt.Example{ID: im.Truth.GalaxyID, Snapshot: int32(im.Truth.Snapshot), View: int32(v),
					Row: row, Images: img, Truth: truth}); err != nil {
					return err
				}
				rows = append(rows, renderRow{file: fmt.Sprintf("row %d", row), im: im})
				if detect >= 0 {
					cuts = append(cuts, r.stamps[v][detect].Cutout)
				} else {
					cuts = append(cuts, nil)
				}
				if mc.Preview && len(preview) < 64 {
					preview = append(preview, r.stamps[v][len(bands)-1])
				}
				nstamps++
			}
			bar.Add(1)
		}
	}
	for _, w := range writers {
		if err := w.Close(); err != nil {
			return err
		}
	}
	if err := shw.Close(); err != nil {
		return err
	}
	tab := renderTable(rows)
	tab.Cols[0].Name = "stamp"
	detectBand := ""
	if bgs != nil {
		detectBand = bgs.Bands[bgs.Detect]
	}
	tab.Cols = append(tab.Cols, neighbourColumns(cuts, detectBand)...)
	base, err := finishMock(cfg, hash, suffix, tab, prov, preview)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d stamps × %d bands of %d snapshots: %s/stamps_<band>%s.fits, %s.csv, %s\n",
		nstamps, len(bands), len(mine), cfg.Out, suffix, base, shardPath)
	return nil
}

// neighbourColumns are the real-background columns of a particle catalogue,
// as analytic catalogues have them (mockCatalogue): has_neighbour,
// neighbour_dist_pix (from the stamp centre), neighbour_mag (AB) of the
// brightest source detected in the cutout of detectBand, then
// neighbour_band, the background file and the cutout's lower-left pixel in
// it (bg_x0, bg_y0; −1 without a background). cuts has one entry per row.
func neighbourColumns(cuts []*mock.Cutout, detectBand string) []table.Column {
	n := len(cuts)
	cols := []table.Column{
		{Name: "has_neighbour", Ints: make([]int64, n)},
		{Name: "neighbour_dist_pix", Unit: "pix", Floats: make([]float64, n)},
		{Name: "neighbour_mag", Unit: "mag", Floats: make([]float64, n)},
		{Name: "neighbour_band", Strings: make([]string, n)},
		{Name: "background", Strings: make([]string, n)},
		{Name: "bg_x0", Unit: "pix", Ints: make([]int64, n)},
		{Name: "bg_y0", Unit: "pix", Ints: make([]int64, n)},
	}
	for i, c := range cuts {
		has, dist, mag := c.Neighbour()
		file, x0, y0 := c.Origin()
		cols[0].Ints[i], cols[1].Floats[i], cols[2].Floats[i] = int64(has), dist, mag
		if file != "" {
			cols[3].Strings[i] = detectBand
		}
		cols[4].Strings[i], cols[5].Ints[i], cols[6].Ints[i] = file, int64(x0), int64(y0)
	}
	return cols
}
