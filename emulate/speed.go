package emulate

import (
	"fmt"
	"math/rand/v2"
	"time"

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
	// step runs one training step; with wait it also copies the step's
	// metrics to the host, so that an asynchronous backend (XLA on a GPU)
	// has finished the work before the clock stops.
	newBatch := func() train.Batch {
		return train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(x, bs, s, s, nb)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(lab, bs, ns), tensors.FromFlatDataAndDimensions(mask, bs, len(ts))}}
	}
	resident := newBatch() // moved to the device by its first step, then reused
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
	// From host memory, each step gets a new batch that deviceFeed copies
	// to the device while the previous steps run, as the training loop does.
	steps := func(n int) error {
		if !o.FromHost {
			for i := range n {
				if err := step(resident, i == n-1); err != nil {
					return err
				}
			}
			return nil
		}
		var feedErr error
		fresh := func(yield func(train.Batch) bool) {
			for range n {
				if !yield(newBatch()) {
					return
				}
			}
		}
		i := 0
		for b := range deviceFeed(fresh, be, trainBatchTensors, feedDepth, &feedErr) {
			err := step(b, i == n-1)
			for _, t := range trainBatchTensors(b) {
				t.FinalizeAll()
			}
			if err != nil {
				return err
			}
			i++
		}
		return feedErr
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
	// infers runs n inference batches, the last one waiting for its output;
	// from host memory through deviceFeed, as Model.Outputs does.
	infers := func(n int) error {
		if !o.FromHost {
			for i := range n {
				if err := infer(residentIn, i == n-1); err != nil {
					return err
				}
			}
			return nil
		}
		var feedErr error
		fresh := func(yield func(*tensors.Tensor) bool) {
			for range n {
				if !yield(tensors.FromFlatDataAndDimensions(xi, ib, s, s, nb)) {
					return
				}
			}
		}
		i := 0
		for in := range deviceFeed(fresh, be, func(t *tensors.Tensor) []*tensors.Tensor { return []*tensors.Tensor{t} }, feedDepth, &feedErr) {
			err := infer(in, i == n-1)
			in.FinalizeAll()
			if err != nil {
				return err
			}
			i++
		}
		return feedErr
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
