package emulate

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/galforge/galforge/mock"
	"github.com/galforge/galforge/mock/sersic"
	"github.com/galforge/galforge/mock/shard"
)

// makeShard writes n analytic single-Sérsic stamps (size s, noise on) to a
// shard in dir, the way `galforge mock` does, and returns its path. Its truth
// columns are mock's but x0 and y0, then a class column, phase: brighter or
// fainter than mag 21, or unknown, a class target the images tell.
func makeShard(t testing.TB, dir string, n, s int, seed uint64) string {
	t.Helper()
	mc := mock.DefaultConfig()
	mc.NObjects, mc.StampSize = n, s
	mc.Profile.ReMaxArcsec = 0.6
	cols := []shard.Column{{Name: "mag", Unit: "mag"}, {Name: "re_arcsec", Unit: "arcsec"}, {Name: "n"}, {Name: "q"}, {Name: "pa_deg", Unit: "deg"}, {Name: "phase"}}
	return writeShard(t, dir, mc, seed, cols, func(_ *mock.Generator, o mock.Object, _ *mock.Stamp) []float32 {
		p := o.Sersic
		return []float32{float32(o.Mag), float32(p.ReArcsec), float32(p.N), float32(p.Q), float32(p.PADeg), float32(min(int(o.Mag-19)/2, 2))}
	})
}

