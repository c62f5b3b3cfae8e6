package emulate

import (
	"context"
	"errors"
	"fmt"
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
	m := &Model{Spec: spec, Dir: dir, backend: be, Batch: 64}
	m.net = newNet(be, spec.Model, spec.Targets, spec.Seed)
	if err := loadVariables(modelPath(dir, weightsFile), m.net.store); err != nil {
		be.Finalize()
		return nil, err
	}
	if err := m.compile(); err != nil {
		be.Finalize()
		return nil, err
	}
	return m, nil
}

func (s *Spec) validate() error {
	if s.StampSize <= 0 || len(s.Bands) == 0 || len(s.Targets) == 0 || !(s.Stretch > 0) {
		return errors.New("missing stamp_size, bands, targets or stretch")
	}
	for _, t := range s.Targets {
		if t.Kind == Regression && t.Transform != TransformAngle180 && !(t.Std > 0) {
			return fmt.Errorf("target %s: std %v", t.Name, t.Std)
		}
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
func (m *Model) InputLen() int { return m.Spec.StampSize * m.Spec.StampSize * len(m.Spec.Bands) }

// Outputs runs the network on n preprocessed inputs (n·InputLen values,
// channels last) and returns the raw outputs, n rows of the targets'
// outputs back to back.
func (m *Model) Outputs(inputs []float32, n int) ([][]float32, error) {
	per, S, nb := m.InputLen(), m.Spec.StampSize, len(m.Spec.Bands)
	if len(inputs) != n*per {
		return nil, fmt.Errorf("emulate: %d input values for %d stamps of %d", len(inputs), n, per)
	}
	nOut := m.net.nOut
	out := make([][]float32, 0, n)
	buf := make([]float32, m.Batch*per)
	for i := 0; i < n; i += m.Batch {
		k := min(m.Batch, n-i)
		clear(buf)
		copy(buf, inputs[i*per:(i+k)*per])
		var res []*tensors.Tensor
		err := exceptions.TryCatch[error](func() {
			var e error
			res, e = m.exec.Exec(tensors.FromFlatDataAndDimensions(buf, m.Batch, S, S, nb))
			if e != nil {
				panic(e)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("emulate: run the network: %w", err)
		}
		flat, err := tensors.CopyFlatData[float32](res[0])
		res[0].FinalizeAll()
		if err != nil {
			return nil, err
		}
		for j := range k {
			out = append(out, flat[j*nOut:(j+1)*nOut])
		}
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

// PredictStamps preprocesses n stamps (sci and rms: n × bands × S × S,
// in the model's band order; rms may be nil) and predicts every target.
func (m *Model) PredictStamps(sci, rms []float32, n int) ([][]Prediction, error) {
	S, nb := m.Spec.StampSize, len(m.Spec.Bands)
	per := S * S * nb
	if len(sci) != n*per || (rms != nil && len(rms) != n*per) {
		return nil, fmt.Errorf("emulate: %d sci / %d rms values for %d stamps of %d×%d×%d", len(sci), len(rms), n, nb, S, S)
	}
	in := make([]float32, n*per)
	var scratch []float32
	for i := range n {
		var r []float32
		if rms != nil {
			r = rms[i*per : (i+1)*per]
		}
		scratch = Preprocess(in[i*per:(i+1)*per], sci[i*per:(i+1)*per], r, S, nb, m.Spec.Stretch, scratch)
	}
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
		rows, err := m.Outputs(in, len(in)/per)
		if err != nil {
			return err
		}
		for _, r := range rows {
			preds = append(preds, m.Decode(r))
		}
		in = in[:0]
		return nil
	}
	for e := range d.Stream(ctx, part, 0, false, false, 1, m.Spec.Stretch, &streamErr) {
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
