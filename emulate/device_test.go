package emulate

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// TestDeviceFeed: the values come through in order with their tensors on the
// device and their values intact; stopping early leaves no goroutine
// blocked; a backend that cannot take the tensors stops the sequence with
// an error naming the shape.
func TestDeviceFeed(t *testing.T) {
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	const n = 7
	seq := func(yield func(*tensors.Tensor) bool) {
		for i := range n {
			if !yield(tensors.FromFlatDataAndDimensions([]float32{float32(i), float32(-i)}, 2)) {
				return
			}
		}
	}
	one := func(t *tensors.Tensor) []*tensors.Tensor { return []*tensors.Tensor{t} }
	var feedErr error
	i := 0
	for x := range deviceFeed(seq, be, one, defaultFeedDepth, &feedErr) {
		if !x.IsOnDevice(0) {
			t.Errorf("value %d: not on the device", i)
		}
		got := tensors.MustCopyFlatData[float32](x)
		if got[0] != float32(i) || got[1] != float32(-i) {
			t.Errorf("value %d: %v, want [%d %d]", i, got, i, -i)
		}
		i++
	}
	if feedErr != nil || i != n {
		t.Fatalf("%d values, error %v; want %d, nil", i, feedErr, n)
	}
	// Early stop: the producer, up to defaultFeedDepth values ahead, must exit.
	i = 0
	for range deviceFeed(seq, be, one, defaultFeedDepth, &feedErr) {
		if i++; i == 2 {
			break
		}
	}
	if feedErr != nil {
		t.Fatalf("early stop: error %v", feedErr)
	}
	// A finalized backend takes no buffers.
	dead, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	dead.Finalize()
	i = 0
	for range deviceFeed(seq, dead, one, defaultFeedDepth, &feedErr) {
		i++
	}
	if i != 0 || feedErr == nil || !strings.Contains(feedErr.Error(), "to the device") || !strings.Contains(feedErr.Error(), "(Float32)[2]") {
		t.Errorf("finalized backend: %d values, error %v", i, feedErr)
	}
}

// TestFeedDepthEnv: GALFORGE_FEED_DEPTH sets the depth, 0 passes the
// sequence through untouched (the tensors stay on the host), and a bad value
// is an error from NewBackend naming the variable.
func TestFeedDepthEnv(t *testing.T) {
	t.Setenv(FeedDepthEnv, "")
	if d := feedDepth(); d != defaultFeedDepth {
		t.Errorf("unset: depth %d, want %d", d, defaultFeedDepth)
	}
	t.Setenv(FeedDepthEnv, " 5")
	if d := feedDepth(); d != 5 {
		t.Errorf("5: depth %d", d)
	}
	t.Setenv(FeedDepthEnv, "0")
	be, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	seq := func(yield func(*tensors.Tensor) bool) {
		for i := range 3 {
			if !yield(tensors.FromFlatDataAndDimensions([]float32{float32(i)}, 1)) {
				return
			}
		}
	}
	var feedErr error
	n := 0
	for x := range deviceFeed(seq, be, func(t *tensors.Tensor) []*tensors.Tensor { return []*tensors.Tensor{t} }, feedDepth(), &feedErr) {
		if x.IsOnDevice(0) {
			t.Errorf("depth 0: value %d was copied to the device", n)
		}
		n++
	}
	if n != 3 || feedErr != nil {
		t.Errorf("depth 0: %d values, error %v", n, feedErr)
	}
	for _, bad := range []string{"-1", "17", "two"} {
		t.Setenv(FeedDepthEnv, bad)
		if _, err := NewBackend("go"); err == nil || !strings.Contains(err.Error(), FeedDepthEnv) {
			t.Errorf("%s=%q: error %v, want one naming the variable", FeedDepthEnv, bad, err)
		}
	}
}

// TestMeasureSpeedFromHost: the benchmark runs with batches resident on the
// device and fed from host memory through deviceFeed.
func TestMeasureSpeedFromHost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the CNN twice")
	}
	for _, fromHost := range []bool{false, true} {
		r, err := MeasureSpeed(SpeedOptions{Backend: "go", Size: 16, Batch: 4, InferBatch: 8, Steps: 4, Warmup: 1,
			Model: ModelConfig{Widths: []int{4}, ConvsPerBlock: 1, Dense: 8, Conv: "auto", WeightLayout: LayoutPerLayer}, FromHost: fromHost})
		if err != nil {
			t.Fatalf("from host %v: %v", fromHost, err)
		}
		if !(r.TrainImagesPerSec > 0) || !(r.InferImagesPerSec > 0) || r.FromHost != fromHost {
			t.Errorf("from host %v: %+v", fromHost, r)
		}
	}
}
