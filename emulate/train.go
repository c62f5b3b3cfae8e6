package emulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/ml/train/optimizer/cosineschedule"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/galforge/galforge/internal/progress"
	"github.com/galforge/galforge/mock/shard"
)

// SpecFormat names the model.json format.
const SpecFormat = "galforge-model"

// Spec is a trained model's model.json: everything that rebuilds the network,
// its preprocessing and the meaning of its outputs, plus the training record.
type Spec struct {
	Format          string      `json:"format"`
	Version         int         `json:"version"`
	GalforgeVersion string      `json:"galforge_version"`
	ConfigHash      string      `json:"config_hash"`
	Seed            uint64      `json:"seed"`
	Model           ModelConfig `json:"model"`
	Targets         []Target    `json:"targets"`
	Bands           []string    `json:"bands"`
	StampSize       int         `json:"stamp_size"`
	// PixelScaleArcsec is the pixel scale of the training stamps, from the
	// shards' provenance (0 when they do not record it).
	PixelScaleArcsec float64 `json:"pixel_scale_arcsec"`
	Stretch          float64 `json:"stretch"`
	// Input is train.input (empty in models from before the key: asinh).
	Input        string         `json:"input,omitempty"`
	TruthColumns []shard.Column `json:"truth_columns"`
	Shards       []string       `json:"shards"`
	Split        SplitRecord    `json:"split"`
	Training     TrainRecord    `json:"training"`
	History      []EpochRecord  `json:"history"`
	// Calibration records the calibration of σ and class probabilities at
	// the end of training (nil in models from before it existed).
	Calibration *CalibrationRecord `json:"calibration,omitempty"`
}

// CalibrationRecord says what the σ scales and temperatures of the targets
// were fitted on: the validation split's stamps and galaxies. With fewer than
// MinGalaxies galaxies no target is calibrated.
type CalibrationRecord struct {
	Stamps      int `json:"stamps"`
	Galaxies    int `json:"galaxies"`
	MinGalaxies int `json:"min_galaxies"`
	// Classes is whether class targets were calibrated too (false in
	// models calibrated before temperature scaling existed).
	Classes bool `json:"classes,omitempty"`
}

// SplitRecord counts galaxies and examples per split.
type SplitRecord struct {
	Galaxies [3]int `json:"galaxies"` // train, val, test
	Examples [3]int `json:"examples"`
}

// TrainRecord summarises a training run.
type TrainRecord struct {
	Backend      string  `json:"backend"`
	BatchSize    int     `json:"batch_size"`
	Epochs       int     `json:"epochs"` // epochs run
	BestEpoch    int     `json:"best_epoch"`
	BestValScore float64 `json:"best_val_score"`
	Steps        int64   `json:"steps"`
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_s"`
	Stopped      string  `json:"stopped"` // "epochs", "early-stopping"
	Parameters   int     `json:"parameters"`
	// Augment is the augmentation group the network was trained with
	// (train.augment); test-time augmentation uses its members. Empty in
	// models written before the groups existed, which used D4 or none.
	Augment AugmentGroup `json:"augment,omitempty"`
	// FreshStamps is the number of training stamps drawn anew from the
	// mock's priors during training (train.fresh), besides the shards'.
	FreshStamps int64 `json:"fresh_stamps,omitempty"`
}

// EpochRecord is one epoch of the loss history.
type EpochRecord struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	ValLoss   float64 `json:"val_loss"`
	// ValScore selects the best epoch: the validation loss with squared
	// errors of the means in place of the regression likelihoods.
	ValScore     float64 `json:"val_score"`
	LearningRate float64 `json:"learning_rate"`
	Seconds      float64 `json:"seconds"`
}

