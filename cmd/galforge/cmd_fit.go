package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"codeberg.org/astrogo/fitsio"
	"github.com/spf13/cobra"

	"github.com/galforge/galforge/configs"
	"github.com/galforge/galforge/emulate/fit"
	"github.com/galforge/galforge/internal/atomic"
	"github.com/galforge/galforge/internal/progress"
	"github.com/galforge/galforge/internal/table"
	"github.com/galforge/galforge/mock"
)

type fitOptions struct {
	cf      configFlags
	stamps  string
	out     string
	model   string
	workers int
}

func newFitCommand() *cobra.Command {
	var o fitOptions
	cmd := &cobra.Command{
		Use:   "fit -c FILE [--stamps FILE.fits] [--out FILE.csv] [--model sersic|bd] [--workers N]",
		Short: "Fit PSF-convolved Sérsic (or bulge+disc) models to mock stamps: the GALFIT-style baseline",
		Long: `fit fits every stamp of a mock stamps file (extensions SCI and RMS, as galforge mock writes
them) with a PSF-convolved Sérsic profile (--model sersic: mag, re_arcsec, n, q, pa_deg, x0, y0)
or a bulge+disc (--model bd: n = 4 bulge plus exponential disc sharing centre and PA), by
Levenberg–Marquardt on χ² = Σ((SCI − model)/RMS)². The model is drawn as mock draws it: the
PSF of the config's mock.psf section (checked against the file's PSF extension), the zero
point and pixel scale of the file's ZEROPNT and PIXSCALE cards (checked against the config).
It writes a CSV with, per stamp, the catalogue id and row, each parameter and its 1σ error
(<name>_err), chi2, chi2nu, converged, the number of iterations, the status and the wall time,
and beside it FILE.csv.json with the config hash, seed, version and inputs.
--stamps defaults to OUT/stamps.fits (OUT: the config's out), --out to the stamps file's
name with .fit-<model>.csv for .fits. Ids and rows come from the mock catalogue beside the
stamps file (catalog*.csv) when there is one, else the row is the plane index.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFit(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.cf.register(cmd)
	cmd.Flags().StringVar(&o.stamps, "stamps", "", "mock stamps FITS file (default OUT/stamps.fits)")
	cmd.Flags().StringVar(&o.out, "out", "", "output CSV (default: the stamps file with .fit-<model>.csv)")
	cmd.Flags().StringVar(&o.model, "model", "sersic", "profile to fit: sersic or bd (bulge+disc)")
	cmd.Flags().IntVar(&o.workers, "workers", -1, "parallel workers (overrides the config's workers; 0 = one per core)")
	return cmd
}

// stampsFile is what fit reads from a mock stamps file.
type stampsFile struct {
	path             string
	nx, ny, n        int
	sci, rms         []float32 // n planes of nx·ny
	band             string
	zp, scale        float64
	psf              []float64 // the PSF extension (nil: none)
	psfNX, psfNY     int
	hash             string // GFHASH of the primary header ("" if none)
	catIDs, catRows  []int64
	catalogue        string
	catalogueProblem string
}

func runFit(ctx context.Context, o fitOptions, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := o.cf.load()
	if err != nil {
		return err
	}
	model, err := fit.ParseModel(o.model)
	if err != nil {
		return usageError{fmt.Errorf("--model: %w", err)}
	}
	if o.stamps == "" {
		o.stamps = filepath.Join(cfg.Out, "stamps.fits")
	}
	if o.out == "" {
		o.out = strings.TrimSuffix(o.stamps, ".fits") + ".fit-" + model.String() + ".csv"
	}
	workers := cfg.Workers
	if o.workers >= 0 {
		workers = o.workers
	}
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	sf, err := readStampsFile(o.stamps)
	if err != nil {
		return usageError{err}
	}
	opt, err := fitOptionsFor(cfg, sf)
	if err != nil {
		return usageError{err}
	}
	opt.Model = model
	if sf.hash != "" && sf.hash != cfg.MockHash() {
		fmt.Fprintf(stderr, "fit: warning: %s was made with config hash %s, the config's is %s (a different mock section or seed)\n",
			sf.path, sf.hash, cfg.MockHash())
	}
	if sf.catalogueProblem != "" {
		fmt.Fprintf(stderr, "fit: warning: %s; ids are plane indices\n", sf.catalogueProblem)
	}
	f, err := fit.NewFitter(sf.nx, opt)
	if err != nil {
		return usageError{fmt.Errorf("fit: %s: %w", sf.path, err)}
	}
	ims := make([]fit.Image, sf.n)
	np := sf.nx * sf.ny
	for k := range ims {
		ims[k] = fit.Image{Sci: sf.sci[k*np : (k+1)*np], RMS: sf.rms[k*np : (k+1)*np]}
	}
	fmt.Fprintf(stderr, "fit: %d %d×%d stamps of %s (%s at %.3g″/pix, ZP %.3f), model %s, %d workers, out %s\n",
		sf.n, sf.nx, sf.ny, sf.path, sf.band, sf.scale, sf.zp, model, workers, o.out)
	bar := progress.New(stderr, "fit", sf.n)
	start := time.Now()
	res, err := f.All(ctx, ims, workers, func(_, _ int) { bar.Add(1) })
	if err != nil {
		return fmt.Errorf("fit: interrupted (nothing written; rerun): %w", err)
	}
	wall := time.Since(start)
	tab, nconv := fitTable(model, sf, res)
	if err := tab.WriteCSV(o.out); err != nil {
		return err
	}
	side := map[string]any{
		"galforge_version": galforgeVersion(), "config": o.cf.file, "config_hash": cfg.MockHash(), "seed": cfg.Seed,
		"stamps": sf.path, "stamps_config_hash": sf.hash, "catalogue": sf.catalogue, "model": model.String(),
		"n_stamps": sf.n, "n_converged": nconv, "workers": workers, "wall_s": wall.Seconds(),
		"zeropoint_ab": sf.zp, "pixel_scale_arcsec": sf.scale, "psf": cfg.Mock.PSF,
	}
	b, err := json.MarshalIndent(side, "", "  ")
	if err != nil {
		return err
	}
	if err := atomic.WriteBytes(o.out+".json", append(b, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fit: %d stamps (%d converged) in %.1f s, %.0f ms per stamp per worker: %s\n",
		sf.n, nconv, wall.Seconds(), 1e3*wall.Seconds()*float64(workers)/float64(sf.n), o.out)
	return nil
}

// fitOptionsFor builds the fit options that draw as mock drew sf: the PSF of
// the config's mock.psf section for sf's band (mock.psf.files, else
// kind/file) with the origin and convention of mock's drawer, and the zero
// point and pixel scale of sf's cards, which must agree with the config.
func fitOptionsFor(cfg configs.Config, sf *stampsFile) (fit.Options, error) {
	mc := cfg.Mock
	if mc.Source == "analytic" && !strings.EqualFold(mc.Band, sf.band) {
		return fit.Options{}, fmt.Errorf("fit: %s: card FILTER = %s, but the config's mock.band = %s", sf.path, sf.band, mc.Band)
	}
	// The PSF does not depend on the backgrounds; particle mocks write one
	// stamps file per band.
	mc.Background = mock.BackgroundConfig{}
	mc.Band = sf.band
	if f, ok := mc.PSF.FileFor(sf.band); ok {
		mc.PSF.Kind, mc.PSF.File = "file", f
	}
	if mc.StampSize != sf.nx || sf.nx != sf.ny {
		return fit.Options{}, fmt.Errorf("fit: %s: stamps are %d×%d (NAXIS1, NAXIS2 of SCI), but the config's mock.stamp_size = %d",
			sf.path, sf.nx, sf.ny, mc.StampSize)
	}
	if math.Abs(sf.scale-mc.PixelScaleArcsec) > 1e-6*mc.PixelScaleArcsec {
		return fit.Options{}, fmt.Errorf("fit: %s: card PIXSCALE = %v arcsec, but the config's mock.pixel_scale_arcsec = %v",
			sf.path, sf.scale, mc.PixelScaleArcsec)
	}
	gen, err := mock.NewGenerator(mc)
	if err != nil {
		return fit.Options{}, fmt.Errorf("fit: the config's mock section for band %s: %w", sf.band, err)
	}
	if math.Abs(sf.zp-gen.ZP) > 1e-6 {
		return fit.Options{}, fmt.Errorf("fit: %s: card ZEROPNT = %v, but the config gives %v for %s (mock.zeropoint_ab or the band's)",
			sf.path, sf.zp, gen.ZP, sf.band)
	}
	p := gen.PSF
	if sf.psf != nil {
		if sf.psfNX != p.NX || sf.psfNY != p.NY {
			return fit.Options{}, fmt.Errorf("fit: %s: extension PSF is %d×%d, but the config's mock.psf gives %d×%d",
				sf.path, sf.psfNX, sf.psfNY, p.NX, p.NY)
		}
		var peak, worst float64
		for i, v := range p.Data {
			peak = math.Max(peak, math.Abs(v))
			worst = math.Max(worst, math.Abs(v-sf.psf[i]))
		}
		// The extension holds the same PSF as float32: ~6e-8 of the peak.
		if worst > 1e-5*peak {
			return fit.Options{}, fmt.Errorf("fit: %s: extension PSF differs from the config's mock.psf by %.2g of its peak", sf.path, worst/peak)
		}
	}
	// The PSF with the origin and convention mock's drawer uses.
	return fit.Options{PixelScaleArcsec: sf.scale, ZeroPointAB: sf.zp, PSF: gen.SersicPSF, Convention: gen.Convention}, nil
}

// readStampsFile reads a mock stamps file: SCI and RMS cubes with FILTER,
// ZEROPNT and PIXSCALE cards, the PSF extension when present, GFHASH of the
// primary header, and the ids and rows of the catalogue beside it.
func readStampsFile(path string) (sf *stampsFile, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fit: --stamps: %w", err)
	}
	defer fh.Close()
	defer func() { // fitsio panics on malformed input
		if r := recover(); r != nil {
			sf, err = nil, fmt.Errorf("fit: %s: malformed FITS: %v", path, r)
		}
	}()
	f, err := fitsio.Open(bufio.NewReaderSize(fh, 1<<20)) // fitsio keeps each extension's raw data: one copy of the file
	if err != nil {
		return nil, fmt.Errorf("fit: %s: not a FITS file: %w", path, err)
	}
	defer f.Close()
	sf = &stampsFile{path: path}
	if c := f.HDU(0).Header().Get("GFHASH"); c != nil {
		sf.hash, _ = c.Value.(string)
	}
	cube := func(ext string) ([]float32, []int, *fitsio.Header, error) {
		if !f.Has(ext) {
			return nil, nil, nil, fmt.Errorf("fit: %s: no %s extension (is it a galforge mock stamps file?)", path, ext)
		}
		img, ok := f.Get(ext).(fitsio.Image)
		if !ok {
			return nil, nil, nil, fmt.Errorf("fit: %s: extension %s is not an image", path, ext)
		}
		h := img.Header()
		axes := h.Axes()
		if h.Bitpix() != -32 || len(axes) < 2 || len(axes) > 3 {
			return nil, nil, nil, fmt.Errorf("fit: %s: extension %s: BITPIX %d, axes %v; want float32 images or cubes", path, ext, h.Bitpix(), axes)
		}
		n := 1
		for _, a := range axes {
			n *= a
		}
		data := make([]float32, n)
		if err := img.Read(&data); err != nil {
			return nil, nil, nil, fmt.Errorf("fit: %s: extension %s: %w", path, ext, err)
		}
		if len(axes) == 2 {
			axes = append(axes, 1)
		}
		return data, axes, h, nil
	}
	sci, ax, h, err := cube("SCI")
	if err != nil {
		return nil, err
	}
	rms, rax, _, err := cube("RMS")
	if err != nil {
		return nil, err
	}
	if ax[0] != rax[0] || ax[1] != rax[1] || ax[2] != rax[2] {
		return nil, fmt.Errorf("fit: %s: SCI has axes %v, RMS %v", path, ax, rax)
	}
	sf.sci, sf.rms, sf.nx, sf.ny, sf.n = sci, rms, ax[0], ax[1], ax[2]
	num := func(card string) (float64, error) {
		c := h.Get(card)
		if c == nil {
			return 0, fmt.Errorf("fit: %s: extension SCI has no %s card", path, card)
		}
		switch v := c.Value.(type) {
		case float64:
			return v, nil
		case int:
			return float64(v), nil
		case int64:
			return float64(v), nil
		}
		return 0, fmt.Errorf("fit: %s: card %s = %v is not a number", path, card, c.Value)
	}
	if sf.zp, err = num("ZEROPNT"); err != nil {
		return nil, err
	}
	if sf.scale, err = num("PIXSCALE"); err != nil {
		return nil, err
	}
	if !(sf.scale > 0) || math.IsInf(sf.scale, 0) || math.IsNaN(sf.zp) || math.IsInf(sf.zp, 0) {
		return nil, fmt.Errorf("fit: %s: cards ZEROPNT = %v, PIXSCALE = %v: want a finite zero point and a positive scale", path, sf.zp, sf.scale)
	}
	c := h.Get("FILTER")
	if c == nil {
		return nil, fmt.Errorf("fit: %s: extension SCI has no FILTER card", path)
	}
	if sf.band, _ = c.Value.(string); strings.TrimSpace(sf.band) == "" {
		return nil, fmt.Errorf("fit: %s: card FILTER = %v is not a band name", path, c.Value)
	}
	sf.band = strings.TrimSpace(sf.band)
	if f.Has("PSF") {
		p, pax, _, err := cube("PSF")
		if err != nil {
			return nil, err
		}
		sf.psfNX, sf.psfNY = pax[0], pax[1]
		sf.psf = make([]float64, len(p))
		for i, v := range p {
			sf.psf[i] = float64(v)
		}
	}
	sf.readCatalogue()
	return sf, nil
}

// readCatalogue finds the mock catalogue beside the stamps file
// (stamps[_BAND][.shard-…].fits → catalog[.shard-…].csv) and takes its id
// (or galaxy_id) and row columns when it has one row per stamp.
func (sf *stampsFile) readCatalogue() {
	base := filepath.Base(sf.path)
	if !strings.HasPrefix(base, "stamps") || !strings.HasSuffix(base, ".fits") {
		return
	}
	rest := strings.TrimSuffix(strings.TrimPrefix(base, "stamps"), ".fits")
	if strings.HasPrefix(rest, "_") { // particle mocks: stamps_<band>
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			rest = rest[i:]
		} else {
			rest = ""
		}
	}
	path := filepath.Join(filepath.Dir(sf.path), "catalog"+rest+".csv")
	fh, err := os.Open(path)
	if err != nil {
		return
	}
	defer fh.Close()
	r := csv.NewReader(bufio.NewReader(fh))
	head, err := r.Read()
	if err != nil {
		sf.catalogueProblem = fmt.Sprintf("catalogue %s: %v", path, err)
		return
	}
	idc, rowc := -1, -1
	for i, h := range head {
		switch h {
		case "id", "galaxy_id":
			if idc < 0 || h == "id" {
				idc = i
			}
		case "row":
			rowc = i
		}
	}
	if idc < 0 {
		sf.catalogueProblem = fmt.Sprintf("catalogue %s has no id column", path)
		return
	}
	var ids, rows []int64
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			sf.catalogueProblem = fmt.Sprintf("catalogue %s: %v", path, err)
			return
		}
		id, err := strconv.ParseInt(rec[idc], 10, 64)
		if err != nil {
			sf.catalogueProblem = fmt.Sprintf("catalogue %s: id %q is not an integer", path, rec[idc])
			return
		}
		row := int64(len(rows))
		if rowc >= 0 {
			if row, err = strconv.ParseInt(rec[rowc], 10, 64); err != nil {
				sf.catalogueProblem = fmt.Sprintf("catalogue %s: row %q is not an integer", path, rec[rowc])
				return
			}
		}
		ids, rows = append(ids, id), append(rows, row)
	}
	if len(ids) != sf.n {
		sf.catalogueProblem = fmt.Sprintf("catalogue %s has %d rows for %d stamps", path, len(ids), sf.n)
		return
	}
	sf.catIDs, sf.catRows, sf.catalogue = ids, rows, path
}

// fitTable lays out the results: id, row, each parameter and its error,
// chi2, chi2nu, npix, converged (0/1), iterations, status, wall_s. It also
// returns the number of converged fits.
func fitTable(model fit.Model, sf *stampsFile, res []fit.Result) (*table.Table, int) {
	n := len(res)
	names := fit.ColumnNames(model)
	units := map[string]string{"mag": "mag", "re_arcsec": "arcsec", "re_bulge_arcsec": "arcsec", "re_disk_arcsec": "arcsec",
		"pa_deg": "deg", "x0": "pix", "y0": "pix"}
	t := &table.Table{}
	ints := func(name string) { t.Cols = append(t.Cols, table.Column{Name: name, Ints: make([]int64, n)}) }
	floats := func(name, unit string) {
		t.Cols = append(t.Cols, table.Column{Name: name, Unit: unit, Floats: make([]float64, n)})
	}
	ints("id")
	ints("row")
	for _, nm := range names {
		floats(nm, units[nm])
		floats(nm+"_err", units[nm])
	}
	floats("chi2", "")
	floats("chi2nu", "")
	ints("npix")
	ints("converged")
	ints("iterations")
	t.Cols = append(t.Cols, table.Column{Name: "status", Strings: make([]string, n)})
	floats("wall_s", "s")
	col := func(name string) *table.Column { return t.Col(name) }
	nconv := 0
	for k, r := range res {
		id, row := int64(k), int64(k)
		if sf.catIDs != nil {
			id, row = sf.catIDs[k], sf.catRows[k]
		}
		col("id").Ints[k], col("row").Ints[k] = id, row
		vals, errs := r.Columns()
		for j, nm := range names {
			col(nm).Floats[k] = vals[j]
			col(nm + "_err").Floats[k] = errs[j]
		}
		col("chi2").Floats[k], col("chi2nu").Floats[k] = r.Chi2, r.Chi2Nu
		col("npix").Ints[k], col("iterations").Ints[k] = int64(r.NPix), int64(r.Iterations)
		if r.Converged {
			col("converged").Ints[k] = 1
			nconv++
		}
		col("status").Strings[k] = r.Status
		col("wall_s").Floats[k] = r.Elapsed.Seconds()
	}
	return t, nconv
}
