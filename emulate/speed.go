package emulate

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/support/exceptions"
)

// SpeedOptions configures MeasureSpeed: the network and input of a
// training-speed measurement on synthetic data, the same as
// bench/torch_cnn.py runs for PyTorch.
type SpeedOptions struct {
	Backend    string      // as Config.Backend
	Model      ModelConfig // default DefaultModelConfig()
	Size       int         // stamp side, pixels (default 64)
	Bands      int         // input channels (default 1)
	Batch      int         // training batch (default 64)
	InferBatch int         // inference batch (default 256)
	Steps      int         // timed training steps (default 20)
	Warmup     int         // untimed steps first, compilation included (default 2)
	// FromHost gives every step a new batch made in host memory and copied
	// to the device ahead of the step by a second goroutine (deviceFeed),
	// as real training and prediction do. By default the batch is made once and stays on the
	// device, as bench/torch_cnn.py keeps it (the comparable figure).
	FromHost bool
}

// SpeedResult is what MeasureSpeed measured.
type SpeedResult struct {
	Framework         string  `json:"framework"`
	Backend           string  `json:"backend"`
	Conv              string  `json:"conv"`
	Size              int     `json:"size"`
	Bands             int     `json:"bands"`
	Batch             int     `json:"batch"`
	InferBatch        int     `json:"infer_batch"`
	Dense             int     `json:"dense"`        // hidden dense width
	DenseLayers       int     `json:"dense_layers"` // hidden dense layers
	Parameters        int     `json:"parameters"`
	FromHost          bool    `json:"from_host"`
	TrainImagesPerSec float64 `json:"train_images_per_s"`
	InferImagesPerSec float64 `json:"infer_images_per_s"`
}

