package render

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/render/sph"
	"github.com/galforge/galforge/render/sps"
	"github.com/galforge/galforge/sims"
)

// Renderer renders galaxies with one config. It caches the stellar
// population model and one photometry table per redshift; it is safe for
// concurrent use.
type Renderer struct {
	cfg     Config
	cosmo   cosmo.FlatLCDM
	workers int
	bands   []string // as configured, canonical case
	phot    []int    // index into filters for each band, −1 for mass
	filters []sps.Filter
	ssp     *sps.SSP
	kernel  sph.Kernel

	mu     sync.Mutex
	tables map[float64]*sps.PhotTable
}

// NewRenderer validates cfg and loads the stellar population model (only
// when a photometric band is asked for). workers is the number of goroutines
// of each projection (≤ 0: 1).
func NewRenderer(cfg Config, c cosmo.FlatLCDM, workers int) (*Renderer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	r := &Renderer{cfg: cfg, cosmo: c, workers: max(workers, 1), tables: map[float64]*sps.PhotTable{}}
	switch cfg.Smoothing.Kernel {
	case "wendland2":
		r.kernel = sph.WendlandC2
	default:
		r.kernel = sph.CubicSpline
	}
	for _, b := range cfg.Bands {
		if strings.EqualFold(b, MassBand) {
			r.bands = append(r.bands, MassBand)
			r.phot = append(r.phot, -1)
			continue
		}
		f, err := sps.FilterByName(b)
		if err != nil {
			return nil, fmt.Errorf("render.bands: %w", err)
		}
		r.bands = append(r.bands, strings.ToUpper(b))
		r.phot = append(r.phot, len(r.filters))
		r.filters = append(r.filters, f)
	}
	if len(r.filters) > 0 {
		var err error
		switch {
		case cfg.SPS.Model == "miuscat":
			r.ssp, err = sps.ReadMIUSCAT(cfg.SPS.Path)
		case cfg.SPS.Path != "":
			files := []string{cfg.SPS.Path}
			if st, serr := os.Stat(cfg.SPS.Path); serr == nil && st.IsDir() {
				files, _ = filepath.Glob(filepath.Join(cfg.SPS.Path, "*.ised"))
				if len(files) == 0 {
					return nil, fmt.Errorf("render.sps.path: no BC03 .ised files in %q", cfg.SPS.Path)
				}
			}
			r.ssp, err = sps.ReadBC03(files...)
		default:
			r.ssp, err = sps.DefaultBC03()
		}
		if err != nil {
			return nil, fmt.Errorf("render.sps: %w", err)
		}
	}
	return r, nil
}

// Bands returns the band names in plane order.
func (r *Renderer) Bands() []string { return r.bands }

// table returns the photometry table at redshift z (cached).
func (r *Renderer) table(z float64) (*sps.PhotTable, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.tables[z]; ok {
		return t, nil
	}
	t, err := sps.NewPhotTable(r.ssp, r.filters, z, r.cosmo, r.cfg.SPS.IGM)
	if err != nil {
		return nil, err
	}
	r.tables[z] = t
	return t, nil
}

// Redshift returns the redshift at which g is rendered.
func (r *Renderer) Redshift(g *sims.Galaxy) (float64, error) {
	z := r.cfg.Redshift
	if z < 0 {
		z = g.Redshift
	}
	if !(z > 0) {
		return 0, fmt.Errorf("render: %s: redshift %v ≤ 0: set render.redshift (or --redshift) to place the galaxy at a distance", g.Source, z)
	}
	return z, nil
}