// loopState is state.json: what resume needs besides the variables.
type loopState struct {
	ConfigHash string        `json:"config_hash"`
	Epoch      int           `json:"epoch"` // last finished epoch (1-based)
	Best       float64       `json:"best"`
	BestEpoch  int           `json:"best_epoch"`
	Stale      int           `json:"stale"`
	Seconds    float64       `json:"seconds"`
	Images     int64         `json:"images"`
	History    []EpochRecord `json:"history"`
	Targets    []Target      `json:"targets"`
	Fresh      int64         `json:"fresh,omitempty"` // fresh training stamps drawn so far
}

// TrainOptions are the run-level inputs of Train besides the data.
type TrainOptions struct {
	Config     Config
	Seed       uint64
	Dir        string // the model directory (created)
	ConfigHash string // hash of everything that changes the model; resume only continues a run with the same hash
	Version    string // galforge version recorded in the spec
	Log        io.Writer
	// Fresh, when not nil, draws new training stamps for every epoch
	// after the first (train.fresh).
	Fresh *Fresh
}

// net holds what building and running the network needs.
type net struct {
	backend compute.Backend
	store   *model.Store
	cfg     ModelConfig
	im2col  bool
	targets []Target
	nOut    int
}

func newNet(backend compute.Backend, cfg ModelConfig, targets []Target, seed uint64) *net {
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(seed&math.MaxInt64|1))
	im2col := cfg.Conv == "im2col" || (cfg.Conv == "auto" && backend.String() == gobackend.BackendName)
	return &net{backend: backend, store: store, cfg: cfg, im2col: im2col, targets: targets, nOut: totalOutputs(targets)}
}

// forward is the model function: [B,S,S,C] → [B, outputs].
func (n *net) forward(scope *model.Scope, x *Node) *Node {
	return network(scope.In("cnn"), n.cfg, n.im2col, x, n.nOut)
}

// trainer builds the training step of n: Adam on the β-NLL / cross-entropy
// loss, with c's learning rate and, when c.Schedule is "cosine", its warm-up
// and cosine decay over totalSteps.
func (n *net) trainer(c Config, totalSteps int) *train.Trainer {
	n.store.SetParam(optimizer.ParamLearningRate, c.LearningRate)
	if c.Schedule == "cosine" {
		n.store.SetParam(cosineschedule.ParamPeriodSteps, totalSteps)
		n.store.SetParam(cosineschedule.ParamMinLearningRate, c.MinLearningRate)
		if c.WarmupSteps > 0 {
			n.store.SetParam(cosineschedule.ParamWarmUpSteps, min(c.WarmupSteps, totalSteps/2+1))
		}
	}
	modelFn := func(scope *model.Scope, x *Node) *Node {
		if g := x.Graph(); c.Schedule == "cosine" && scope.Store().IsTraining(g) {
			cosineschedule.New(scope, g, dtypes.Float32).FromScope().Done()
		}
		return n.forward(scope, x)
	}
	lossFn := func(labels, preds []*Node) *Node {
		return lossGraph(n.targets, labels[0], labels[1], preds[0], c.BetaNLL)
	}
	return train.NewTrainer(n.backend, n.store, modelFn, lossFn, optimizer.Adam().Done(), nil, nil)
}

// openBackend resolves and creates the backend of a train.backend value.
func openBackend(name string) (string, compute.Backend, error) {
	cfg, _, err := BackendConfig(name)
	if err != nil {
		return "", nil, err
	}
	be, err := NewBackend(cfg)
	return cfg, be, err
}

