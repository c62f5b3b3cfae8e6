package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
)

func newRunCommand() *cobra.Command {
	var f emulateFlags
	cmd := &cobra.Command{
		Use:   "run -c FILE --out DIR [--set key=value ...] [--backend go|cuda|xla:PLUGIN]",
		Short: "Run a whole experiment: (simulate →) mock → train → evaluate, with a report",
		Long: `run chains the stages of one config, each resuming where a previous run stopped (finished
outputs with the same config hash are kept):
  1. simulate  the built-in galaxies into DIR/snapshots (mock.source = particles with no render.input)
  2. mock      stamps and training shards into DIR/mock (analytic profiles, or the snapshots seen
               from every view of render.views in every band of render.bands)
  3. train     the network of the train section into DIR/model
  4. evaluate  held-out galaxies (and the classic fit for analytic Sérsic stamps) into DIR/report.md,
               DIR/evaluate/ and DIR/figures/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRun(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.register(cmd)
	return cmd
}

func runRun(ctx context.Context, f emulateFlags, stdout, stderr io.Writer) error {
	cfg, err := f.load()
	if err != nil {
		return err
	}
	out := cfg.Out
	sets := f.cf.sets
	if f.backend != "" {
		sets = append(sets, "train.backend="+f.backend)
	}
	particles := cfg.Mock.Source == "particles"
	if particles && cfg.Render.Input == "" {
		fmt.Fprintf(stderr, "run: 1/4 simulate → %s\n", out)
		so := simulateOptions{jobFlags{cf: configFlags{file: f.cf.file, sets: sets}, out: out, workers: -1}}
		if err := runSimulate(ctx, so, stdout, stderr); err != nil {
			return fmt.Errorf("run: simulate: %w", err)
		}
		sets = append(sets, "render.input="+out)
	}
	mockOut := filepath.Join(out, "mock")
	fmt.Fprintf(stderr, "run: 2/4 mock → %s\n", mockOut)
	mo := mockOptions{jobFlags: jobFlags{cf: configFlags{file: f.cf.file, sets: sets}, out: mockOut, workers: -1}}
	if err := runMock(ctx, mo, stdout, stderr); err != nil {
		return fmt.Errorf("run: mock: %w", err)
	}
	if len(cfg.Train.Shards) == 0 {
		cfg.Train.Shards = []string{filepath.Join(mockOut, "shards", "*.gfs")}
	}
	dir := f.modelDir(cfg)
	fmt.Fprintf(stderr, "run: 3/4 train → %s\n", dir)
	if _, err := runTrain(ctx, cfg, dir, stderr); err != nil {
		return fmt.Errorf("run: train: %w", err)
	}
	fmt.Fprintf(stderr, "run: 4/4 evaluate → %s\n", filepath.Join(out, "report.md"))
	if err := runEvaluate(ctx, cfg, dir, stdout, stderr); err != nil {
		return fmt.Errorf("run: evaluate: %w", err)
	}
	return nil
}