// Prepare aligns g face-on when configured and possible (galaxies arrive
// centred), and returns the galaxy to render, its smoothing lengths (kpc) and
// whether it was aligned: a snapshot without velocities keeps its own axes.
func (r *Renderer) Prepare(g *sims.Galaxy) (_ *sims.Galaxy, _ []float64, aligned bool, _ error) {
	if g.Stars.Len() == 0 {
		return nil, nil, false, errors.New("render: galaxy has no stars")
	}
	if r.cfg.Align == "faceon" {
		rad := r.cfg.AlignRadiusKpc
		if rad == 0 {
			re := g.Truth.Re3DKpc
			if !(re > 0) {
				re, _ = sims.HalfMassRadius(g.Stars.PosKpc, g.Stars.MassMsun, [3]float64{}, math.Inf(1))
			}
			rad = 3 * re
		}
		rot, err := FaceOnRotation(g, rad)
		switch {
		case errors.Is(err, ErrNoVelocities):
			// Real snapshots may carry no velocities (the CAMELS subset):
			// keep the snapshot's axes; images say ALIGNED = F.
		case err != nil:
			return nil, nil, false, fmt.Errorf("render: %s: %w", g.Source, err)
		default:
			g = Rotated(g, rot)
			aligned = true
		}
	}
	h, err := r.smoothing(g)
	if err != nil {
		return nil, nil, false, err
	}
	return g, h, aligned, nil
}

// smoothing returns the smoothing length of every star, kpc.
func (r *Renderer) smoothing(g *sims.Galaxy) ([]float64, error) {
	s := r.cfg.Smoothing
	n := g.Stars.Len()
	method := s.Method
	if method == "auto" {
		method = "knn"
		if len(g.Stars.HsmlKpc) == n {
			method = "snapshot"
		}
	}
	var h []float64
	switch method {
	case "snapshot":
		if len(g.Stars.HsmlKpc) != n {
			return nil, fmt.Errorf("render: %s: render.smoothing.method = snapshot but the snapshot has no stellar smoothing lengths", g.Source)
		}
		h = append([]float64(nil), g.Stars.HsmlKpc...)
	case "knn":
		h = sph.SmoothingLengths(g.Stars.PosKpc, s.K, s.FloorKpc, r.workers)
	case "fixed":
		h = make([]float64, n)
		for i := range h {
			h[i] = s.FixedKpc
		}
	}
	for i := range h {
		h[i] = math.Max(h[i], s.FloorKpc)
	}
	return h, nil
}

// Render renders g (centred on the origin) for every view.
func (r *Renderer) Render(g *sims.Galaxy, views []View) ([]*Image, error) {
	z, err := r.Redshift(g)
	if err != nil {
		return nil, err
	}
	g, h, aligned, err := r.Prepare(g)
	if err != nil {
		return nil, err
	}
	ims, err := r.RenderPrepared(g, h, z, views)
	for _, im := range ims {
		im.Aligned = aligned
	}
	return ims, err
}

// IntrinsicTotals returns, per band, the total of the particles' weights at
// redshift z before dust: stellar mass in M☉ for the mass band, flux density
// in µJy for photometric bands.
func (r *Renderer) IntrinsicTotals(g *sims.Galaxy, z float64) ([]float64, error) {
	w, err := r.weights(g, z)
	if err != nil {
		return nil, err
	}
	nb := len(r.bands)
	tot := make([]float64, nb)
	for i := 0; i < len(w); i += nb {
		for b := 0; b < nb; b++ {
			tot[b] += w[i+b]
		}
	}
	return tot, nil
}

// weights returns each star's weight per band (n×nb, star-major): M☉ for
// mass, initial mass × SSP flux per unit initial mass (µJy) for light.
func (r *Renderer) weights(g *sims.Galaxy, z float64) ([]float64, error) {
	s := &g.Stars
	n := s.Len()
	nb := len(r.bands)
	w := make([]float64, n*nb)
	var tab *sps.PhotTable
	if len(r.filters) > 0 {
		var err error
		if tab, err = r.table(z); err != nil {
			return nil, fmt.Errorf("render: %s: %w", g.Source, err)
		}
	}
	fl := make([]float64, len(r.filters))
	for i := 0; i < n; i++ {
		if tab != nil {
			tab.FluxesTo(fl, s.AgeGyr[i], s.Metallicity[i])
		}
		for b, pi := range r.phot {
			if pi < 0 {
				w[i*nb+b] = s.MassMsun[i]
			} else {
				w[i*nb+b] = s.InitialMassMsun[i] * fl[pi]
			}
		}
	}
	return w, nil
}