// Train trains a network on the training split of d, validating on the
// validation split after every epoch, keeping the best weights (by the
// validation score: see scoreGraph) in Dir/weights.gfw and the last epoch's full state (with
// the optimizer's) in Dir/state.gfw, so that an interrupted run resumes from
// its last finished epoch. It writes Dir/model.json and returns the spec.
func Train(ctx context.Context, d *Data, o TrainOptions) (spec *Spec, err error) {
	c := o.Config
	c.Model = c.Model.resolved()
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	if err := c.Model.Validate(d.Header.StampSize); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("emulate: %w", err)
	}
	bcfg, backend, err := openBackend(c.Backend)
	if err != nil {
		return nil, err
	}
	defer backend.Finalize()
	n := newNet(backend, c.Model, d.Targets, o.Seed)
	S, nb := d.Header.StampSize, len(d.Bands)*c.Prep().Planes() // input channels
	stepsPerEpoch := d.Len(PartTrain) / c.BatchSize
	if stepsPerEpoch == 0 {
		return nil, fmt.Errorf("emulate: %d training examples make no batch of train.batch_size = %d", d.Len(PartTrain), c.BatchSize)
	}
	totalSteps := stepsPerEpoch * c.Epochs
	trainer := n.trainer(c, totalSteps)
	// The validation graph is built afresh for every evaluation: an Exec kept
	// across training steps of the pure-Go backend was seen to return the
	// loss of the weights it was first called with (GoMLX v0.28.16).
	newLossExec := func() (*model.Exec, error) {
		e, err := model.NewExec(backend, n.store, func(scope *model.Scope, in []*Node) (*Node, *Node) {
			out := n.forward(scope, in[0])
			return lossGraph(n.targets, in[1], in[2], out, c.BetaNLL), scoreGraph(n.targets, in[1], in[2], out)
		})
		if err != nil {
			return nil, fmt.Errorf("emulate: build the validation graph: %w", err)
		}
		return e, nil
	}

	// Resume?
	st := loopState{ConfigHash: o.ConfigHash, Best: math.Inf(1)}
	statePath, loopPath := modelPath(o.Dir, stateFile), modelPath(o.Dir, loopFile)
	if prev, ok := readLoop(loopPath); ok && prev.ConfigHash == o.ConfigHash && fileExists(statePath) {
		if err := loadVariables(statePath, n.store); err != nil {
			return nil, fmt.Errorf("%w (delete %s to start over)", err, o.Dir)
		}
		st = prev
		n.targets = prev.Targets // the standardisation the weights were trained with
		d.Targets = prev.Targets
		fmt.Fprintf(logw, "train: resuming %s after epoch %d (best val score %.4g at epoch %d)\n", o.Dir, st.Epoch, st.Best, st.BestEpoch)
	} else {
		// A fresh start: the files of another run in Dir must not pair with
		// this run's weights if it stops before writing its own.
		for _, f := range []string{specFile, weightsFile, stateFile, loopFile} {
			if err := os.Remove(modelPath(o.Dir, f)); err != nil && !os.IsNotExist(err) {
				return nil, fmt.Errorf("emulate: %w", err)
			}
		}
	}

	fmt.Fprintf(logw, "train: %d/%d/%d galaxies, %d/%d/%d stamps (train/val/test), %d×%d×%d inputs, backend %s, %d steps/epoch × %d epochs\n",
		len(d.IDs(PartTrain)), len(d.IDs(PartVal)), len(d.IDs(PartTest)), d.Len(PartTrain), d.Len(PartVal), d.Len(PartTest), S, S, nb, backend.Name(), stepsPerEpoch, c.Epochs)

	if o.Fresh != nil {
		if err := o.Fresh.check(d); err != nil {
			return nil, err
		}
		fmt.Fprintf(logw, "train: fresh stamps: every epoch after the first trains on %d new stamps drawn from the mock's priors\n", d.Len(PartTrain))
	}

	nSlots, nT := totalSlots(n.targets), len(n.targets)
	bar := progress.New(logw, "train steps", totalSteps-st.Epoch*stepsPerEpoch)
	started := time.Now()
	stopped := "epochs"
	for epoch := st.Epoch + 1; epoch <= c.Epochs; epoch++ {
		t0 := time.Now()
		var lossSum float64
		var steps int
		var streamErr error
		src := d.Stream(ctx, PartTrain, epochSeed(o.Seed, epoch), true, c.Augment, c.ShuffleBuffer, c.Prep(), &streamErr)
		if o.Fresh != nil && epoch > 1 {
			src = o.Fresh.stream(ctx, epoch, d.Len(PartTrain), c.Augment, c.Prep(), &streamErr)
			st.Fresh += int64(d.Len(PartTrain))
		}
		for batch := range deviceFeed(batches(src, d.Targets, false, c, S, nb, nSlots, nT, &streamErr), backend, batchTensors, feedDepth(), &streamErr) {
			var ms []*tensors.Tensor
			err := exceptions.TryCatch[error](func() {
				var e error
				ms, e = trainer.TrainStep(batch.Batch)
				if e != nil {
					panic(e)
				}
			})
			if err != nil {
				return nil, fmt.Errorf("emulate: train step (epoch %d): %w", epoch, err)
			}
			l := scalarOf(ms[0]) // waits for the step
			for _, t := range batchTensors(batch) {
				t.FinalizeAll() // the batch's device copy, now rather than at a garbage collection
			}
			for _, t := range ms {
				t.FinalizeAll()
			}
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return nil, fmt.Errorf("emulate: training diverged at epoch %d, step %d (loss %v): lower train.learning_rate", epoch, steps+1, l)
			}
			lossSum += l
			steps++
			st.Images += int64(c.BatchSize)
			bar.Note(fmt.Sprintf("epoch %d, loss %.4f", epoch, lossSum/float64(steps)))
			bar.Add(1)
		}
		if streamErr != nil {
			return nil, streamErr
		}
		lossExec, err := newLossExec()
		if err != nil {
			return nil, err
		}
		val, score, err := evalLoss(ctx, backend, lossExec, d, PartVal, c, S, nb, nSlots, nT)
		lossExec.Finalize()
		if err != nil {
			return nil, err
		}
		lr := currentLR(n.store)
		rec := EpochRecord{Epoch: epoch, TrainLoss: lossSum / float64(max(steps, 1)), ValLoss: val, ValScore: score, LearningRate: lr, Seconds: time.Since(t0).Seconds()}
		st.History = append(st.History, rec)
		st.Epoch = epoch
		st.Seconds += rec.Seconds
		mark := ""
		if score < st.Best {
			st.Best, st.BestEpoch, st.Stale = score, epoch, 0
			if err := saveVariables(modelPath(o.Dir, weightsFile), n.store, isModelVar); err != nil {
				return nil, err
			}
			mark = " *best*"
		} else {
			st.Stale++
		}
		if err := saveVariables(statePath, n.store, nil); err != nil {
			return nil, err
		}
		st.Targets = n.targets
		if err := writeJSON(loopPath, st); err != nil {
			return nil, err
		}
		fmt.Fprintf(logw, "train: epoch %d/%d: train loss %.4f, val loss %.4f, val score %.4f, lr %.3g, %.1f images/s%s\n",
			epoch, c.Epochs, rec.TrainLoss, val, score, lr, float64(steps*c.BatchSize)/rec.Seconds, mark)
		if c.Patience > 0 && st.Stale >= c.Patience {
			stopped = "early-stopping"
			fmt.Fprintf(logw, "train: no better validation score for %d epochs: stopping early (best epoch %d)\n", st.Stale, st.BestEpoch)
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	_ = started
	spec = &Spec{Format: SpecFormat, Version: 1, GalforgeVersion: o.Version, ConfigHash: o.ConfigHash, Seed: o.Seed,
		Model: c.Model, Targets: n.targets, Bands: d.BandNames(), StampSize: S, PixelScaleArcsec: pixelScaleOf(d.Header),
		Stretch: c.Stretch, Input: c.Prep().Input, TruthColumns: d.Header.Truth, Shards: d.Paths, History: st.History,
		Split: SplitRecord{Galaxies: [3]int{len(d.IDs(PartTrain)), len(d.IDs(PartVal)), len(d.IDs(PartTest))}, Examples: [3]int{d.Len(PartTrain), d.Len(PartVal), d.Len(PartTest)}},
		Training: TrainRecord{Backend: bcfg, BatchSize: c.BatchSize, Epochs: st.Epoch, BestEpoch: st.BestEpoch, BestValScore: st.Best,
			Steps: int64(st.Epoch * stepsPerEpoch), Seconds: st.Seconds, Stopped: stopped, Parameters: countParams(n.store), Augment: c.Augment, FreshStamps: st.Fresh}}
	if st.Seconds > 0 {
		spec.Training.ImagesPerSec = float64(st.Images) / st.Seconds
	}
	// The last step: the σ of each regression target and the probabilities
	// of each class target calibrated on the validation split, with the best
	// weights.
	cal := *spec
	cal.Targets = slices.Clone(spec.Targets)
	m, err := loadOn(backend, cal, o.Dir) // not closed: the deferred Finalize releases the backend
	if err != nil {
		return nil, err
	}
	nVal, nGal, err := m.Calibrate(ctx, d)
	if err != nil {
		return nil, err
	}
	spec.Targets = m.Spec.Targets
	spec.Calibration = &CalibrationRecord{Stamps: nVal, Galaxies: nGal, MinGalaxies: minCalibration, Classes: true}
	var scales, temps []string
	regs, classes := 0, 0
	for _, t := range spec.Targets {
		if t.Kind == Regression {
			regs++
		} else {
			classes++
		}
		if t.SigmaScale > 0 {
			scales = append(scales, fmt.Sprintf("%s ×%.3f", ScoreName(t), t.SigmaScale))
		}
		if t.Temperature > 0 {
			temps = append(temps, fmt.Sprintf("%s T = %.3f", t.Name, t.Temperature))
		}
	}
	switch {
	case len(scales) > 0:
		fmt.Fprintf(logw, "train: σ calibrated on %d validation stamps of %d galaxies (68.3 %% within 1σ): %s\n", nVal, nGal, strings.Join(scales, ", "))
	case regs > 0 && nGal < minCalibration:
		fmt.Fprintf(logw, "train: σ not calibrated: %d validation galaxies, fewer than the %d a calibration needs\n", nGal, minCalibration)
	}
	switch {
	case len(temps) > 0:
		fmt.Fprintf(logw, "train: class probabilities calibrated on %d validation stamps of %d galaxies (least log loss): %s\n", nVal, nGal, strings.Join(temps, ", "))
	case classes > 0 && nGal < minCalibration:
		fmt.Fprintf(logw, "train: class probabilities not calibrated: %d validation galaxies, fewer than the %d a calibration needs\n", nGal, minCalibration)
	}
	if err := writeJSON(modelPath(o.Dir, specFile), spec); err != nil {
		return nil, err
	}
	return spec, nil
}

