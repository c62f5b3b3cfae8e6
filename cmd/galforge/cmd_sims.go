package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/sims"
	"github.com/galforge/galforge/sims/arepo"
	"github.com/galforge/galforge/sims/ramses"
)

func newSimsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "sims", Short: "Work with simulation snapshots"}
	cmd.AddCommand(newSimsInspectCommand())
	return cmd
}

type inspectOptions struct {
	groups  string
	subhalo int
	centre  string
	json    bool
}

func newSimsInspectCommand() *cobra.Command {
	var o inspectOptions
	cmd := &cobra.Command{
		Use:   "inspect FILE [--groups GROUPFILE --subhalo K] [--centre subhalo|shrink] [--json]",
		Short: "Summarise a snapshot: particle counts, stellar mass, centre, 3D half-mass radius, redshift",
		Long: `inspect reads one galaxy from a snapshot and summarises it. FILE is a GADGET/AREPO/GIZMO
HDF5 snapshot (one file, or any BASE.K.hdf5 of a multi-file snapshot; built-in
snapshots from galforge simulate too) or a RAMSES output directory (output_NNNNN).
With --groups and --subhalo one subhalo of a SUBFIND catalogue is selected.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInspect(o, args[0], cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.groups, "groups", "", "group catalogue (SUBFIND HDF5) for --subhalo")
	cmd.Flags().IntVar(&o.subhalo, "subhalo", -1, "subhalo index in the group catalogue (default: all particles)")
	cmd.Flags().StringVar(&o.centre, "centre", "", "centring: subhalo (catalogue position) or shrink (shrinking sphere); default: subhalo when one is selected, else shrink")
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON object")
	return cmd
}

// readerFor picks the reader for a path: RAMSES output directories (or their
// info_NNNNN.txt) go to sims/ramses, everything else to sims/arepo.
func readerFor(path string) sims.Reader {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return ramses.Reader{}
	}
	if strings.HasPrefix(filepath.Base(path), "info_") && strings.HasSuffix(path, ".txt") {
		return ramses.Reader{}
	}
	return arepo.Reader{}
}

// inspectSummary is the JSON form of `sims inspect`.
type inspectSummary struct {
	Source      string     `json:"source"`
	NStar       int        `json:"n_star"`
	NGas        int        `json:"n_gas"`
	MstarMsun   float64    `json:"mstar_msun"`
	CentreKpc   [3]float64 `json:"centre_kpc"`
	Re3DKpc     float64    `json:"re3d_kpc"`
	Aperture    string     `json:"aperture"`
	ApertureKpc *float64   `json:"aperture_kpc"`
	Redshift    float64    `json:"redshift"`
	ScaleFactor float64    `json:"scale_factor"`
	TimeGyr     float64    `json:"time_gyr"`
	H           float64    `json:"h"`
	OmegaM      float64    `json:"omega_m"`
	SFRMsunYr   float64    `json:"sfr_msun_yr"`
	MedianAge   float64    `json:"median_age_gyr"`
	Family      string     `json:"family"`
	GalaxyID    int64      `json:"galaxy_id"`
	Phase       string     `json:"phase"`
	MergerStage string     `json:"merger_stage"`
}

func runInspect(o inspectOptions, path string, w io.Writer) error {
	opt := sims.ReadOptions{GroupFile: o.groups, Subhalo: o.subhalo, Centre: o.centre, WithGas: true}
	if err := opt.Validate(); err != nil {
		return usageError{err}
	}
	g, err := readerFor(path).Read(path, opt)
	if err != nil {
		return err
	}
	s := inspectSummary{
		Source: g.Source, NStar: g.Stars.Len(), NGas: g.Gas.Len(), MstarMsun: g.StellarMassMsun(),
		CentreKpc: g.CentreKpc, Re3DKpc: g.Truth.Re3DKpc, Aperture: g.Truth.Aperture,
		Redshift: g.Redshift, ScaleFactor: g.ScaleFactor, TimeGyr: g.TimeGyr, H: g.HubbleParam, OmegaM: g.OmegaM,
		SFRMsunYr: g.Truth.SFRMsunYr, MedianAge: median(g.Stars.AgeGyr), Family: g.Truth.Family,
		GalaxyID: g.Truth.GalaxyID, Phase: string(g.Truth.Phase), MergerStage: string(g.Truth.MergerStage),
	}
	if ap := g.Truth.ApertureKpc; !math.IsInf(ap, 0) && !math.IsNaN(ap) {
		s.ApertureKpc = &ap
	}
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	fmt.Fprintf(w, "source        %s\n", s.Source)
	fmt.Fprintf(w, "stars         %d\n", s.NStar)
	fmt.Fprintf(w, "gas           %d\n", s.NGas)
	fmt.Fprintf(w, "stellar mass  %.4g M☉\n", s.MstarMsun)
	fmt.Fprintf(w, "centre        (%.3f, %.3f, %.3f) kpc (physical)\n", s.CentreKpc[0], s.CentreKpc[1], s.CentreKpc[2])
	if s.ApertureKpc != nil {
		fmt.Fprintf(w, "re3d          %.4g kpc (aperture %s = %.3g kpc)\n", s.Re3DKpc, s.Aperture, *s.ApertureKpc)
	} else {
		fmt.Fprintf(w, "re3d          %.4g kpc (aperture: %s stars)\n", s.Re3DKpc, s.Aperture)
	}
	fmt.Fprintf(w, "redshift      %.4g (a = %.5g, t = %.4g Gyr, h = %.4g, Ω_m = %.3g)\n", s.Redshift, s.ScaleFactor, s.TimeGyr, s.H, s.OmegaM)
	fmt.Fprintf(w, "SFR (100 Myr) %.3g M☉/yr; median stellar age %.3g Gyr\n", s.SFRMsunYr, s.MedianAge)
	if s.Family != sims.FamilyReal {
		fmt.Fprintf(w, "truth         family %s, galaxy %d, phase %s, merger stage %s\n", s.Family, s.GalaxyID, s.Phase, s.MergerStage)
	}
	return nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	return c[len(c)/2]
}
