package emulate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Model is a trained network loaded for prediction.
type Model struct {
	Spec    Spec
	Dir     string
	backend compute.Backend
	net     *net
	exec    *model.Exec
	// Batch is the number of stamps per network call (fixed, so the graph
	// compiles once; the last call is padded). Default 64.
	Batch int
	// TTA is the number of the pixel grid's symmetries every stamp is
	// predicted in (test-time augmentation): 1 (default, off), 2, 4 or 8,
	// at most the size of the group the network was trained with (see
	// TTAViews). The predictions are combined by combineTTA.
	TTA int
}

// Load reads a model directory written by Train: model.json and the best
// weights. backend is as for Config.Backend ("" = $GOMLX_BACKEND or go).
// A missing, truncated or corrupt file gives an error naming it.
func Load(dir, backend string) (*Model, error) {
	var spec Spec
	sp := modelPath(dir, specFile)
	if _, err := os.Stat(sp); err != nil {
		return nil, fmt.Errorf("emulate: %s is not a trained model directory: %w", dir, err)
	}
	if err := readJSON(sp, &spec); err != nil {
		return nil, err
	}
	if spec.Format != SpecFormat || spec.Version != 1 {
		return nil, fmt.Errorf("emulate: %s: %w: format %q version %d, want %q version 1", sp, ErrCorrupt, spec.Format, spec.Version, SpecFormat)
	}
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("emulate: %s: %w: %v", sp, ErrCorrupt, err)
	}
	_, be, err := openBackend(backend)
	if err != nil {
		return nil, err
	}
	m, err := loadOn(be, spec, dir)
	if err != nil {
		be.Finalize()
		return nil, err
	}
	return m, nil
}

// loadOn builds the network of spec on an open backend and loads the best
// weights of dir into it. Close releases be.
func loadOn(be compute.Backend, spec Spec, dir string) (*Model, error) {
	m := &Model{Spec: spec, Dir: dir, backend: be, Batch: 64}
	m.net = newNet(be, spec.Model, spec.Targets, spec.Seed)
	if err := loadVariables(modelPath(dir, weightsFile), m.net.store); err != nil {
		return nil, err
	}
	if err := m.compile(); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Spec) validate() error {
	if s.StampSize <= 0 || len(s.Bands) == 0 || len(s.Targets) == 0 || !(s.Stretch > 0) {
		return errors.New("missing stamp_size, bands, targets or stretch")
	}
	if err := checkInput(s.Input); err != nil {
		return fmt.Errorf("input %q: %v", s.Input, err)
	}
	for _, t := range s.Targets {
		if t.Kind == Regression && t.Transform != TransformAngle180 && !(t.Std > 0) {
			return fmt.Errorf("target %s: std %v", t.Name, t.Std)
		}
		if t.SigmaScale < 0 || math.IsNaN(t.SigmaScale) || math.IsInf(t.SigmaScale, 0) {
			return fmt.Errorf("target %s: sigma_scale %v", t.Name, t.SigmaScale)
		}
	}
	if _, err := s.Training.Augment.Symmetries(); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	return s.Model.Validate(s.StampSize)
}

func (m *Model) compile() error {
	exec, err := model.NewExec(m.backend, m.net.store, func(scope *model.Scope, x *Node) *Node {
		return m.net.forward(scope, x)
	})
	if err != nil {
		return fmt.Errorf("emulate: build the network: %w", err)
	}
	m.exec = exec
	return nil
}

// Close releases the backend.
func (m *Model) Close() {
	if m.backend != nil {
		m.backend.Finalize()
		m.backend = nil
	}
}

// InputLen is the number of values of one preprocessed input.
func (m *Model) InputLen() int { return m.Spec.StampSize * m.Spec.StampSize * m.Channels() }

// Channels is the number of input channels: Preprocessing.Planes per band.
func (m *Model) Channels() int { return len(m.Spec.Bands) * m.Prep().Planes() }

// Prep is the preprocessing the model was trained with.
func (m *Model) Prep() Preprocessing {
	return newPreprocessing(m.Spec.Stretch, m.Spec.Input)
}