// isModelVar selects the network's variables (not the optimizer's or the
// schedule's) for the weights file.
func isModelVar(v *model.Variable) bool { return strings.HasPrefix(v.Path(), "/cnn/") }

func countParams(s *model.Store) int {
	n := 0
	for v := range s.IterVariables() {
		if isModelVar(v) {
			n += v.Shape().Size()
		}
	}
	return n
}

func currentLR(s *model.Store) float64 {
	for v := range s.IterVariables() {
		if strings.HasSuffix(v.Path(), "/"+optimizer.ParamLearningRate) && v.HasValue() {
			if t, err := v.Value(); err == nil {
				return scalarOf(t)
			}
		}
	}
	return math.NaN()
}

func scalarOf(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

func epochSeed(seed uint64, epoch int) uint64 {
	return seed*0x9E3779B97F4A7C15 + uint64(epoch)*0xBF58476D1CE4E5B9
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func readLoop(path string) (loopState, bool) {
	var st loopState
	if !fileExists(path) {
		return st, false
	}
	if err := readJSON(path, &st); err != nil {
		return st, false
	}
	return st, true
}

// pixelScaleOf reads the pixel scale that `galforge mock` records in the
// shard provenance.
func pixelScaleOf(h shard.Header) float64 {
	var v float64
	if s, ok := h.Provenance.Extra["pixel_scale_arcsec"]; ok {
		fmt.Sscan(s, &v)
	}
	return v
}

// batch is a training batch with the examples' metadata; N of its rows are
// real, the rest padding (masked out of the loss).
type batch struct {
	train.Batch
	Meta []Meta
	N    int
}

// batches groups a stream of examples into batches of c.BatchSize. With pad
// the last partial batch is padded with zero inputs and zero masks; without
// it the partial batch is dropped (training).
func batches(src iter.Seq[Example], targets []Target, pad bool, c Config, S, nb, nSlots, nT int, errp *error) iter.Seq[batch] {
	return func(yield func(batch) bool) {
		bs := c.BatchSize
		per := S * S * nb
		newBuf := func() ([]float32, []float32, []float32) {
			return make([]float32, bs*per), make([]float32, bs*nSlots), make([]float32, bs*nT)
		}
		x, lab, mask := newBuf()
		var metas []Meta
		k := 0
		emit := func() bool {
			b := batch{Batch: train.Batch{
				Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(x, bs, S, S, nb)},
				Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(lab, bs, nSlots), tensors.FromFlatDataAndDimensions(mask, bs, nT)},
			}, Meta: metas, N: k}
			x, lab, mask = newBuf()
			metas, k = nil, 0
			return yield(b)
		}
		for e := range src {
			copy(x[k*per:(k+1)*per], e.Input)
			labels(targets, &e, lab[k*nSlots:(k+1)*nSlots], mask[k*nT:(k+1)*nT])
			metas = append(metas, e.Meta)
			k++
			if k == bs {
				if !emit() {
					return
				}
			}
		}
		if k > 0 && pad && *errp == nil {
			emit()
		}
	}
}

