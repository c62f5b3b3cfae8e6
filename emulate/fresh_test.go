package emulate

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/galforge/galforge/mock"
)

// freshMockConfig is a small analytic mock: 32-pixel stamps, noise on.
func freshMockConfig(n int) mock.Config {
	mc := mock.DefaultConfig()
	mc.NObjects, mc.StampSize = n, 32
	mc.Profile.ReMaxArcsec = 0.6
	return mc
}

// makeMockShard writes the stamps of mc with seed to a shard in dir as
// `galforge mock` does (its truth columns and vectors) and returns its path.
func makeMockShard(t testing.TB, dir string, mc mock.Config, seed uint64) string {
	t.Helper()
	gen, err := mock.NewGenerator(mc)
	if err != nil {
		t.Fatal(err)
	}
	return writeShard(t, dir, mc, seed, gen.ShardTruthColumns(), (*mock.Generator).ShardTruth)
}

func collect(t *testing.T, seq func(func(Example) bool), errp *error) []Example {
	t.Helper()
	var out []Example
	for e := range seq {
		out = append(out, e)
	}
	if *errp != nil {
		t.Fatal(*errp)
	}
	return out
}

// TestFreshStream: an epoch's fresh examples are mock.Plan's draws with
// the epoch's seed, drawn and preprocessed exactly as a shard's stamps
// are; the stream is the same for any number of workers, and differs between
// epochs and from the shards.
func TestFreshStream(t *testing.T) {
	mc := freshMockConfig(48)
	const seed = 7
	path := makeMockShard(t, t.TempDir(), mc, seed)
	c := tinyConfig()
	c.Input = InputAsinhLinear
	d, err := OpenData(context.Background(), []string{path}, c, seed)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, err := NewFresh(mc, seed, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.check(d); err != nil {
		t.Fatal(err)
	}
	const n = 70 // more than one block, a partial last one
	var errp error
	ctx := context.Background()
	plain := collect(t, f.stream(ctx, 2, n, AugmentNone, c.Prep(), &errp), &errp)
	if len(plain) != n {
		t.Fatalf("%d fresh examples, want %d", len(plain), n)
	}

	// The draws: Plan with the epoch's seed, each stamp preprocessed as
	// Data.Stream preprocesses a shard's.
	pc := mc
	pc.NObjects = n
	objs, err := mock.Plan(pc, freshSeed(seed, 2))
	if err != nil {
		t.Fatal(err)
	}
	gen, err := mock.NewGenerator(mc)
	if err != nil {
		t.Fatal(err)
	}
	dr := gen.NewDrawer()
	S := mc.StampSize
	for _, i := range []int{0, 33, n - 1} {
		e, o := plain[i], objs[i]
		if e.Meta.ID != o.ID || !slices.Equal(e.Meta.Truth, gen.ShardTruth(o, nil)) {
			t.Fatalf("example %d: id %d truth %v, want %d %v", i, e.Meta.ID, e.Meta.Truth, o.ID, gen.ShardTruth(o, nil))
		}
		st, err := gen.Stamp(dr, o, freshSeed(seed, 2))
		if err != nil {
			t.Fatal(err)
		}
		sci, rms := make([]float32, S*S), make([]float32, S*S)
		for k := range sci {
			sci[k], rms[k] = float32(st.Sci[k]), float32(st.RMS[k])
		}
		want := make([]float32, 2*S*S)
		Preprocess(want, sci, rms, S, 1, c.Prep(), nil)
		if !slices.Equal(e.Input, want) {
			t.Fatalf("example %d: input differs from its stamp's preprocessing", i)
		}
	}

	// Fresh galaxies: no truth vector of the shard's comes back.
	shardTruth := map[float32]bool{}
	for _, m := range d.meta[0] {
		shardTruth[m.Truth[0]] = true
	}
	for i, e := range plain {
		if shardTruth[e.Meta.Truth[0]] {
			t.Fatalf("fresh example %d has the magnitude of a shard object (%v)", i, e.Meta.Truth[0])
		}
	}

	// Reproducible, whatever the workers; augmented as the group says.
	turned := collect(t, f.stream(ctx, 2, n, AugmentC2, c.Prep(), &errp), &errp)
	old := maxStreamWorkers
	maxStreamWorkers = 1
	one := collect(t, f.stream(ctx, 2, n, AugmentC2, c.Prep(), &errp), &errp)
	maxStreamWorkers = old
	halves := 0
	for i := range turned {
		if !slices.Equal(turned[i].Input, one[i].Input) || turned[i].Aug != one[i].Aug || !slices.Equal(turned[i].Meta.Truth, one[i].Meta.Truth) {
			t.Fatalf("example %d differs between 1 worker and %d", i, old)
		}
		switch turned[i].Aug {
		case Augmentation{}:
			if !slices.Equal(turned[i].Input, plain[i].Input) {
				t.Fatalf("example %d: unturned input differs", i)
			}
		case Augmentation{Rot: 2}:
			halves++
			back := make([]float32, len(plain[i].Input))
			plain[i].Aug = Augmentation{Rot: 2}
			plain[i].Aug.Apply(back, plain[i].Input, S, 2)
			if !slices.Equal(turned[i].Input, back) {
				t.Fatalf("example %d: the half turn is not the plain input turned", i)
			}
		default:
			t.Fatalf("example %d: %+v is not in c2", i, turned[i].Aug)
		}
	}
	if halves < n/4 || halves > 3*n/4 {
		t.Errorf("%d of %d examples turned by c2's half turn", halves, n)
	}
	// Another epoch, other galaxies.
	next := collect(t, f.stream(ctx, 3, n, AugmentNone, c.Prep(), &errp), &errp)
	if slices.Equal(next[0].Meta.Truth, plain[0].Meta.Truth) || slices.Equal(next[0].Input, plain[0].Input) {
		t.Error("epochs 2 and 3 drew the same first galaxy")
	}
}

// TestFreshErrors: priors that cannot be drawn again, and shards made with
// another mock section, are clear errors naming the key.
func TestFreshErrors(t *testing.T) {
	mc := freshMockConfig(32)
	tab := mc
	tab.Profile.Table = "objects.csv"
	if _, err := NewFresh(tab, 1, ""); err == nil || !strings.Contains(err.Error(), "mock.profile.table") {
		t.Errorf("a parameter table: %v", err)
	}
	part := mc
	part.Source = "particles"
	if _, err := NewFresh(part, 1, ""); err == nil || !strings.Contains(err.Error(), "mock.source") {
		t.Errorf("particles: %v", err)
	}

	dir := t.TempDir()
	path := makeMockShard(t, dir, mc, 3)
	d, err := OpenData(context.Background(), []string{path}, tinyConfig(), 3)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	big := mc
	big.StampSize = 48
	f, err := NewFresh(big, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.check(d); err == nil || !strings.Contains(err.Error(), "mock.stamp_size") {
		t.Errorf("stamp size: %v", err)
	}
	other := mc
	other.Band = "F125W"
	if f, err = NewFresh(other, 3, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.check(d); err == nil || !strings.Contains(err.Error(), "mock.band") {
		t.Errorf("band: %v", err)
	}
	if f, err = NewFresh(mc, 3, "0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	d.Header.Provenance.ConfigHash = "fedcba9876543210"
	if err := f.check(d); err == nil || !strings.Contains(err.Error(), "mock config hash fedcba9876543210") {
		t.Errorf("another mock section's shards: %v", err)
	}
	d.Header.Provenance.ConfigHash = "0123456789abcdef"
	if err := f.check(d); err != nil {
		t.Errorf("the same mock section's shards: %v", err)
	}
	bd := mc
	bd.Profile.Kind = "bulge+disc"
	if f, err = NewFresh(bd, 3, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.check(d); err == nil || !strings.Contains(err.Error(), "truth columns") {
		t.Errorf("bulge+disc truth: %v", err)
	}
	// Training refuses before its first step.
	_, err = Train(context.Background(), d, TrainOptions{Config: tinyConfig(), Seed: 3, Dir: filepath.Join(dir, "model"), ConfigHash: "h", Fresh: f})
	if err == nil || !strings.Contains(err.Error(), "train.fresh") {
		t.Errorf("Train with mismatched fresh stamps: %v", err)
	}
}

// TestTrainFresh: with fresh stamps every epoch after the first trains on
// new draws (recorded in the spec), and training still learns.
func TestTrainFresh(t *testing.T) {
	mc := freshMockConfig(160)
	dir := t.TempDir()
	path := makeMockShard(t, dir, mc, 5)
	c := tinyConfig()
	c.Epochs = 4
	c.Fresh = true
	d, err := OpenData(context.Background(), []string{path}, c, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, err := NewFresh(mc, 5, "")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Train(context.Background(), d, TrainOptions{Config: c, Seed: 5, Dir: filepath.Join(dir, "model"), ConfigHash: "f", Fresh: f})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64((c.Epochs - 1) * d.Len(PartTrain)); spec.Training.FreshStamps != want {
		t.Errorf("fresh stamps %d, want %d", spec.Training.FreshStamps, want)
	}
	h := spec.History
	t.Logf("history %+v", h)
	if !(spec.Training.BestValScore < h[0].ValScore) {
		t.Errorf("validation did not improve: best score %v, first %v", spec.Training.BestValScore, h[0].ValScore)
	}
}
