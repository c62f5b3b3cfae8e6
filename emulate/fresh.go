package emulate

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"

	"github.com/galforge/galforge/mock"
	"github.com/galforge/galforge/mock/sersic"
)

// Fresh draws new training stamps from an analytic mock's priors, so that
// every epoch after the first trains on stamps never seen before (train.fresh):
// new galaxies, new noise. Epoch 1 trains on the shards' training split as
// usual; validation and test always come from the shards.
//
// Drawing is cheap next to a training step (the default DeepLeGATo mock makes
// about 1,650 stamps/s on 2 cores, training takes 100–120), and a network that
// sees each stamp once cannot memorise noise: predicting its own training
// stamps, the 18-epoch DeepLeGATo network's PA RMS at mag 22.8–24 was 8.6°
// against 16.9° on held-out stamps.
type Fresh struct {
	cfg     mock.Config
	seed    uint64
	hash    string // the mock section's hash (configs.Config.MockHash), or ""
	gen     *mock.Generator
	drawers chan *sersic.Drawer
}

// NewFresh prepares drawing fresh stamps with the mock config cfg and the
// run's seed; mockHash, when not empty, is the hash the shards must have
// been made with (their provenance's config hash). Only analytic priors can
// be drawn again (see CheckFresh).
func NewFresh(cfg mock.Config, seed uint64, mockHash string) (*Fresh, error) {
	if err := CheckFresh(cfg); err != nil {
		return nil, err
	}
	g, err := mock.NewGenerator(cfg)
	if err != nil {
		return nil, fmt.Errorf("train.fresh: %w", err)
	}
	return &Fresh{cfg: cfg, seed: seed, hash: mockHash, gen: g, drawers: make(chan *sersic.Drawer, maxStreamWorkers)}, nil
}

// CheckFresh reports whether stamps of the mock config cfg can be drawn
// anew: only from analytic priors, not from a parameter table or particle
// snapshots. It reads no file.
func CheckFresh(cfg mock.Config) error {
	if cfg.Source == "particles" {
		return fmt.Errorf("train.fresh: needs analytic stamps, and mock.source is %q (snapshots cannot be drawn anew)", cfg.Source)
	}
	if cfg.Profile.Table != "" {
		return fmt.Errorf("train.fresh: needs priors to draw from, and mock.profile.table (%s) is a fixed list", cfg.Profile.Table)
	}
	return nil
}

// check reports how the shards of d differ from the stamps f draws.
func (f *Fresh) check(d *Data) error {
	h := d.Header
	switch {
	case h.StampSize != f.cfg.StampSize:
		return fmt.Errorf("train.fresh: the shards' stamps are %d pixels, mock.stamp_size is %d", h.StampSize, f.cfg.StampSize)
	case len(h.Bands) != 1 || !strings.EqualFold(h.Bands[0], f.gen.Band.Name):
		return fmt.Errorf("train.fresh: the shards' bands are %v, mock.band is %s", h.Bands, f.gen.Band.Name)
	case d.rms < 0:
		return fmt.Errorf("train.fresh: the shards have no RMS plane, and fresh stamps have one")
	}
	if ps := pixelScaleOf(h); ps > 0 && math.Abs(ps-f.cfg.PixelScaleArcsec) > 1e-9*ps {
		return fmt.Errorf("train.fresh: the shards' pixels are %g″, mock.pixel_scale_arcsec is %g″", ps, f.cfg.PixelScaleArcsec)
	}
	if got := h.Provenance.ConfigHash; f.hash != "" && got != "" && got != f.hash {
		return fmt.Errorf("train.fresh: the shards were made with mock config hash %s, the config's is %s: fresh stamps would come from other priors, PSF or noise (rerun galforge mock, or train without train.fresh)", got, f.hash)
	}
	if want := f.gen.ShardTruthColumns(); !slices.Equal(h.Truth, want) {
		return fmt.Errorf("train.fresh: the shards' truth columns %v are not those of mock's stamps %v: were they made with another mock section?", h.Truth, want)
	}
	return nil
}

// freshSeed is the seed of epoch's draws: distinct from the run's seed,
// which drew the shards, and from every other epoch's.
func freshSeed(seed uint64, epoch int) uint64 { return epochSeed(seed, epoch) ^ 0x6672657368 }

// freshBlock is the number of stamps drawn per job.
const freshBlock = 64

// stream yields n new training examples for epoch, preprocessed with prep and
// each turned by a random member of aug, as Data.Stream does for shards. The
// objects are mock.Plan's draws with freshSeed(seed, epoch) in place of the
// run's seed (ids 0…n−1), so the stream depends only on the seed and the
// epoch, not on the number of workers. It stops at the first error, which
// it returns through errp.
func (f *Fresh) stream(ctx context.Context, epoch, n int, aug AugmentGroup, prep Preprocessing, errp *error) iter.Seq[Example] {
	return func(yield func(Example) bool) {
		syms, err := streamSymmetries(aug)
		if err != nil {
			*errp = err
			return
		}
		seed := freshSeed(f.seed, epoch)
		cfg := f.cfg
		cfg.NObjects = n
		objs, err := mock.Plan(cfg, seed)
		if err != nil {
			*errp = fmt.Errorf("train.fresh: %w", err)
			return
		}
		var blocks [][]mock.Object
		for lo := 0; lo < len(objs); lo += freshBlock {
			blocks = append(blocks, objs[lo:min(lo+freshBlock, len(objs))])
		}
		S := f.cfg.StampSize
		np := S * S
		nc := prep.Planes()
		draw := func(block []mock.Object) ([]Example, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var dr *sersic.Drawer
			select {
			case dr = <-f.drawers:
			default:
				dr = f.gen.NewDrawer()
			}
			defer func() {
				select {
				case f.drawers <- dr:
				default:
				}
			}()
			sci, rms := make([]float32, np), make([]float32, np)
			var scratch []float32
			out := make([]Example, len(block))
			for i, o := range block {
				st, err := f.gen.Stamp(dr, o, seed)
				if err != nil {
					return nil, fmt.Errorf("train.fresh: epoch %d: %w", epoch, err)
				}
				for k := range np {
					sci[k], rms[k] = float32(st.Sci[k]), float32(st.RMS[k])
				}
				in := make([]float32, nc*np)
				scratch = Preprocess(in, sci, rms, S, 1, prep, scratch)
				e := Example{Input: in, Meta: Meta{ID: o.ID, Row: int64(o.Row), Truth: f.gen.ShardTruth(o, st)}}
				e.augment(syms, seed, S, nc)
				out[i] = e
			}
			return out, nil
		}
		for exs, err := range orderedMap(blocks, streamWorkers(), draw) {
			if err != nil {
				*errp = err
				return
			}
			for _, e := range exs {
				if !yield(e) {
					return
				}
			}
		}
	}
}