// MeasureSpeed trains the network (DeepLeGATo heads: four Gaussian
// regressions and an angle, Adam, cosine schedule, as Train builds it) on a
// fixed random batch and runs inference, and reports images per second of
// each, compilation excluded.
func MeasureSpeed(o SpeedOptions) (res SpeedResult, err error) {
	if o.Model.Widths == nil {
		o.Model = DefaultModelConfig()
	}
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&o.Size, 64)
	def(&o.Bands, 1)
	def(&o.Batch, 64)
	def(&o.InferBatch, 256)
	def(&o.Steps, 20)
	def(&o.Warmup, 2)
	if err := o.Model.Validate(o.Size); err != nil {
		return res, err
	}
	cfg, be, err := openBackend(o.Backend)
	if err != nil {
		return res, err
	}
	defer be.Finalize()
	ts := speedTargets()
	n := newNet(be, o.Model, ts, 1)
	tc := DefaultConfig()
	tc.Model = o.Model
	tr := n.trainer(tc, 100000)
	rng := rand.New(rand.NewPCG(1, 2))
	s, nb, bs := o.Size, o.Bands, o.Batch
	x := make([]float32, bs*s*s*nb)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	ns := totalSlots(ts)
	lab := make([]float32, bs*ns)
	for i := range lab {
		lab[i] = float32(rng.NormFloat64())
	}
	mask := make([]float32, bs*len(ts))
	for i := range mask {
		mask[i] = 1
	}
	newBatch := func() train.Batch {
		return train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(x, bs, s, s, nb)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(lab, bs, ns), tensors.FromFlatDataAndDimensions(mask, bs, len(ts))}}
	}
	resident := newBatch() // moved to the device by its first step, then reused
	// step runs one training step; with wait it also copies the step's
	// metrics to the host, so that an asynchronous backend (XLA on a GPU)
	// has finished the work before the clock stops.
	step := func(b train.Batch, wait bool) error {
		return exceptions.TryCatch[error](func() {
			ms, err := tr.TrainStep(b)
			if err != nil {
				panic(err)
			}
			for _, m := range ms {
				if wait {
					m.MaterializeLocal()
				}
				m.FinalizeAll()
			}
		})
	}
	// steps runs n training steps, the last one waiting for its metrics.
	steps := func(n int) error {
		return repeatSteps(n, o.FromHost, be, resident, newBatch, trainBatchTensors, step)
	}
	if err := steps(o.Warmup); err != nil {
		return res, fmt.Errorf("emulate: speed: train step: %w", err)
	}
	t0 := time.Now()
	if err := steps(o.Steps); err != nil {
		return res, fmt.Errorf("emulate: speed: train step: %w", err)
	}
	trainSec := time.Since(t0).Seconds()

	exec, err := model.NewExec(be, n.store, func(scope *model.Scope, x *Node) *Node { return n.forward(scope, x) })
	if err != nil {
		return res, err
	}
	ib := o.InferBatch
	xi := make([]float32, ib*s*s*nb)
	for i := range xi {
		xi[i] = x[i%len(x)]
	}
	residentIn := tensors.FromFlatDataAndDimensions(xi, ib, s, s, nb)
	infer := func(in *tensors.Tensor, wait bool) error {
		return exceptions.TryCatch[error](func() {
			r, err := exec.Exec(in)
			if err != nil {
				panic(err)
			}
			if wait {
				r[0].MaterializeLocal()
			}
			r[0].FinalizeAll()
		})
	}
	// infers runs n inference batches, the last one waiting for its output.
	infers := func(n int) error {
		return repeatSteps(n, o.FromHost, be, residentIn,
			func() *tensors.Tensor { return tensors.FromFlatDataAndDimensions(xi, ib, s, s, nb) },
			func(t *tensors.Tensor) []*tensors.Tensor { return []*tensors.Tensor{t} }, infer)
	}
	if err := infers(1); err != nil {
		return res, fmt.Errorf("emulate: speed: inference: %w", err)
	}
	inferSteps := max(1, o.Steps*bs/ib)
	t0 = time.Now()
	if err := infers(inferSteps); err != nil {
		return res, fmt.Errorf("emulate: speed: inference: %w", err)
	}
	inferSec := time.Since(t0).Seconds()
	conv := "native"
	if n.im2col {
		conv = "im2col"
	}
	return SpeedResult{Framework: "galforge", Backend: cfg, Conv: conv, Size: s, Bands: nb, Batch: bs, InferBatch: ib,
		Dense: o.Model.Dense, DenseLayers: max(1, o.Model.DenseLayers),
		Parameters: countParams(n.store), FromHost: o.FromHost, TrainImagesPerSec: float64(o.Steps*bs) / trainSec,
		InferImagesPerSec: float64(inferSteps*ib) / inferSec}, nil
}

// speedTargets are the DeepLeGATo targets: four regressions and an angle
// (12 outputs).
func speedTargets() []Target {
	var ts []Target
	for i, name := range []string{"mag", "re_arcsec", "n", "q"} {
		ts = append(ts, Target{Name: name, Kind: Regression, Transform: TransformNone, Std: 1, Column: i})
	}
	return append(ts, Target{Name: "pa_deg", Kind: Regression, Transform: TransformAngle180, Column: 4})
}

// repeatSteps calls run n times, the last time with wait set: on resident
// every time, or, fromHost, on a new value from fresh each time, copied to
// the device ahead of its step by deviceFeed (as the training loop and
// Model.Outputs do) and freed after it.
func repeatSteps[T any](n int, fromHost bool, be compute.Backend, resident T, fresh func() T, tensorsOf func(T) []*tensors.Tensor, run func(v T, wait bool) error) error {
	if !fromHost {
		for i := range n {
			if err := run(resident, i == n-1); err != nil {
				return err
			}
		}
		return nil
	}
	var feedErr error
	values := func(yield func(T) bool) {
		for range n {
			if !yield(fresh()) {
				return
			}
		}
	}
	i := 0
	for v := range deviceFeed(values, be, tensorsOf, feedDepth(), &feedErr) {
		err := run(v, i == n-1)
		for _, t := range tensorsOf(v) {
			t.FinalizeAll()
		}
		if err != nil {
			return err
		}
		i++
	}
	return feedErr
}
