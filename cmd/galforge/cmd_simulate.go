package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/configs"
	"github.com/galforge/galforge/internal/atomic"
	"github.com/galforge/galforge/internal/fits"
	"github.com/galforge/galforge/internal/progress"
	"github.com/galforge/galforge/sims"
	"github.com/galforge/galforge/sims/arepo"
	"github.com/galforge/galforge/sims/toy"
)

type simulateOptions struct{ jobFlags }

func newSimulateCommand() *cobra.Command {
	var o simulateOptions
	cmd := &cobra.Command{
		Use:   "simulate -c FILE [--out DIR] [--shard i/N]",
		Short: "Run the built-in galaxy simulator: snapshots (HDF5, AREPO layout) and a truth table",
		Long: `simulate runs the built-in galaxy simulator (sims/toy) for every galaxy of the
config's simulate section and writes DIR/snapshots/g<ID>_s<NNN>.hdf5 (AREPO layout
with a Truth group) and the truth table DIR/truth.csv and DIR/truth.fits, one row per
snapshot. With --shard i/N only the i-th contiguous block of galaxies is simulated and
the tables are named truth.shard-iiii-of-NNNN.{csv,fits}; concatenating the shards'
rows in order gives exactly the single-machine table. A rerun skips galaxies whose
snapshots exist with the same config hash.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimulate(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.jobFlags.register(cmd, "simulate")
	return cmd
}

// doneRecord is the per-galaxy sidecar that marks a finished galaxy.
type doneRecord struct {
	ConfigHash string   `json:"config_hash"`
	Files      []string `json:"files"`
}

func runSimulate(ctx context.Context, o simulateOptions, stdout, stderr io.Writer) error {
	cfg, sh, workers, err := o.load()
	if err != nil {
		return err
	}
	plan := toy.Plan(cfg.Simulate)
	lo, hi := sh.Range(len(plan))
	mine := plan[lo:hi]
	snapDir := filepath.Join(cfg.Out, "snapshots")
	if err := os.MkdirAll(snapDir, 0o755); err != nil {
		return err
	}
	hash := cfg.SimulateHash()
	cs := cfg.Cosmology.FlatLCDM()
	meta := arepo.Meta{Version: galforgeVersion(), ConfigHash: hash, Seed: cfg.Seed}
	fmt.Fprintf(stderr, "simulate: %d galaxies (of %d; shard %d/%d), %d workers, out %s, config hash %s\n",
		len(mine), len(plan), sh.I, sh.N, workers, cfg.Out, hash)

	type result struct {
		truths []sims.Truth
		files  []string
		err    error
	}
	results := make([]result, len(mine))
	bar := progress.New(stderr, "simulate", len(mine))
	cancelled := parallel(ctx, len(mine), workers, func(j int) {
		tr, files, err := simulateGalaxy(cfg, meta, snapDir, mine[j])
		results[j] = result{tr, files, err}
		bar.Add(1)
	})
	if cancelled != nil {
		return fmt.Errorf("simulate: interrupted (finished galaxies are kept; rerun to resume): %w", cancelled)
	}
	var truths []sims.Truth
	var files []string
	for j, r := range results {
		if r.err != nil {
			return fmt.Errorf("simulate: galaxy %d (%s): %w", mine[j].ID, mine[j].Family, r.err)
		}
		truths = append(truths, r.truths...)
		files = append(files, r.files...)
	}
	tab := sims.TruthTable(truths, files)
	base := filepath.Join(cfg.Out, "truth"+sh.Suffix())
	if err := tab.WriteCSV(base + ".csv"); err != nil {
		return err
	}
	cards := []fits.Card{
		{Name: "ORIGIN", Value: "galforge " + galforgeVersion()},
		{Name: "GFHASH", Value: hash, Comment: "hash of seed, cosmology and simulate config"},
		{Name: "GFSEED", Value: int64(cfg.Seed), Comment: "global seed"},
		{Name: "SHARD", Value: fmt.Sprintf("%d/%d", sh.I, sh.N)},
		{Name: "H0", Value: cs.H0, Comment: "km/s/Mpc"},
		{Name: "OMEGAM", Value: cs.OmegaM},
	}
	if err := tab.WriteFITS(base+".fits", "TRUTH", cards); err != nil {
		return err
	}
	if b, err := cfg.YAML(); err == nil {
		if err := atomic.WriteBytes(filepath.Join(cfg.Out, "config"+sh.Suffix()+".yaml"), b); err != nil {
			return err
		}
	}
	summarise(stdout, truths, base)
	return nil
}

// simulateGalaxy simulates one galaxy and writes its snapshots, or reuses
// them when a finished record with the same config hash exists.
func simulateGalaxy(cfg configs.Config, meta arepo.Meta, dir string, spec toy.Spec) ([]sims.Truth, []string, error) {
	donePath := filepath.Join(dir, fmt.Sprintf("g%d.done.json", spec.ID))
	if truths, files, ok := reuse(donePath, meta.ConfigHash, dir); ok {
		return truths, files, nil
	}
	gals, err := toy.Simulate(cfg.Simulate, cfg.Cosmology.FlatLCDM(), cfg.Seed, spec)
	if err != nil {
		return nil, nil, err
	}
	var truths []sims.Truth
	var files []string
	for _, g := range gals {
		name := fmt.Sprintf("g%d_s%03d.hdf5", spec.ID, g.Truth.Snapshot)
		if err := arepo.Write(filepath.Join(dir, name), g, meta); err != nil {
			return nil, nil, err
		}
		truths = append(truths, g.Truth)
		files = append(files, filepath.Join("snapshots", name))
	}
	b, _ := json.Marshal(doneRecord{ConfigHash: meta.ConfigHash, Files: files})
	if err := atomic.WriteBytes(donePath, b); err != nil {
		return nil, nil, err
	}
	return truths, files, nil
}

// reuse returns the truth of a finished galaxy when its record matches hash
// and every snapshot file is readable and carries the same hash.
func reuse(donePath, hash, dir string) ([]sims.Truth, []string, bool) {
	b, err := os.ReadFile(donePath)
	if err != nil {
		return nil, nil, false
	}
	var rec doneRecord
	if json.Unmarshal(b, &rec) != nil || rec.ConfigHash != hash || len(rec.Files) == 0 {
		return nil, nil, false
	}
	var truths []sims.Truth
	for _, f := range rec.Files {
		t, h, err := arepo.ReadTruth(filepath.Join(filepath.Dir(dir), f))
		if err != nil || h != hash {
			return nil, nil, false
		}
		truths = append(truths, t)
	}
	return truths, rec.Files, true
}

// summarise prints counts per family, phase and merger stage.
func summarise(w io.Writer, truths []sims.Truth, base string) {
	count := func(key func(sims.Truth) string) string {
		m := map[string]int{}
		for _, t := range truths {
			m[key(t)]++
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := ""
		for _, k := range keys {
			if k == "-" {
				continue
			}
			s += fmt.Sprintf(" %s=%d", k, m[k])
		}
		return s
	}
	fmt.Fprintf(w, "wrote %d snapshots; truth table %s.csv and %s.fits\n", len(truths), base, base)
	fmt.Fprintf(w, "  families:%s\n", count(func(t sims.Truth) string { return t.Family }))
	fmt.Fprintf(w, "  phases (compaction family):%s\n", count(func(t sims.Truth) string {
		if t.Family != sims.FamilyCompaction {
			return "-"
		}
		return string(t.Phase)
	}))
	// The compaction trend, per galaxy: median Re3D inside the compaction
	// window over the last Re3D before it.
	type hist struct{ lastPre, window []float64 }
	per := map[int64]*hist{}
	var ids []int64
	for _, t := range truths {
		if t.Family != sims.FamilyCompaction {
			continue
		}
		h := per[t.GalaxyID]
		if h == nil {
			h = &hist{}
			per[t.GalaxyID] = h
			ids = append(ids, t.GalaxyID)
		}
		switch t.Phase {
		case sims.PhasePre:
			h.lastPre = []float64{t.Re3DKpc} // truths are in time order
		case sims.PhaseCompaction:
			h.window = append(h.window, t.Re3DKpc)
		}
	}
	var ratios []string
	for _, id := range ids {
		h := per[id]
		if len(h.lastPre) == 1 && len(h.window) > 0 {
			sort.Float64s(h.window)
			ratios = append(ratios, fmt.Sprintf("%d:%.2f", id, h.window[len(h.window)/2]/h.lastPre[0]))
		}
	}
	if len(ratios) > 0 {
		fmt.Fprintf(w, "  re3d(compaction, median)/re3d(last pre) per galaxy: %s\n", strings.Join(ratios, " "))
	}
	fmt.Fprintf(w, "  merger stages (merger and isolated):%s\n", count(func(t sims.Truth) string {
		if t.Family == sims.FamilyCompaction {
			return "-"
		}
		return string(t.MergerStage)
	}))
}