// Outputs runs the network on n preprocessed inputs (n·InputLen values,
// channels last) and returns the raw outputs, n rows of the targets'
// outputs back to back.
func (m *Model) Outputs(inputs []float32, n int) ([][]float32, error) {
	per, S, nb := m.InputLen(), m.Spec.StampSize, m.Channels()
	if len(inputs) != n*per {
		return nil, fmt.Errorf("emulate: %d input values for %d stamps of %d", len(inputs), n, per)
	}
	nOut := m.net.nOut
	out := make([][]float32, 0, n)
	// Batches are built and moved to the device one or two ahead of the
	// one running (deviceFeed).
	type job struct {
		t *tensors.Tensor
		k int // real stamps in the batch; the rest is zero padding
	}
	jobs := func(yield func(job) bool) {
		buf := make([]float32, m.Batch*per)
		for i := 0; i < n; i += m.Batch {
			k := min(m.Batch, n-i)
			clear(buf)
			copy(buf, inputs[i*per:(i+k)*per])
			if !yield(job{tensors.FromFlatDataAndDimensions(buf, m.Batch, S, S, nb), k}) {
				return
			}
		}
	}
	var feedErr error
	for j := range deviceFeed(jobs, m.backend, func(j job) []*tensors.Tensor { return []*tensors.Tensor{j.t} }, feedDepth(), &feedErr) {
		var res []*tensors.Tensor
		err := exceptions.TryCatch[error](func() {
			var e error
			res, e = m.exec.Exec(j.t)
			if e != nil {
				panic(e)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("emulate: run the network: %w", err)
		}
		flat, err := tensors.CopyFlatData[float32](res[0]) // waits for the batch
		res[0].FinalizeAll()
		j.t.FinalizeAll()
		if err != nil {
			return nil, err
		}
		for r := range j.k {
			out = append(out, flat[r*nOut:(r+1)*nOut])
		}
	}
	if feedErr != nil {
		return nil, feedErr
	}
	return out, nil
}

// Decode turns one row of raw outputs into a Prediction per target.
func (m *Model) Decode(row []float32) []Prediction {
	ps := make([]Prediction, len(m.Spec.Targets))
	o := 0
	for i, t := range m.Spec.Targets {
		ps[i] = t.decode(row[o : o+t.Outputs()])
		o += t.Outputs()
	}
	return ps
}

// PredictChunk is how many stamps PredictStamps preprocesses and runs at a
// time, so that its preprocessed copy of the inputs stays bounded however
// many stamps it is given (64×64×2 float32 inputs: 32 KiB a stamp, 64 MiB a
// chunk).
// Callers that assemble stamps themselves (galforge predict interleaves
// bands) can hand them over in pieces of this size.
var PredictChunk = 2048

// PredictStamps preprocesses n stamps (sci and rms: n × bands × S × S,
// in the model's band order; rms may be nil) and predicts every target,
// PredictChunk stamps at a time. Predictions do not depend on the chunking
// (each stamp's outputs depend on that stamp alone).
func (m *Model) PredictStamps(sci, rms []float32, n int) ([][]Prediction, error) {
	S, nb := m.Spec.StampSize, len(m.Spec.Bands)
	per := S * S * nb
	if len(sci) != n*per || (rms != nil && len(rms) != n*per) {
		return nil, fmt.Errorf("emulate: %d sci / %d rms values for %d stamps of %d×%d×%d", len(sci), len(rms), n, nb, S, S)
	}
	pin := m.InputLen()
	chunk := max(1, min(PredictChunk, n))
	in := make([]float32, chunk*pin)
	var scratch []float32
	out := make([][]Prediction, 0, n)
	for i0 := 0; i0 < n; i0 += chunk {
		k := min(chunk, n-i0)
		for j := range k {
			i := i0 + j
			var r []float32
			if rms != nil {
				r = rms[i*per : (i+1)*per]
			}
			scratch = Preprocess(in[j*pin:(j+1)*pin], sci[i*per:(i+1)*per], r, S, nb, m.Prep(), scratch)
		}
		p, err := m.predictInputs(in[:k*pin], k)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	return out, nil
}

// predictInputs predicts n preprocessed inputs (channels last), in every
// symmetry of m.TTA when it is above 1.
func (m *Model) predictInputs(in []float32, n int) ([][]Prediction, error) {
	augs := m.ttaSymmetries()
	if len(augs) == 1 {
		rows, err := m.Outputs(in, n)
		if err != nil {
			return nil, err
		}
		out := make([][]Prediction, n)
		for i, r := range rows {
			out[i] = m.Decode(r)
		}
		return out, nil
	}
	S, nb := m.Spec.StampSize, m.Channels()
	per := S * S * nb
	each := make([][][]Prediction, len(augs)) // [aug][stamp][target]
	aug := make([]float32, len(in))
	for k, a := range augs {
		for i := range n {
			a.Apply(aug[i*per:(i+1)*per], in[i*per:(i+1)*per], S, nb)
		}
		rows, err := m.Outputs(aug, n)
		if err != nil {
			return nil, err
		}
		each[k] = make([][]Prediction, n)
		for i, r := range rows {
			each[k][i] = m.Decode(r)
		}
	}
	out := make([][]Prediction, n)
	views := make([][]Prediction, len(augs))
	for i := range n {
		for k := range augs {
			views[k] = each[k][i]
		}
		out[i] = combineTTA(m.Spec.Targets, augs, views)
	}
	return out, nil
}

// ttaSymmetries returns the symmetries test-time augmentation uses: the
// first m.TTA members of the group the network was trained with (an
// unknown group, which Load rejects, or none: the identity alone). A
// network never saw its stamps in the other symmetries, and predicting
// them would hand it a point-spread function it was not trained on.
func (m *Model) ttaSymmetries() []Augmentation {
	syms, err := m.Spec.Training.Augment.Symmetries()
	if err != nil {
		syms = []Augmentation{{}}
	}
	return syms[:min(max(m.TTA, 1), len(syms))]
}

// TTAViews is the number of symmetries each stamp is predicted in: m.TTA,
// capped at the size of the training augmentation group.
func (m *Model) TTAViews() int { return len(m.ttaSymmetries()) }

// Augmentations returns the first n of the 8 symmetries of the pixel grid:
// the identity, then the half turn, the two quarter turns, then the four
// mirrored ones. n is clamped to [1, 8].
func Augmentations(n int) []Augmentation {
	all := []Augmentation{{Rot: 0}, {Rot: 2}, {Rot: 1}, {Rot: 3}, {Flip: true}, {Rot: 2, Flip: true}, {Rot: 1, Flip: true}, {Rot: 3, Flip: true}}
	return all[:min(max(n, 1), len(all))]
}

// combineTTA merges the predictions of one stamp seen in the symmetries
// augs (views[k] is the prediction for augs[k]): position angles are turned
// back to the stamp's frame and averaged as axes (mean of (cos 2θ, sin 2θ));
// log10 targets are averaged in dex, others linearly; σ² is the views'
// mean σ²; class probabilities are averaged. The spread of the views' means
// is not added (as it would be for a mixture of the views' Gaussians): each
// view's σ was trained to cover the whole error of one view, model error
// included, and the views' errors are strongly correlated, so adding it
// counted that error twice (DeepLeGATo, 8 views: 73–77 % of truths within
// 1σ with it, 69–74 % without, 64–67 % with one view).
func combineTTA(ts []Target, augs []Augmentation, views [][]Prediction) []Prediction {
	nv := float64(len(views))
	out := make([]Prediction, len(ts))
	for ti, t := range ts {
		switch {
		case t.Kind == Class:
			p := make([]float64, len(views[0][ti].Probs))
			for _, v := range views {
				for j, q := range v[ti].Probs {
					p[j] += q / nv
				}
			}
			out[ti] = Prediction{Value: float64(argmax(p)), Probs: p}
		case t.Transform == TransformAngle180:
			var c, s, s2 float64
			for k, v := range views {
				r := 2 * augs[k].InversePA(v[ti].Value) * math.Pi / 180
				c += math.Cos(r)
				s += math.Sin(r)
				s2 += v[ti].Sigma * v[ti].Sigma / nv
			}
			mean := 0.5 * math.Atan2(s, c) * 180 / math.Pi
			out[ti] = Prediction{Value: mean, Sigma: math.Sqrt(s2)}
		default:
			var mu, s2 float64
			for _, v := range views {
				x, sig := v[ti].Value, v[ti].Sigma
				if t.Transform == TransformLog10 {
					sig = sig / (math.Ln10 * x)
					x = math.Log10(x)
				}
				mu += x / nv
				s2 += sig * sig / nv
			}
			sig := math.Sqrt(s2)
			if t.Transform == TransformLog10 {
				y := math.Pow(10, mu)
				out[ti] = Prediction{Value: y, Sigma: math.Ln10 * y * sig}
			} else {
				out[ti] = Prediction{Value: mu, Sigma: sig}
			}
		}
	}
	return out
}

// PredictPart predicts every example of a split of d, in file order, and
// returns the examples' metadata beside the predictions.
func (m *Model) PredictPart(ctx context.Context, d *Data, part Part) ([]Meta, [][]Prediction, error) {
	if d.Header.StampSize != m.Spec.StampSize || len(d.Bands) != len(m.Spec.Bands) {
		return nil, nil, fmt.Errorf("emulate: data %d×%d in %d bands, model trained on %d×%d in %v",
			d.Header.StampSize, d.Header.StampSize, len(d.Bands), m.Spec.StampSize, m.Spec.StampSize, m.Spec.Bands)
	}
	var streamErr error
	var metas []Meta
	var preds [][]Prediction
	per := m.InputLen()
	in := make([]float32, 0, m.Batch*per)
	run := func() error {
		ps, err := m.predictInputs(in, len(in)/per)
		if err != nil {
			return err
		}
		preds = append(preds, ps...)
		in = in[:0]
		return nil
	}
	for e := range d.Stream(ctx, part, 0, false, AugmentNone, 1, m.Prep(), &streamErr) {
		metas = append(metas, e.Meta)
		in = append(in, e.Input...)
		if len(in) == m.Batch*per {
			if err := run(); err != nil {
				return nil, nil, err
			}
		}
	}
	if streamErr != nil {
		return nil, nil, streamErr
	}
	if len(in) > 0 {
		if err := run(); err != nil {
			return nil, nil, err
		}
	}
	return metas, preds, nil
}
