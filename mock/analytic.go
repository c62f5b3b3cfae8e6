package mock

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/galforge/galforge/mock/noise"
	"github.com/galforge/galforge/mock/psf"
	"github.com/galforge/galforge/mock/sersic"
	"github.com/galforge/galforge/sims"
)

// Object is one analytic source: a Sérsic or a bulge+disc profile with its
// AB magnitude; positions in 1-indexed FITS pixel coordinates of the stamp.
type Object struct {
	Row    int
	ID     int64
	Mag    float64
	IsBD   bool
	Sersic sersic.Sersic
	BD     sersic.BulgeDisc
}

// Plan returns the analytic objects of cfg: the rows of the parameter table,
// or NObjects draws from the priors, each seeded by (seed, row) so any
// subset (a shard) draws the same values as the whole run. Fluxes are left
// for the Generator (they depend on the zero-point).
func Plan(cfg Config, seed uint64) ([]Object, error) {
	if cfg.Profile.Table != "" {
		return readTable(cfg.Profile.Table, cfg.Profile.Kind == "bulge+disc")
	}
	p := cfg.Profile
	var emp []EmpiricalGalaxy
	if p.Prior == "vanderwel" {
		var err error
		if emp, err = vanderwelCandidates(p); err != nil {
			return nil, err
		}
	}
	c := float64(cfg.StampSize)/2 + 0.5 // stamp centre in 1-indexed pixel coordinates
	out := make([]Object, cfg.NObjects)
	for i := range out {
		r := sims.NewRand(seed, uint64(i), 'p')
		u := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
		var mag, re, n, q float64
		if emp != nil {
			g := emp[r.IntN(len(emp))]
			mag, re, n, q = g.Mag, g.ReArcsec, g.N, g.Q
		} else {
			mag = u(p.MagMin, p.MagMax)
			re = math.Exp(u(math.Log(p.ReMinArcsec), math.Log(p.ReMaxArcsec)))
		}
		x0 := c + u(-p.CentreJitterPix, p.CentreJitterPix)
		y0 := c + u(-p.CentreJitterPix, p.CentreJitterPix)
		pa := u(0, 180)
		o := Object{Row: i, ID: int64(i), Mag: mag}
		if p.Kind == "bulge+disc" {
			bt := u(p.BTMin, p.BTMax)
			// Bulge: n = 4, smaller than the disc (Re ratio 0.2–1); disc n = 1.
			reb := re * u(0.2, 1)
			o.IsBD = true
			o.BD = sersic.BulgeDisc{BT: bt, BulgeReArcsec: reb, BulgeN: 4, BulgeQ: u(math.Max(p.QMin, 0.5), 1),
				DiscReArcsec: re, DiscN: 1, DiscQ: u(p.QMin, p.QMax), PADeg: pa, X0: x0, Y0: y0}
		} else {
			if emp == nil {
				n, q = u(p.NMin, p.NMax), u(p.QMin, p.QMax)
			}
			o.Sersic = sersic.Sersic{ReArcsec: re, N: n, Q: q, PADeg: pa, X0: x0, Y0: y0}
		}
		out[i] = o
	}
	return out, nil
}

// readTable reads a CSV parameter table with the columns of the GalSim peer
// truth tables. An optional "id" column gives object ids (default: row).
func readTable(path string, bd bool) ([]Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mock.profile.table: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("mock.profile.table %q: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	need := []string{"mag", "re_arcsec", "n", "q", "pa_deg", "x0", "y0"}
	if bd {
		need = []string{"mag", "bt", "n_bulge", "re_bulge_arcsec", "q_bulge", "n_disk", "re_disk_arcsec", "q_disk", "pa_deg", "x0", "y0"}
	}
	for _, n := range need {
		if _, ok := col[n]; !ok {
			return nil, fmt.Errorf("mock.profile.table %q: no column %q (need %v)", path, n, need)
		}
	}
	var out []Object
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("mock.profile.table %q: line %d: %w", path, line, err)
		}
		v := map[string]float64{}
		for _, n := range need {
			x, err := strconv.ParseFloat(strings.TrimSpace(rec[col[n]]), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("mock.profile.table %q: line %d: column %s = %q is not a finite number", path, line, n, rec[col[n]])
			}
			v[n] = x
		}
		o := Object{Row: len(out), ID: int64(len(out)), Mag: v["mag"]}
		if i, ok := col["id"]; ok {
			if id, err := strconv.ParseInt(strings.TrimSpace(rec[i]), 10, 64); err == nil {
				o.ID = id
			}
		}
		if bd {
			o.IsBD = true
			o.BD = sersic.BulgeDisc{BT: v["bt"], BulgeReArcsec: v["re_bulge_arcsec"], BulgeN: v["n_bulge"], BulgeQ: v["q_bulge"],
				DiscReArcsec: v["re_disk_arcsec"], DiscN: v["n_disk"], DiscQ: v["q_disk"], PADeg: v["pa_deg"], X0: v["x0"], Y0: v["y0"]}
			if err := o.BD.Validate(); err != nil {
				return nil, fmt.Errorf("mock.profile.table %q: line %d: %w", path, line, err)
			}
		} else {
			o.Sersic = sersic.Sersic{Flux: 1, ReArcsec: v["re_arcsec"], N: v["n"], Q: v["q"], PADeg: v["pa_deg"], X0: v["x0"], Y0: v["y0"]}
			if err := o.Sersic.Validate(); err != nil {
				return nil, fmt.Errorf("mock.profile.table %q: line %d: %w", path, line, err)
			}
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mock.profile.table %q: no rows", path)
	}
	return out, nil
}