// writeShard draws the stamps of mc with seed and writes them to dir/mock.gfs
// (SCI and RMS planes, blocks of 16, a 0.06″ pixel scale in the provenance)
// with the truth columns cols and the truth vectors truth gives.
func writeShard(t testing.TB, dir string, mc mock.Config, seed uint64, cols []shard.Column, truth func(*mock.Generator, mock.Object, *mock.Stamp) []float32) string {
	t.Helper()
	gen, err := mock.NewGenerator(mc)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := mock.Plan(mc, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mock.gfs")
	w, err := shard.Create(path, shard.Header{StampSize: mc.StampSize, Bands: []string{gen.Band.Name}, Planes: []string{"SCI", "RMS"},
		Truth: cols, Provenance: shard.Provenance{Extra: map[string]string{"pixel_scale_arcsec": "0.06"}}}, shard.WithBlockSize(16))
	if err != nil {
		t.Fatal(err)
	}
	d := gen.NewDrawer()
	for _, o := range objs {
		st, err := gen.Stamp(d, o, seed)
		if err != nil {
			t.Fatal(err)
		}
		img := make([]float32, 0, 2*len(st.Sci))
		for _, v := range st.Sci {
			img = append(img, float32(v))
		}
		for _, v := range st.RMS {
			img = append(img, float32(v))
		}
		if err := w.Append(shard.Example{ID: o.ID, Row: int64(o.Row), Images: img, Truth: truth(gen, o, st)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func tinyConfig() Config {
	c := DefaultConfig()
	c.Model = ModelConfig{Widths: []int{8, 16}, ConvsPerBlock: 1, Dense: 32, Conv: "auto"}
	c.BatchSize = 16
	c.Epochs = 3
	c.WarmupSteps = 2
	c.Patience = 0
	c.ValFraction, c.TestFraction = 0.2, 0.2
	c.ShuffleBuffer = 64
	c.LearningRate = 3e-3
	return c
}

// TestTrainReducesLoss trains a tiny network for a few epochs on a tiny
// shard: the validation loss must fall below the first epoch's, and the
// training loss of the last epoch below the first's.
func TestTrainReducesLoss(t *testing.T) {
	dir := t.TempDir()
	path := makeShard(t, dir, 160, 32, 7)
	c := tinyConfig()
	c.Epochs = 4
	d, err := OpenData(context.Background(), []string{path}, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	spec, err := Train(context.Background(), d, TrainOptions{Config: c, Seed: 1, Dir: filepath.Join(dir, "model"), ConfigHash: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	h := spec.History
	if len(h) != c.Epochs {
		t.Fatalf("history has %d epochs, want %d", len(h), c.Epochs)
	}
	if !(h[len(h)-1].TrainLoss < h[0].TrainLoss) {
		t.Errorf("train loss did not fall: %+v", h)
	}
	t.Logf("history %+v", h)
	if !(spec.Training.BestValScore < h[0].ValScore) || !(h[len(h)-1].ValLoss < h[0].ValLoss) {
		t.Errorf("validation did not improve: best score %v, first %v; loss first %v, last %v", spec.Training.BestValScore, h[0].ValScore, h[0].ValLoss, h[len(h)-1].ValLoss)
	}
	// Resume: a second call with the same hash finds every epoch done and
	// trains nothing more.
	spec2, err := Train(context.Background(), d, TrainOptions{Config: c, Seed: 1, Dir: filepath.Join(dir, "model"), ConfigHash: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(spec2.History) != len(h) || spec2.History[0] != h[0] {
		t.Errorf("resume changed the history: %+v vs %+v", spec2.History, h)
	}
	// The model predicts every test stamp with a finite value and σ.
	m, err := Load(filepath.Join(dir, "model"), "go")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	metas, preds, err := m.PredictPart(context.Background(), d, PartTest)
	if err != nil {
		t.Fatal(err)
	}
	if len(metas) != d.Len(PartTest) || len(preds) != len(metas) {
		t.Fatalf("%d predictions for %d test stamps", len(preds), d.Len(PartTest))
	}
	for i, p := range preds {
		for j, q := range p {
			if math.IsNaN(q.Value) || !(q.Sigma > 0) {
				t.Fatalf("stamp %d target %s: %+v", i, m.Spec.Targets[j].Name, q)
			}
		}
	}
}

// TestSplitByGalaxy checks that no galaxy id is in two splits, for stamps
// where each galaxy has many views and snapshots.
func TestSplitByGalaxy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "views.gfs")
	w, err := shard.Create(path, shard.Header{StampSize: 4, Bands: []string{"F160W"}, Planes: []string{"SCI", "RMS"},
		Truth: []shard.Column{{Name: "re3d_kpc", Unit: "kpc"}}}, shard.WithBlockSize(7))
	if err != nil {
		t.Fatal(err)
	}
	for g := range 40 {
		for snap := range 3 {
			for v := range 10 {
				img := make([]float32, 32)
				for i := 16; i < 32; i++ {
					img[i] = 1
				}
				if err := w.Append(shard.Example{ID: int64(1000 + g), Snapshot: int32(snap), View: int32(v), Images: img, Truth: []float32{float32(1 + g%5)}}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Targets = []string{"re3d_kpc"}
	d, err := OpenData(context.Background(), []string{path}, c, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	where := map[int64]Part{}
	total := 0
	for _, part := range []Part{PartTrain, PartVal, PartTest} {
		var errp error
		for e := range d.Stream(context.Background(), part, 5, true, AugmentNone, 50, Preprocessing{Stretch: 3}, &errp) {
			total++
			if p, ok := where[e.Meta.ID]; ok && p != part {
				t.Fatalf("galaxy %d in %v and %v", e.Meta.ID, p, part)
			}
			where[e.Meta.ID] = part
		}
		if errp != nil {
			t.Fatal(errp)
		}
	}
	if total != 1200 {
		t.Errorf("streamed %d examples, want 1200", total)
	}
	if n := len(d.IDs(PartTest)); n != 6 { // ⌈0.15·40⌉
		t.Errorf("%d test galaxies, want 6", n)
	}
	for _, p := range []Part{PartTrain, PartVal, PartTest} {
		if d.Len(p) != 30*len(d.IDs(p)) {
			t.Errorf("%v: %d stamps for %d galaxies, want 30 each", p, d.Len(p), len(d.IDs(p)))
		}
	}
}

// TestAugmentationPA draws a Sérsic at PA = 30°, applies every augmentation
// to the image and compares it with the profile drawn directly at the
// augmented position angle: they must agree to float precision (the
// profile is centred on the stamp, so the grid symmetries map it exactly).
func TestAugmentationPA(t *testing.T) {
	const s = 33
	d, err := sersic.NewDrawer(s, s, 0.06, nil, 0, 0, sersic.Instrumental)
	if err != nil {
		t.Fatal(err)
	}
	base := sersic.Sersic{Flux: 1000, ReArcsec: 0.3, N: 1.5, Q: 0.4, PADeg: 30, X0: (s + 1) / 2.0, Y0: (s + 1) / 2.0}
	img, err := d.Draw(base)
	if err != nil {
		t.Fatal(err)
	}
	src := make([]float32, len(img))
	for i, v := range img {
		src[i] = float32(v)
	}
	for rot := range 4 {
		for _, flip := range []bool{false, true} {
			a := Augmentation{Rot: rot, Flip: flip}
			got := make([]float32, len(src))
			a.Apply(got, src, s, 1)
			p := base
			p.PADeg = a.PA(base.PADeg)
			want, err := d.Draw(p)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i := range want {
				worst = math.Max(worst, math.Abs(float64(got[i])-want[i]))
			}
			peak := slices.Max(want)
			if worst > 1e-4*peak {
				t.Errorf("rot %d flip %v: PA %g: worst pixel difference %.3g of peak %.3g", rot, flip, p.PADeg, worst, peak)
			}
		}
	}
	// A mirrored PA of 0° stays 0; 45° rotated once is 135° ≡ −45°.
	if got := (Augmentation{Rot: 1}).PA(45); got != -45 {
		t.Errorf("rot 1 of 45° = %g, want −45", got)
	}
}

// TestCheckpointRoundTrip saves a freshly initialised network, reloads it in
// a new backend and compares the predictions bit for bit; a truncated or
// modified weights file and a broken model.json give ErrCorrupt naming the
// file.
func TestCheckpointRoundTrip(t *testing.T) {
	defer func(m int) { minCalibration = m }(minCalibration)
	minCalibration = 5 // the tiny validation split has about 13 galaxies
	dir := t.TempDir()
	path := makeShard(t, dir, 64, 32, 11)
	c := tinyConfig()
	c.Epochs = 1
	c.Model.Fovea = 8 // with the fovea branch (default widths), which model.json must rebuild
	c.Targets = append(c.Targets, "phase")
	d, err := OpenData(context.Background(), []string{path}, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	mdir := filepath.Join(dir, "model")
	if _, err := Train(context.Background(), d, TrainOptions{Config: c, Seed: 2, Dir: mdir, ConfigHash: "x"}); err != nil {
		t.Fatal(err)
	}
	m1, err := Load(mdir, "go")
	if err != nil {
		t.Fatal(err)
	}
	metas, p1, err := m1.PredictPart(context.Background(), d, PartVal)
	m1.Close()
	if err != nil {
		t.Fatal(err)
	}
	if fw := m1.Spec.Model.FoveaWidths; m1.Spec.Model.Fovea != 8 || !slices.Equal(fw, DefaultFoveaWidths) {
		t.Errorf("model.json records fovea %d, widths %v", m1.Spec.Model.Fovea, fw)
	}
	// Training ends by calibrating σ on the validation split, and model.json
	// keeps the scales: ⌈0.683·N⌉ of its N stamps (one fewer if the last
	// one's rounding goes the other way) lie within 1σ.
	k := int(math.Ceil(coverage1σ * float64(len(p1))))
	if c := m1.Spec.Calibration; c == nil || c.Stamps != len(p1) || c.Galaxies != len(p1) {
		t.Errorf("calibration record %+v for %d validation stamps, one per galaxy", c, len(p1))
	}
	if tg := m1.Spec.Targets[len(m1.Spec.Targets)-1]; tg.Kind != Class || !(tg.Temperature > 0) {
		t.Errorf("%s: temperature %v after training", tg.Name, tg.Temperature)
	}
	for i, r := range Evaluate(m1.Spec.Targets, metas, p1).Regs {
		if tg := m1.Spec.Targets[i]; !(tg.SigmaScale > 0) {
			t.Errorf("%s: sigma_scale %v after training", tg.Name, tg.SigmaScale)
		}
		if in := int(math.Round(r.Within1Sigma * float64(r.N))); r.N != len(p1) || (in != k && in != k-1) {
			t.Errorf("%s: %d of %d validation stamps within 1σ, want %d", r.Name, in, r.N, k)
		}
	}
	m2, err := Load(mdir, "go")
	if err != nil {
		t.Fatal(err)
	}
	_, p2, err := m2.PredictPart(context.Background(), d, PartVal)
	m2.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		for j := range p1[i] {
			if p1[i][j].Value != p2[i][j].Value || p1[i][j].Sigma != p2[i][j].Sigma || !slices.Equal(p1[i][j].Probs, p2[i][j].Probs) {
				t.Fatalf("stamp %d target %d: %v then %v", i, j, p1[i][j], p2[i][j])
			}
		}
	}
	// The reloaded weights equal the in-memory ones of a store loaded twice.
	wpath := filepath.Join(mdir, weightsFile)
	good, _ := os.ReadFile(wpath)
	for name, bad := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"flipped":   func() []byte { b := slices.Clone(good); b[len(b)/3] ^= 0x40; return b }(),
		"empty":     {},
	} {
		if err := os.WriteFile(wpath, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(mdir, "go")
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s weights: got %v, want ErrCorrupt", name, err)
		} else if !contains(err.Error(), wpath) {
			t.Errorf("%s weights: error %q does not name the file", name, err)
		}
	}
	os.WriteFile(wpath, good, 0o644)
	spath := filepath.Join(mdir, specFile)
	if err := os.WriteFile(spath, []byte(`{"format": "galforge-model", "version": 1, "targets": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(mdir, "go"); !errors.Is(err, ErrCorrupt) || !contains(err.Error(), spath) {
		t.Errorf("broken model.json: got %v", err)
	}
}

// TestCorruptShard: a shard with a damaged block gives an error naming the
// file, not a panic or silent garbage.
func TestCorruptShard(t *testing.T) {
	dir := t.TempDir()
	path := makeShard(t, dir, 48, 16, 5)
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 0xff
	bad := filepath.Join(dir, "bad.gfs")
	os.WriteFile(bad, b, 0o644)
	_, err := OpenData(context.Background(), []string{bad}, tinyConfig(), 1)
	if err == nil || !contains(err.Error(), bad) {
		t.Fatalf("corrupt shard: got %v, want an error naming %s", err, bad)
	}
	trunc := filepath.Join(dir, "trunc.gfs")
	os.WriteFile(trunc, b[:100], 0o644)
	if _, err := OpenData(context.Background(), []string{trunc}, tinyConfig(), 1); err == nil || !contains(err.Error(), trunc) {
		t.Fatalf("truncated shard: got %v", err)
	}
	// A target the shard does not have is named with the columns it has.
	c := tinyConfig()
	c.Targets = []string{"re3d_kpc"}
	if _, err := OpenData(context.Background(), []string{path}, c, 1); err == nil || !contains(err.Error(), "re_arcsec") {
		t.Fatalf("unknown target: got %v", err)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0))
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestLinearInput trains with train.input = asinh+linear: the model records
// the input, reloads with two channels per band, and predicting the raw
// stamps of a shard (the path of `galforge predict`) gives what predicting
// its split through the training stream gives.
func TestLinearInput(t *testing.T) {
	dir := t.TempDir()
	path := makeShard(t, dir, 48, 32, 13)
	c := tinyConfig()
	c.Epochs, c.Input = 1, InputAsinhLinear
	d, err := OpenData(context.Background(), []string{path}, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	mdir := filepath.Join(dir, "model")
	if _, err := Train(context.Background(), d, TrainOptions{Config: c, Seed: 3, Dir: mdir, ConfigHash: "x"}); err != nil {
		t.Fatal(err)
	}
	m, err := Load(mdir, "go")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Spec.Input != InputAsinhLinear || m.Channels() != 2 || m.InputLen() != 2*32*32 {
		t.Fatalf("model input %q, %d channels, %d values", m.Spec.Input, m.Channels(), m.InputLen())
	}
	metas, want, err := m.PredictPart(context.Background(), d, PartVal)
	if err != nil {
		t.Fatal(err)
	}
	r, err := shard.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	byID := map[int64]shard.Example{}
	for ex, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		byID[ex.ID] = ex
	}
	const n = 32 * 32
	var sci, rms []float32
	for _, mt := range metas {
		im := byID[mt.ID].Images
		sci, rms = append(sci, im[:n]...), append(rms, im[n:2*n]...)
	}
	// In one piece, and in chunks that end mid-batch (the split has
	// len(metas) stamps; the model's batch is larger than 7).
	if len(metas) <= 7 {
		t.Fatalf("%d validation stamps: too few to predict in chunks of 7", len(metas))
	}
	defer func(c int) { PredictChunk = c }(PredictChunk)
	for _, chunk := range []int{4096, 7} {
		PredictChunk = chunk
		got, err := m.PredictStamps(sci, rms, len(metas))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("chunk %d: %d predictions for %d stamps", chunk, len(got), len(want))
		}
		for i := range want {
			for j := range want[i] {
				if g, w := got[i][j], want[i][j]; g.Value != w.Value || g.Sigma != w.Sigma {
					t.Fatalf("chunk %d: stamp %d target %d: %+v from the stamps, %+v from the split", chunk, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}
