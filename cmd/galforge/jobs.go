package main

import (
	"context"
	"runtime"
	"sync"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/configs"
)

// jobFlags are the flags of commands that write outputs in parallel and
// split over machines: --out, --workers and --shard.
type jobFlags struct {
	cf      configFlags
	out     string
	shard   string
	workers int
}

func (f *jobFlags) register(cmd *cobra.Command, verb string) {
	f.cf.register(cmd)
	cmd.Flags().StringVar(&f.out, "out", "", "output directory (overrides the config's out)")
	cmd.Flags().StringVar(&f.shard, "shard", "", verb+" only part i of N (0-based), e.g. --shard 3/16")
	cmd.Flags().IntVar(&f.workers, "workers", -1, "parallel workers (overrides the config's workers; 0 = one per core)")
}

// load reads the config, applies --out and --workers, parses --shard and
// returns the config, the shard and the resolved number of workers (≥ 1).
func (f *jobFlags) load() (configs.Config, shard, int, error) {
	cfg, err := f.cf.load()
	if err != nil {
		return cfg, shard{}, 0, err
	}
	if f.out != "" {
		cfg.Out = f.out
	}
	if f.workers >= 0 {
		cfg.Workers = f.workers
	}
	sh, err := parseShard(f.shard)
	if err != nil {
		return cfg, sh, 0, usageError{err}
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	return cfg, sh, workers, nil
}

// parallel calls fn(j) for j in [0, n) on the given number of goroutines
// and returns ctx's error if it was cancelled before every job was handed
// out (jobs already started finish first).
func parallel(ctx context.Context, n, workers int, fn func(j int)) error {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				fn(j)
			}
		}()
	}
	var cancelled error
feed:
	for j := 0; j < n; j++ {
		select {
		case jobs <- j:
		case <-ctx.Done():
			cancelled = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return cancelled
}