// RenderPrepared renders a galaxy already aligned, with smoothing lengths h
// (kpc), at redshift z, for every view.
func (r *Renderer) RenderPrepared(g *sims.Galaxy, h []float64, z float64, views []View) ([]*Image, error) {
	s := &g.Stars
	n := s.Len()
	nb := len(r.bands)
	if len(h) != n {
		return nil, fmt.Errorf("render: %d smoothing lengths for %d stars", len(h), n)
	}
	w, err := r.weights(g, z)
	if err != nil {
		return nil, err
	}
	fov := r.cfg.FovKpc
	kpcPerArcsec := r.cosmo.KpcPerArcsec(z)
	if fov == 0 {
		fov = r.cfg.FovArcsec * kpcPerArcsec
	}
	npix := r.cfg.NPix * r.cfg.Oversample
	pix := fov / float64(npix)
	grid := sph.Grid{NX: npix, NY: npix, X0: -fov / 2, Y0: -fov / 2, Pix: pix}

	var dm *dustModel
	if r.cfg.Dust.Enabled {
		useGas := r.cfg.Dust.Column == "gas" || (r.cfg.Dust.Column == "auto" && g.Gas.Len() > 0)
		if useGas && g.Gas.Len() == 0 {
			return nil, fmt.Errorf("render: %s: render.dust.column = gas but the snapshot has no gas", g.Source)
		}
		dm = &dustModel{cfg: r.cfg.Dust, useGas: useGas, restAA: make([]float64, nb)}
		for b, pi := range r.phot {
			if pi >= 0 {
				dm.restAA[b] = r.filters[pi].PivotAA() / (1 + z)
			}
		}
	}

	x := make([]float64, n)
	y := make([]float64, n)
	d := make([]float64, n)
	p2 := make([][3]float64, n)
	wv := w
	if dm != nil {
		wv = make([]float64, len(w))
	}
	out := make([]*Image, 0, len(views))
	for _, v := range views {
		for i, p := range s.PosKpc {
			x[i], y[i], d[i] = v.Project(p)
			p2[i] = [3]float64{x[i], y[i], 0}
		}
		if dm != nil {
			tau := dm.tauV(g, v, fov, min(npix, 128), x, y, d)
			for i := 0; i < n; i++ {
				for b := 0; b < nb; b++ {
					wv[i*nb+b] = w[i*nb+b] * dm.transmission(b, tau[i], s.AgeGyr[i])
				}
			}
		}
		planes := make([][]float64, nb)
		for b := range planes {
			planes[b] = make([]float64, npix*npix)
		}
		sph.ProjectTo(planes, grid, x, y, h, wv, r.kernel, r.workers)
		re2d, _ := sims.HalfMassRadius(p2, s.MassMsun, [3]float64{}, math.Inf(1))
		var inField float64
		for i := 0; i < n; i++ {
			if math.Abs(x[i]) < fov/2 && math.Abs(y[i]) < fov/2 {
				inField += s.MassMsun[i]
			}
		}
		im := &Image{
			Bands: r.bands, Data: planes, NX: npix, NY: npix, PixKpc: pix, PixArcsec: pix / kpcPerArcsec,
			Oversample: r.cfg.Oversample, View: v, Redshift: z, LumDistMpc: r.cosmo.LuminosityDistanceMpc(z),
			Re2DMassKpc: re2d, MassInFieldMsun: inField, Truth: g.Truth, Source: g.Source,
		}
		for _, pi := range r.phot {
			if pi < 0 {
				im.Units = append(im.Units, "solMass")
			} else {
				im.Units = append(im.Units, "uJy")
			}
		}
		out = append(out, im)
	}
	return out, nil
}