// evalLoss returns the mean loss and the mean score over a split: each
// batch's values (padding masked out) weighted by its number of real
// examples.
func evalLoss(ctx context.Context, be compute.Backend, lossExec *model.Exec, d *Data, part Part, c Config, S, nb, nSlots, nT int) (loss, score float64, err error) {
	var streamErr error
	n := 0
	src := d.Stream(ctx, part, 0, false, AugmentNone, c.ShuffleBuffer, c.Prep(), &streamErr)
	for b := range deviceFeed(batches(src, d.Targets, true, c, S, nb, nSlots, nT, &streamErr), be, batchTensors, feedDepth(), &streamErr) {
		var res []*tensors.Tensor
		err := exceptions.TryCatch[error](func() {
			var e error
			res, e = lossExec.Exec(b.Inputs[0], b.Labels[0], b.Labels[1])
			if e != nil {
				panic(e)
			}
		})
		if err != nil {
			return 0, 0, fmt.Errorf("emulate: validation step: %w", err)
		}
		loss += scalarOf(res[0]) * float64(b.N)
		score += scalarOf(res[1]) * float64(b.N)
		for _, t := range batchTensors(b) {
			t.FinalizeAll()
		}
		n += b.N
		for _, r := range res {
			r.FinalizeAll()
		}
	}
	if streamErr != nil {
		return 0, 0, streamErr
	}
	if n == 0 {
		return 0, 0, errors.New("emulate: the validation split is empty")
	}
	return loss / float64(n), score / float64(n), nil
}

// prefetch runs the producer seq on its own goroutine, up to depth items
// ahead of the consumer, so that reading and preprocessing the next batches
// overlaps the training step. Stopping early drains the producer.
func prefetch[T any](seq iter.Seq[T], depth int) iter.Seq[T] {
	return func(yield func(T) bool) {
		ch := make(chan T, depth)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer close(ch)
			for v := range seq {
				select {
				case ch <- v:
				case <-stop:
					return
				}
			}
		}()
		defer func() {
			close(stop)
			for range ch {
			}
			<-done
		}()
		for v := range ch {
			if !yield(v) {
				return
			}
		}
	}
}
