package fit

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Image is one stamp to fit: SCI and RMS images of size×size pixels
// (row-major, x fastest, FITS order), e⁻/s.
type Image struct {
	Sci, RMS []float32
}

// All fits every image with the options opt (opt.Model says which profile)
// on workers goroutines (0: one per CPU) and returns the results in the order
// of images, whatever the number of workers. A stamp that cannot be fitted
// (bad input) gets a Result with NaN parameters and a "failed: …" Status, not
// an error. progress, if not nil, is called after each stamp with the
// number done and the total, from the workers, one call at a time.
//
// All returns an error for invalid options or PSF (before fitting anything)
// and ctx's error if it is cancelled: stamps not started by then keep a
// zero Result.
func All(ctx context.Context, images []Image, size int, opt Options, workers int, progress func(done, total int)) ([]Result, error) {
	f, err := NewFitter(size, opt)
	if err != nil {
		return nil, err
	}
	return f.All(ctx, images, workers, progress)
}

// All is the package-level All with the Fitter f.
func (f *Fitter) All(ctx context.Context, images []Image, workers int, progress func(done, total int)) ([]Result, error) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = max(1, min(workers, len(images)))
	out := make([]Result, len(images))
	var next atomic.Int64
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(images) {
					return
				}
				out[i], _ = f.Fit(images[i].Sci, images[i].RMS) // a failure is recorded in the Result
				if progress != nil {
					mu.Lock()
					done++
					progress(done, len(images))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	return out, nil
}
