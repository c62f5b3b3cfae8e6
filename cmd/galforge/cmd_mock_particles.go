package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/galforge/galforge/configs"
	"github.com/galforge/galforge/internal/fits"
	"github.com/galforge/galforge/internal/progress"
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
	shw, err := createShard(shardPath, cfg, hash, bands, particleTruth)
	if err != nil {
		return err
	}
	defer shw.Abort()
	fmt.Fprintf(stderr, "mock: %d snapshots (of %d; shard %d/%d) × views %s × bands %v, %d×%d at %.3g″/pix (render oversampled %d×), %d workers, out %s\n",
		len(mine), len(inputs), sh.I, sh.N, rc.Views, bands, mc.StampSize, mc.StampSize, mc.PixelScaleArcsec, mc.Oversample, workers, cfg.Out)
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
	bar := progress.New(stderr, "mock", len(mine))
	var rows []renderRow
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
				for b, ob := range obs {
					st, err := ob.Observe(convs[w][b], im.Data[b], cfg.Seed, uint64(g.Truth.GalaxyID), uint64(g.Truth.Snapshot), uint64(v), uint64(b))
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
				if err := shw.Append(shardfmt.Example{ID: im.Truth.GalaxyID, Snapshot: int32(im.Truth.Snapshot), View: int32(v),
					Row: row, Images: img, Truth: particleTruthVector(im)}); err != nil {
					return err
				}
				rows = append(rows, renderRow{file: fmt.Sprintf("row %d", row), im: im})
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
	base, err := finishMock(cfg, hash, suffix, tab, prov, preview)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d stamps × %d bands of %d snapshots: %s/stamps_<band>%s.fits, %s.csv, %s\n",
		nstamps, len(bands), len(mine), cfg.Out, suffix, base, shardPath)
	return nil
}
