package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/configs"
	"github.com/galforge/galforge/internal/atomic"
	"github.com/galforge/galforge/internal/fits"
	"github.com/galforge/galforge/internal/progress"
	"github.com/galforge/galforge/internal/table"
	"github.com/galforge/galforge/render"
	"github.com/galforge/galforge/sims"
)

type renderOptions struct {
	jobFlags
	groups   string
	subhalo  int
	views    string
	bands    string
	fovKpc   float64
	npix     int
	redshift float64
	preview  bool
}

func newRenderCommand() *cobra.Command {
	var o renderOptions
	cmd := &cobra.Command{
		Use:   "render [SNAPSHOT ...] [-c FILE] [--views fibonacci:10] [--bands mass,F160W,…] [--fov-kpc 40] [--npix 128] [--redshift Z] [--out DIR] [--preview]",
		Short: "Render snapshots into noise-free multi-band images, one FITS file per snapshot and view",
		Long: `render turns each snapshot's galaxy into noise-free images in physical units: one FITS
file per snapshot and view (a cube, one plane per band: stellar mass in solMass per pixel
and HST bands in µJy per pixel, observer frame), written to DIR/images/, plus a catalogue
DIR/render.csv (and .fits) with one row per image, and with --preview a PNG contact sheet
per snapshot in DIR/previews/.

Snapshots come from the arguments, or from the config's render.input (a file, a glob or
a 'galforge simulate' output folder), or by default from <out>/snapshots. The flags are
shorthands for config keys (--views = render.views, --bands = render.bands, --fov-kpc =
render.fov_kpc, --npix = render.npix, --redshift = render.redshift, --preview =
render.preview), so a snapshot renders without a config file.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRender(cmd.Context(), cmd, o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.jobFlags.register(cmd, "render")
	f := cmd.Flags()
	f.StringVar(&o.groups, "groups", "", "group catalogue for --subhalo")
	f.IntVar(&o.subhalo, "subhalo", -1, "subhalo index in the group catalogue")
	f.StringVar(&o.views, "views", "", "view set: fibonacci:N, random:N, faceon-edgeon:N, axes, explicit:x,y,z;…")
	f.StringVar(&o.bands, "bands", "", "comma-separated bands: mass,F435W,F606W,F775W,F814W,F850LP,F105W,F125W,F160W")
	f.Float64Var(&o.fovKpc, "fov-kpc", 0, "field of view on a side, physical kpc")
	f.IntVar(&o.npix, "npix", 0, "pixels on a side")
	f.Float64Var(&o.redshift, "redshift", 0, "place the galaxy at this redshift (default: the snapshot's)")
	f.BoolVar(&o.preview, "preview", false, "also write a PNG contact sheet per snapshot")
	return cmd
}

// renderSets turns the shorthand flags into --set overrides.
func renderSets(cmd *cobra.Command, o renderOptions) []string {
	var sets []string
	ch := cmd.Flags().Changed
	if ch("views") {
		sets = append(sets, "render.views="+o.views)
	}
	if ch("bands") {
		sets = append(sets, "render.bands=["+o.bands+"]")
	}
	if ch("fov-kpc") {
		sets = append(sets, "render.fov_kpc="+strconv.FormatFloat(o.fovKpc, 'g', -1, 64))
	}
	if ch("npix") {
		sets = append(sets, "render.npix="+strconv.Itoa(o.npix))
	}
	if ch("redshift") {
		sets = append(sets, "render.redshift="+strconv.FormatFloat(o.redshift, 'g', -1, 64))
	}
	if ch("preview") {
		sets = append(sets, "render.preview="+strconv.FormatBool(o.preview))
	}
	return sets
}

// renderInputs lists the snapshots to render, sorted.
func renderInputs(args []string, cfg configs.Config) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	in := cfg.Render.Input
	if in == "" {
		in = cfg.Out
	}
	if st, err := os.Stat(in); err == nil && st.IsDir() {
		for _, pat := range []string{filepath.Join(in, "snapshots", "*.hdf5"), filepath.Join(in, "*.hdf5")} {
			if m, _ := filepath.Glob(pat); len(m) > 0 {
				sort.Strings(m)
				return m, nil
			}
		}
		return nil, fmt.Errorf("render: no snapshots (*.hdf5) in %q or %q", in, filepath.Join(in, "snapshots"))
	}
	m, err := filepath.Glob(in)
	if err != nil {
		return nil, fmt.Errorf("render.input %q: %w", in, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("render.input %q: no such file or no match (run galforge simulate first, or name snapshots)", in)
	}
	sort.Strings(m)
	return m, nil
}

// renderRow is one line of render.csv.
type renderRow struct {
	file string
	im   *render.Image
}

func runRender(ctx context.Context, cmd *cobra.Command, o renderOptions, args []string, stdout, stderr io.Writer) error {
	o.cf.sets = append(o.cf.sets, renderSets(cmd, o)...)
	cfg, sh, workers, err := o.load()
	if err != nil {
		return err
	}
	opt := sims.ReadOptions{GroupFile: o.groups, Subhalo: o.subhalo, Centre: cfg.Render.Centre, WithGas: cfg.Render.Dust.Enabled}
	if err := opt.Validate(); err != nil {
		return usageError{err}
	}
	inputs, err := renderInputs(args, cfg)
	if err != nil {
		return usageError{err}
	}
	lo, hi := sh.Range(len(inputs))
	mine := inputs[lo:hi]
	snapWorkers := max(1, min(workers, len(mine)))
	rd, err := render.NewRenderer(cfg.Render, cfg.Cosmology.FlatLCDM(), max(1, workers/snapWorkers))
	if err != nil {
		return usageError{err}
	}
	imgDir := filepath.Join(cfg.Out, "images")
	prevDir := filepath.Join(cfg.Out, "previews")
	for _, d := range []string{imgDir, prevDir} {
		if d == prevDir && !cfg.Render.Preview {
			continue
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	hash := cfg.RenderHash()
	prov := render.Provenance{Version: galforgeVersion(), ConfigHash: hash, Seed: cfg.Seed}
	fmt.Fprintf(stderr, "render: %d snapshots (of %d; shard %d/%d), bands %v, views %s, %d workers, out %s\n",
		len(mine), len(inputs), sh.I, sh.N, rd.Bands(), cfg.Render.Views, workers, cfg.Out)

	results := make([][]renderRow, len(mine))
	errs := make([]error, len(mine))
	bar := progress.New(stderr, "render", len(mine))
	cancelled := parallel(ctx, len(mine), snapWorkers, func(j int) {
		results[j], errs[j] = renderOne(rd, cfg, opt, prov, mine[j], imgDir, prevDir)
		bar.Add(1)
	})
	if cancelled != nil {
		return fmt.Errorf("render: interrupted (finished snapshots are kept; rerun to resume): %w", cancelled)
	}
	var rows []renderRow
	for j := range mine {
		if errs[j] != nil {
			return errs[j]
		}
		rows = append(rows, results[j]...)
	}
	tab := renderTable(rows)
	base := filepath.Join(cfg.Out, "render"+sh.Suffix())
	if err := tab.WriteCSV(base + ".csv"); err != nil {
		return err
	}
	cards := []fits.Card{{Name: "ORIGIN", Value: "galforge " + galforgeVersion()}, {Name: "GFHASH", Value: hash}, {Name: "GFSEED", Value: int64(cfg.Seed)}}
	if err := tab.WriteFITS(base+".fits", "RENDER", cards); err != nil {
		return err
	}
	if b, err := cfg.YAML(); err == nil {
		if err := atomic.WriteBytes(filepath.Join(cfg.Out, "render-config"+sh.Suffix()+".yaml"), b); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %d images of %d snapshots to %s; catalogue %s.csv\n", len(rows), len(mine), imgDir, base)
	if cfg.Render.Preview {
		fmt.Fprintf(stdout, "previews in %s\n", prevDir)
	}
	return nil
}

// renderDone marks a finished snapshot: the config hash and, per image, what
// the catalogue needs, so a rerun rebuilds its rows without rendering again.
type renderDone struct {
	ConfigHash string       `json:"config_hash"`
	Images     []renderMeta `json:"images"`
}

type renderMeta struct {
	File      string      `json:"file"`
	View      render.View `json:"view"`
	Redshift  float64     `json:"redshift"`
	PixKpc    float64     `json:"pix_kpc"`
	PixArcsec float64     `json:"pix_arcsec"`
	Re2DKpc   float64     `json:"re2d_mass_kpc"`
}

// renderOne renders every view of one snapshot, or reuses finished images.
func renderOne(rd *render.Renderer, cfg configs.Config, opt sims.ReadOptions, prov render.Provenance, path, imgDir, prevDir string) ([]renderRow, error) {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if opt.Subhalo >= 0 {
		stem += fmt.Sprintf("_sub%d", opt.Subhalo)
	}
	g, err := readerFor(path).Read(path, opt)
	if err != nil {
		return nil, err
	}
	views, err := render.ParseViews(cfg.Render.Views, cfg.Seed, g.Truth.GalaxyID, g.Truth.Snapshot)
	if err != nil {
		return nil, usageError{err}
	}
	donePath := filepath.Join(imgDir, stem+".done.json")
	if rows, ok := reuseRender(donePath, prov.ConfigHash, imgDir, g, len(views)); ok && (!cfg.Render.Preview || exists(filepath.Join(prevDir, stem+".png"))) {
		return rows, nil
	}
	ims, err := rd.Render(g, views)
	if err != nil {
		return nil, err
	}
	var rows []renderRow
	var metas []renderMeta
	for _, im := range ims {
		name := fmt.Sprintf("%s_%s.fits", stem, im.View.Name)
		if err := render.WriteFITS(filepath.Join(imgDir, name), im, prov); err != nil {
			return nil, err
		}
		rows = append(rows, renderRow{file: filepath.Join("images", name), im: im})
		metas = append(metas, renderMeta{File: name, View: im.View, Redshift: im.Redshift, PixKpc: im.PixKpc, PixArcsec: im.PixArcsec, Re2DKpc: im.Re2DMassKpc})
	}
	if cfg.Render.Preview {
		t := fmt.Sprintf("%s  z=%.2f  %s", stem, ims[0].Redshift, ims[0].Truth.Family)
		if err := render.WritePreview(filepath.Join(prevDir, stem+".png"), ims, t); err != nil {
			return nil, err
		}
	}
	b, _ := json.Marshal(renderDone{ConfigHash: prov.ConfigHash, Images: metas})
	if err := atomic.WriteBytes(donePath, b); err != nil {
		return nil, err
	}
	return rows, nil
}

// reuseRender returns the catalogue rows of a finished snapshot when its
// record matches hash and every image exists.
func reuseRender(donePath, hash, imgDir string, g *sims.Galaxy, nviews int) ([]renderRow, bool) {
	b, err := os.ReadFile(donePath)
	if err != nil {
		return nil, false
	}
	var rec renderDone
	if json.Unmarshal(b, &rec) != nil || rec.ConfigHash != hash || len(rec.Images) != nviews {
		return nil, false
	}
	var rows []renderRow
	for _, m := range rec.Images {
		if !exists(filepath.Join(imgDir, m.File)) {
			return nil, false
		}
		im := &render.Image{View: m.View, Redshift: m.Redshift, PixKpc: m.PixKpc, PixArcsec: m.PixArcsec,
			Re2DMassKpc: m.Re2DKpc, Truth: g.Truth, Source: g.Source}
		rows = append(rows, renderRow{file: filepath.Join("images", m.File), im: im})
	}
	return rows, true
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// renderTable is the catalogue of rendered images.
func renderTable(rows []renderRow) *table.Table {
	n := len(rows)
	truths := make([]sims.Truth, n)
	for i, r := range rows {
		truths[i] = r.im.Truth
	}
	t := sims.TruthTable(truths, nil)
	// Replace the snapshot-file column by image columns.
	img := []table.Column{
		{Name: "image", Strings: make([]string, n)},
		{Name: "source", Strings: make([]string, n)},
		{Name: "view", Strings: make([]string, n)},
		{Name: "view_x", Floats: make([]float64, n)},
		{Name: "view_y", Floats: make([]float64, n)},
		{Name: "view_z", Floats: make([]float64, n)},
		{Name: "render_redshift", Floats: make([]float64, n)},
		{Name: "pix_kpc", Unit: "kpc", Floats: make([]float64, n)},
		{Name: "pix_arcsec", Unit: "arcsec", Floats: make([]float64, n)},
		{Name: "re2d_mass_kpc", Unit: "kpc", Floats: make([]float64, n)},
	}
	for i, r := range rows {
		img[0].Strings[i] = r.file
		img[1].Strings[i] = r.im.Source
		img[2].Strings[i] = r.im.View.Name
		img[3].Floats[i], img[4].Floats[i], img[5].Floats[i] = r.im.View.Dir[0], r.im.View.Dir[1], r.im.View.Dir[2]
		img[6].Floats[i] = r.im.Redshift
		img[7].Floats[i] = r.im.PixKpc
		img[8].Floats[i] = r.im.PixArcsec
		img[9].Floats[i] = r.im.Re2DMassKpc
	}
	var cols []table.Column
	for _, c := range t.Cols {
		if c.Name != "file" {
			cols = append(cols, c)
		}
	}
	return &table.Table{Cols: append(img, cols...)}
}
