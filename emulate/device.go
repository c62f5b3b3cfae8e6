package emulate

import (
	"fmt"
	"iter"
	"os"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/support/exceptions"
)

// FeedDepthEnv names the environment variable that sets how many batches
// deviceFeed keeps on the device ahead of the step that uses them (0 to 16;
// default 2). 0 turns the feed off: each step then copies its own inputs, as
// galforge did before the feed existed — a switch for A/B measurements and a
// way around a backend whose buffers cannot be made from a second goroutine.
const FeedDepthEnv = "GALFORGE_FEED_DEPTH"

// defaultFeedDepth is the feed depth when FeedDepthEnv is unset.
const defaultFeedDepth = 2

// feedDepthFromEnv parses FeedDepthEnv.
func feedDepthFromEnv() (int, error) {
	s := os.Getenv(FeedDepthEnv)
	if s == "" {
		return defaultFeedDepth, nil
	}
	d, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || d < 0 || d > 16 {
		return 0, fmt.Errorf("emulate: %s=%q: want an integer from 0 (no feed) to 16", FeedDepthEnv, s)
	}
	return d, nil
}

// feedDepth is the number of batches deviceFeed keeps on the device ahead of
// the step that uses them: FeedDepthEnv, or defaultFeedDepth when it is unset
// or invalid (NewBackend reports an invalid value as an error).
func feedDepth() int {
	d, err := feedDepthFromEnv()
	if err != nil {
		return defaultFeedDepth
	}
	return d
}

// deviceFeed yields the values of seq after moving the tensors that
// tensorsOf returns onto device 0 of be, in a goroutine of its own that runs
// up to depth values ahead of the consumer (prefetch). A training or
// inference step then finds its inputs on the device and the copy of the
// next batches overlaps it: on a GPU, go-xla's host-to-device copy is
// synchronous (BufferFromHostAndWait), ~1.2 ms per 4 MiB batch measured on
// an H200 — as long as a 256-image inference step — and made in the step
// itself it held the GPU idle. On the pure-Go backend the move is the copy
// the step would otherwise make itself. The first error stops the sequence
// and is stored in *errp (read it after the loop, as for Data.Stream).
// A depth of 0 or less returns seq itself: no copy ahead, no goroutine.
func deviceFeed[T any](seq iter.Seq[T], be compute.Backend, tensorsOf func(T) []*tensors.Tensor, depth int, errp *error) iter.Seq[T] {
	if depth <= 0 {
		return seq
	}
	return prefetch(func(yield func(T) bool) {
		for v := range seq {
			for _, t := range tensorsOf(v) {
				err := exceptions.TryCatch[error](func() {
					if e := t.MaterializeOnDevice(be, false, 0); e != nil {
						panic(e)
					}
				})
				if err != nil {
					if *errp == nil {
						*errp = fmt.Errorf("emulate: copy a batch of %s to the device: %w", t.Shape(), err)
					}
					return
				}
			}
			if !yield(v) {
				return
			}
		}
	}, depth)
}

// trainBatchTensors are the inputs and labels of a training batch.
func trainBatchTensors(b train.Batch) []*tensors.Tensor {
	return append(append([]*tensors.Tensor(nil), b.Inputs...), b.Labels...)
}

// batchTensors are trainBatchTensors of a batch of the training loop.
func batchTensors(b batch) []*tensors.Tensor { return trainBatchTensors(b.Batch) }
