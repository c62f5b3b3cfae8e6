package emulate

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMedian32 compares the selection median with a sort, on arrays with
// many ties (as rms maps have), constant arrays and odd and even lengths.
func TestMedian32(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		n := 1 + rng.IntN(300)
		levels := 1 + rng.IntN(6) // few distinct values: many ties
		if trial%3 == 0 {
			levels = 1 << 20
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(levels)) * 0.25
		}
		s := slices.Clone(v)
		slices.Sort(s)
		want := float64(s[n/2])
		if n%2 == 0 {
			want = 0.5 * (float64(s[n/2-1]) + float64(s[n/2]))
		}
		if got := median32(v); got != want {
			t.Fatalf("trial %d (n %d, %d levels): median %v, want %v", trial, n, levels, got, want)
		}
	}
}

// TestStreamCacheAndWorkers checks that the stream a training epoch sees
// does not depend on the number of reading goroutines or on whether the
// inputs come from the cache: one worker without a cache is the reference.
func TestStreamCacheAndWorkers(t *testing.T) {
	dir := t.TempDir()
	path := makeShard(t, dir, 120, 16, 11)
	c := tinyConfig()
	c.ShuffleBuffer = 20
	d, err := OpenData(context.Background(), []string{path}, c, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	collect := func() []Example {
		var err error
		var out []Example
		for e := range d.Stream(context.Background(), PartTrain, 9, true, AugmentD4, c.ShuffleBuffer, c.Prep(), &err) {
			out = append(out, e)
		}
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	old := maxStreamWorkers
	defer func() { maxStreamWorkers = old }()
	maxStreamWorkers = 1
	d.SetCache(0)
	ref := collect()
	if len(ref) != d.Len(PartTrain) {
		t.Fatalf("stream gave %d examples, the split has %d", len(ref), d.Len(PartTrain))
	}
	per := int64(4 * len(ref[0].Input))
	maxStreamWorkers = 8
	for _, cache := range []int64{1 << 30, 7 * per} {
		d.SetCache(cache)
		for pass := range 2 { // the second pass reads the cache
			got := collect()
			if len(got) != len(ref) {
				t.Fatalf("cache %d, pass %d: %d examples, want %d", cache, pass, len(got), len(ref))
			}
			for i := range ref {
				if got[i].Meta.ID != ref[i].Meta.ID || got[i].Aug != ref[i].Aug || !slices.Equal(got[i].Input, ref[i].Input) {
					t.Fatalf("cache %d, pass %d: example %d differs (id %d aug %+v vs id %d aug %+v)",
						cache, pass, i, got[i].Meta.ID, got[i].Aug, ref[i].Meta.ID, ref[i].Aug)
				}
			}
		}
		if b := d.CachedBytes(); b == 0 || b > cache {
			t.Errorf("cache cap %d bytes holds %d bytes", cache, b)
		}
	}
	// Stopping a stream early must not leave workers behind (the race
	// detector and the next full pass would see them).
	var serr error
	k := 0
	for range d.Stream(context.Background(), PartTrain, 9, true, AugmentD4, c.ShuffleBuffer, c.Prep(), &serr) {
		if k++; k == 3 {
			break
		}
	}
	if got := collect(); len(got) != len(ref) {
		t.Fatalf("after an early stop: %d examples, want %d", len(got), len(ref))
	}
}

// TestAugmentGroups: each group is closed under composition, contains the
// identity, and does to the second moments of an anisotropic PSF-like image
// what its doc says: C2 keeps Qxx, Qyy and Qxy; D2 keeps Qxx − Qyy and
// negates Qxy in its mirrors; D4's quarter turns swap Qxx and Qyy. A stream
// draws only members of its group, each of them.
func TestAugmentGroups(t *testing.T) {
	const s = 15
	img := make([]float32, s*s)
	for y := range s {
		for x := range s {
			u, v := float64(x-7)+0.3, float64(y-7)-0.2
			img[y*s+x] = float32(math.Exp(-(u*u/8 + v*v/3 + u*v/9)))
		}
	}
	moments := func(im []float32) (qxx, qyy, qxy float64) {
		for y := range s {
			for x := range s {
				w := float64(im[y*s+x])
				u, v := float64(x-7), float64(y-7)
				qxx, qyy, qxy = qxx+w*u*u, qyy+w*v*v, qxy+w*u*v
			}
		}
		return
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*(math.Abs(a)+math.Abs(b)) }
	xx, yy, xy := moments(img)
	out := make([]float32, len(img))
	for _, g := range []AugmentGroup{AugmentNone, AugmentC2, AugmentD2, AugmentD4} {
		syms, err := g.Symmetries()
		if err != nil {
			t.Fatal(err)
		}
		if want := map[AugmentGroup]int{AugmentNone: 1, AugmentC2: 2, AugmentD2: 4, AugmentD4: 8}[g]; len(syms) != want || syms[0] != (Augmentation{}) {
			t.Fatalf("%s: %d members starting with %+v, want %d starting with the identity", g, len(syms), syms[0], want)
		}
		in := map[[4]float32]bool{} // four pixels near the centre identify a transform of img
		key := func(im []float32) [4]float32 { return [4]float32{im[5*s+6], im[7*s+9], im[8*s+6], im[6*s+8]} }
		for _, a := range syms {
			a.Apply(out, img, s, 1)
			in[key(out)] = true
		}
		for _, a := range syms {
			for _, b := range syms {
				mid, ab := make([]float32, len(img)), make([]float32, len(img))
				a.Apply(mid, img, s, 1)
				b.Apply(ab, mid, s, 1)
				if !in[key(ab)] {
					t.Errorf("%s: %+v then %+v is not in the group", g, a, b)
				}
			}
		}
		for _, a := range syms {
			a.Apply(out, img, s, 1)
			qxx, qyy, qxy := moments(out)
			swap := a.Rot%2 == 1
			switch g {
			case AugmentC2:
				if !near(qxx, xx) || !near(qyy, yy) || !near(qxy, xy) {
					t.Errorf("c2 %+v changes the second moments: %v %v %v, want %v %v %v", a, qxx, qyy, qxy, xx, yy, xy)
				}
			case AugmentD2:
				sign := 1.0
				if a.Flip {
					sign = -1
				}
				if !near(qxx, xx) || !near(qyy, yy) || !near(qxy, sign*xy) {
					t.Errorf("d2 %+v: moments %v %v %v from %v %v %v", a, qxx, qyy, qxy, xx, yy, xy)
				}
			case AugmentD4:
				if swap && (!near(qxx, yy) || !near(qyy, xx)) {
					t.Errorf("d4 %+v does not swap Qxx and Qyy", a)
				}
			}
		}
	}
	if _, err := AugmentGroup("d8").Symmetries(); err == nil {
		t.Error("group d8 accepted")
	}

	dir := t.TempDir()
	path := makeShard(t, dir, 120, 16, 11)
	c := tinyConfig()
	d, err := OpenData(context.Background(), []string{path}, c, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, g := range []AugmentGroup{AugmentNone, AugmentC2, AugmentD2} {
		syms, _ := g.Symmetries()
		seen := map[Augmentation]int{}
		var serr error
		for e := range d.Stream(context.Background(), PartTrain, 9, true, g, c.ShuffleBuffer, c.Prep(), &serr) {
			seen[e.Aug]++
		}
		if serr != nil {
			t.Fatal(serr)
		}
		if len(seen) != len(syms) {
			t.Errorf("%s: stream drew %v, want each of %v", g, seen, syms)
		}
		for _, a := range syms {
			if seen[a] == 0 {
				t.Errorf("%s: stream never drew %+v (%v)", g, a, seen)
			}
		}
	}
}

// TestTTAViews: test-time augmentation uses the members of the training
// group, at most as many as it has; models written before the groups
// existed (no group recorded) use D4.
func TestTTAViews(t *testing.T) {
	for _, c := range []struct {
		g         AugmentGroup
		tta, want int
	}{{"", 8, 8}, {AugmentD4, 4, 4}, {AugmentD2, 8, 4}, {AugmentC2, 8, 2}, {AugmentC2, 1, 1}, {AugmentNone, 8, 1}} {
		m := &Model{TTA: c.tta}
		m.Spec.Training.Augment = c.g
		if got := m.TTAViews(); got != c.want {
			t.Errorf("group %q, tta %d: %d views, want %d", c.g, c.tta, got, c.want)
		}
	}
	m := &Model{TTA: 4}
	m.Spec.Training.Augment = AugmentD2
	if got, want := m.ttaSymmetries(), []Augmentation{{}, {Rot: 2}, {Flip: true}, {Rot: 2, Flip: true}}; !slices.Equal(got, want) {
		t.Errorf("d2 TTA symmetries %v, want %v", got, want)
	}
}
