package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/configs"
	"github.com/galforge/galforge/emulate"
)

// emulateFlags are the flags of train, evaluate and run.
type emulateFlags struct {
	cf      configFlags
	out     string
	model   string
	backend string
	shards  []string
}

func (f *emulateFlags) register(cmd *cobra.Command) {
	f.cf.register(cmd)
	cmd.Flags().StringVar(&f.out, "out", "", "output directory (overrides the config's out)")
	cmd.Flags().StringVar(&f.model, "model", "", "model directory (default OUT/model)")
	cmd.Flags().StringVar(&f.backend, "backend", "", "GoMLX backend: go (default), go:OPTIONS, cuda, or xla:PLUGIN (overrides train.backend)")
	cmd.Flags().StringArrayVar(&f.shards, "shards", nil, "training shard files or globs (overrides train.shards; repeatable)")
}

func (f *emulateFlags) load() (configs.Config, error) {
	cfg, err := f.cf.load()
	if err != nil {
		return cfg, err
	}
	if f.out != "" {
		cfg.Out = f.out
	}
	if f.backend != "" {
		cfg.Train.Backend = f.backend
	}
	if len(f.shards) > 0 {
		cfg.Train.Shards = f.shards
	}
	if err := cfg.Train.Validate(); err != nil {
		return cfg, usageError{err}
	}
	if err := ensureBackendLibs(cfg.Train.Backend); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (f *emulateFlags) modelDir(cfg configs.Config) string {
	if f.model != "" {
		return f.model
	}
	return filepath.Join(cfg.Out, "model")
}

// ensureBackendLibs makes the CUDA plugin loadable: when the backend is cuda
// and the NVIDIA library folders that JAX installs are not on
// LD_LIBRARY_PATH, galforge restarts itself with them added (the dynamic
// loader reads LD_LIBRARY_PATH only when a process starts).
func ensureBackendLibs(backend string) error {
	if backend == "" {
		backend = os.Getenv("GOMLX_BACKEND")
	}
	if backend != "cuda" && backend != "xla:cuda" {
		return nil
	}
	_, dirs, err := emulate.BackendConfig(backend)
	if err != nil {
		return err
	}
	missing := emulate.MissingLibDirs(dirs)
	if len(missing) == 0 || os.Getenv("GALFORGE_REEXEC") != "" {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("backend cuda: cannot find my own executable to restart with LD_LIBRARY_PATH: %w", err)
	}
	lp := strings.Join(missing, string(os.PathListSeparator))
	if old := os.Getenv("LD_LIBRARY_PATH"); old != "" {
		lp += string(os.PathListSeparator) + old
	}
	env := append(os.Environ(), "LD_LIBRARY_PATH="+lp, "GALFORGE_REEXEC=1", "GOMLX_NO_AUTO_INSTALL=1")
	return syscall.Exec(exe, os.Args, env)
}

// trainShards returns the shard files a run trains on: train.shards, or the
// shards `galforge mock` wrote under OUT (OUT/shards or OUT/mock/shards).
func trainShards(cfg configs.Config) ([]string, error) {
	pats := cfg.Train.Shards
	if len(pats) == 0 {
		for _, p := range []string{filepath.Join(cfg.Out, "shards", "*.gfs"), filepath.Join(cfg.Out, "mock", "shards", "*.gfs")} {
			if m, _ := filepath.Glob(p); len(m) > 0 {
				pats = []string{p}
				break
			}
		}
		if len(pats) == 0 {
			return nil, usageError{fmt.Errorf("train: no shards: none under %s/shards or %s/mock/shards (run galforge mock first) and train.shards is empty", cfg.Out, cfg.Out)}
		}
	}
	paths, err := emulate.ExpandShards(pats)
	if err != nil {
		return nil, usageError{err}
	}
	return paths, nil
}

func openTrainData(ctx context.Context, cfg configs.Config, stderr io.Writer) (*emulate.Data, error) {
	paths, err := trainShards(cfg)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "data: %d shard file(s): %s\n", len(paths), strings.Join(paths, ", "))
	d, err := emulate.OpenData(ctx, paths, cfg.Train, cfg.Seed)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "train.") {
			return nil, usageError{err}
		}
		return nil, err
	}
	return d, nil
}

func newTrainCommand() *cobra.Command {
	var f emulateFlags
	cmd := &cobra.Command{
		Use:   "train -c FILE [--out DIR] [--model DIR] [--backend go|cuda|xla:PLUGIN] [--shards GLOB]",
		Short: "Train the CNN emulator on mock shards (split by galaxy id), with σ for every prediction",
		Long: `train streams the training shards (train.shards, or those galforge mock wrote under OUT),
splits them into train/validation/test by galaxy id (every view and snapshot of a galaxy in one
split), and trains the network of train.model with Adam, a cosine learning-rate schedule and early
stopping on the validation loss. It writes:
  MODEL/model.json   hyper-parameters, targets and their standardisation, preprocessing, history
  MODEL/weights.gfw  the best weights (by validation loss)
  MODEL/state.gfw    the last epoch's full state: an interrupted run resumes from it
  MODEL/loss.png     the loss curves
MODEL is OUT/model unless --model says otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.load()
			if err != nil {
				return err
			}
			_, err = runTrain(cmd.Context(), cfg, f.modelDir(cfg), cmd.ErrOrStderr())
			return err
		},
	}
	f.register(cmd)
	return cmd
}

func runTrain(ctx context.Context, cfg configs.Config, dir string, stderr io.Writer) (*emulate.Spec, error) {
	if cfg.Train.Fresh {
		if err := emulate.CheckFresh(cfg.Mock); err != nil {
			return nil, usageError{err}
		}
	}
	d, err := openTrainData(ctx, cfg, stderr)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var fresh *emulate.Fresh
	if cfg.Train.Fresh {
		if fresh, err = emulate.NewFresh(cfg.Mock, cfg.Seed, cfg.MockHash()); err != nil {
			return nil, usageError{err}
		}
	}
	spec, err := emulate.Train(ctx, d, emulate.TrainOptions{Config: cfg.Train, Seed: cfg.Seed, Dir: dir,
		ConfigHash: cfg.TrainHash(), Version: galforgeVersion(), Log: stderr, Fresh: fresh})
	if err != nil {
		return nil, err
	}
	if err := plotLoss(spec, filepath.Join(dir, "loss.png")); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "train: %d epochs (%s), best val score %.4f at epoch %d, %.1f images/s; model in %s\n",
		spec.Training.Epochs, spec.Training.Stopped, spec.Training.BestValScore, spec.Training.BestEpoch, spec.Training.ImagesPerSec, dir)
	return spec, nil
}

func plotLoss(spec *emulate.Spec, path string) error { return emulate.PlotHistory(path, spec.History) }