// Generator makes observed stamps of analytic objects with one config.
type Generator struct {
	cfg Config
	Exposure
	// Backgrounds are the real images stamps are inserted into (may be empty).
	Backgrounds []*Background
	bgs         *BackgroundSet // nil: no background
	PSF         *psf.Image     // on the stamp pixel grid, sum 1
	// SersicPSF is PSF as the drawer uses it (with its origin), and
	// Convention what it holds: a fit that must reproduce the stamps'
	// model uses both.
	SersicPSF  *sersic.PSF
	Convention sersic.Convention
	proto      *sersic.Drawer
}

// NewGenerator loads the band, exposure and PSF of cfg.
func NewGenerator(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e, err := newExposure(cfg, cfg.Band)
	if err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, Exposure: e}
	if g.bgs, err = LoadBackgrounds(cfg, []string{e.Band.Name}); err != nil {
		return nil, err
	}
	if g.bgs != nil {
		g.Backgrounds = g.bgs.Images[0]
	}
	p := cfg.PSF
	if g.PSF, err = loadPSF(p, cfg.PixelScaleArcsec); err != nil {
		return nil, err
	}
	conv := sersic.Effective
	if p.Convention == "instrumental" {
		conv = sersic.Instrumental
	}
	// A prepared or analytic PSF is centred on its middle pixel; an
	// unprepared file PSF (a raw star stamp) is used about its light
	// centroid, as GalSim's InterpolatedImage re-centred on its centroid.
	sp := sersic.CentredPSF(g.PSF.Data, g.PSF.NX, g.PSF.NY)
	if p.Kind == "file" && !p.Prepare {
		sp = sersic.CentroidPSF(g.PSF.Data, g.PSF.NX, g.PSF.NY)
	}
	g.SersicPSF, g.Convention = sp, conv
	g.proto, err = sersic.NewDrawerPSF(cfg.StampSize, cfg.StampSize, cfg.PixelScaleArcsec, sp, conv)
	if err != nil {
		return nil, fmt.Errorf("mock.psf: %w", err)
	}
	return g, nil
}

// NewDrawer returns a drawer for one worker.
func (g *Generator) NewDrawer() *sersic.Drawer { return g.proto.Clone() }

// FluxEPerS returns the total count rate of an object of AB magnitude mag.
func (g *Generator) FluxEPerS(mag float64) float64 { return math.Pow(10, -0.4*(mag-g.ZP)) }

// Stamp draws object o with drawer d and, when noise is on, adds noise seeded
// by (seed, o.ID): the stamp depends only on the object, not on the worker.
func (g *Generator) Stamp(d *sersic.Drawer, o Object, seed uint64) (*Stamp, error) {
	n := g.cfg.StampSize
	st := &Stamp{Band: g.Band.Name, NX: n, NY: n, PixelScaleArcsec: g.cfg.PixelScaleArcsec, ExptimeS: g.ExptimeS,
		ZeroPointAB: g.ZP, PHOTFLAM: g.Band.PHOTFLAM, PHOTPLAM: g.Band.PHOTPLAM,
		Model: make([]float64, n*n), Sci: make([]float64, n*n), RMS: make([]float64, n*n)}
	flux := g.FluxEPerS(o.Mag)
	var err error
	if o.IsBD {
		bd := o.BD
		bd.Flux = flux
		err = d.DrawBulgeDiscTo(st.Model, bd)
	} else {
		s := o.Sersic
		s.Flux = flux
		err = d.DrawTo(st.Model, s)
	}
	if err != nil {
		return nil, fmt.Errorf("mock: object %d: %w", o.ID, err)
	}
	if g.bgs != nil {
		return st, g.insert(st, o, seed)
	}
	if !g.cfg.Noise.Enabled {
		copy(st.Sci, st.Model)
		return st, nil
	}
	rng := sims.NewRand(seed, uint64(o.ID), 'n')
	sky := g.Band.BackgroundEPerSPerPix()
	if c := g.cfg.Noise.Correlation; c > 0 {
		noise.AddCorrelatedTo(st.Sci, st.RMS, st.Model, n, n, sky, g.ExptimeS, g.Band.ReadNoiseE, g.NExp, noise.Correlated3(c), rng)
	} else {
		noise.AddTo(st.Sci, st.RMS, st.Model, sky, g.ExptimeS, g.Band.ReadNoiseE, g.NExp, rng)
	}
	return st, nil
}

// insert adds the source's Poisson noise (when noise is on) and a seeded
// cutout of a real background to st: Sci = source (+ its noise) + cutout,
// RMS² = source variance + cutout rms². The cutout is drawn from
// sims.NewRand(seed, o.ID, 'b'), the noise from (seed, o.ID, 'n').
func (g *Generator) insert(st *Stamp, o Object, seed uint64) error {
	cuts, err := g.bgs.Cut(g.cfg.StampSize, []float64{g.ZP}, sims.NewRand(seed, uint64(o.ID), 'b'))
	if err != nil {
		return err
	}
	return insertInto(st, cuts[0], g.cfg.Noise.Enabled, g.ExptimeS, g.NExp, sims.NewRand(seed, uint64(o.ID), 'n'))
}
