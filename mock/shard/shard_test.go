package shard

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func testHeader(s, nBands, nPlanes, nTruth int) Header {
	h := Header{
		StampSize:  s,
		Provenance: Provenance{GalforgeVersion: "test", ConfigHash: "abc123", Seed: 42, Extra: map[string]string{"z": "1", "a": "2"}},
	}
	bands := []string{"F160W", "F125W", "F105W", "F814W"}
	planes := []string{"sci", "rms", "mask"}
	h.Bands = bands[:nBands]
	h.Planes = planes[:nPlanes]
	for i := range nTruth {
		h.Truth = append(h.Truth, Column{Name: fmt.Sprintf("t%d", i), Unit: "kpc"})
	}
	return h
}

// randExamples draws n examples with noisy images (so that blocks do not
// compress to nothing), special float values and extreme ids.
func randExamples(rng *rand.Rand, h Header, n int) []Example {
	out := make([]Example, n)
	for i := range out {
		ex := Example{
			ID:       rng.Int64() - math.MaxInt64/2,
			Snapshot: rng.Int32(),
			View:     int32(rng.IntN(10)),
			Row:      int64(i),
			Images:   make([]float32, h.ImageLen()),
			Truth:    make([]float32, len(h.Truth)),
		}
		for j := range ex.Images {
			ex.Images[j] = float32(rng.NormFloat64())
		}
		for j := range ex.Truth {
			ex.Truth[j] = float32(rng.Float64() * 10)
		}
		out[i] = ex
	}
	if n > 2 {
		out[1].Images[0] = float32(math.NaN())
		out[2].Images[0] = float32(math.Inf(-1))
		out[2].ID = math.MinInt64
	}
	return out
}

func writeShard(t testing.TB, path string, h Header, exs []Example, opts ...Option) {
	t.Helper()
	w, err := Create(path, h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		if err := w.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// sameExample compares bit patterns, so that NaNs compare equal.
func sameExample(a, b Example) bool {
	if a.ID != b.ID || a.Snapshot != b.Snapshot || a.View != b.View || a.Row != b.Row ||
		len(a.Images) != len(b.Images) || len(a.Truth) != len(b.Truth) {
		return false
	}
	for i := range a.Images {
		if math.Float32bits(a.Images[i]) != math.Float32bits(b.Images[i]) {
			return false
		}
	}
	for i := range a.Truth {
		if math.Float32bits(a.Truth[i]) != math.Float32bits(b.Truth[i]) {
			return false
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for ci, c := range []struct {
		name                    string
		s, bands, planes, truth int
		n, k                    int
	}{
		{"1 band, partial last block", 16, 1, 1, 3, 3*7 + 5, 7},
		{"3 bands sci+rms, exact blocks", 8, 3, 2, 5, 4 * 6, 6},
		{"no truth, one block", 5, 2, 1, 0, 3, 10},
		{"empty", 4, 1, 1, 2, 0, 4},
		{"default block size", 32, 1, 2, 1, 40, 0},
	} {
		rng := rand.New(rand.NewPCG(uint64(ci), 1))
		h := testHeader(c.s, c.bands, c.planes, c.truth)
		exs := randExamples(rng, h, c.n)
		path := filepath.Join(t.TempDir(), "a.shard")
		var opts []Option
		if c.k > 0 {
			opts = append(opts, WithBlockSize(c.k))
		}
		writeShard(t, path, h, exs, opts...)

		r, err := Open(path)
		if err != nil {
			t.Fatalf("case %d (%s): %v", ci, c.name, err)
		}
		defer r.Close()
		if r.Len() != c.n {
			t.Errorf("case %d (%s): Len = %d, want %d", ci, c.name, r.Len(), c.n)
		}
		k := c.k
		if k == 0 {
			k = DefaultBlockBytes / h.RecordSize()
		}
		if got, want := r.NumBlocks(), (c.n+k-1)/k; got != want {
			t.Errorf("case %d (%s): NumBlocks = %d, want %d", ci, c.name, got, want)
		}
		gh := r.Header()
		if gh.StampSize != h.StampSize || !slices.Equal(gh.Bands, h.Bands) || !slices.Equal(gh.Planes, h.Planes) ||
			!slices.Equal(gh.Truth, h.Truth) || !reflect.DeepEqual(gh.Provenance, h.Provenance) ||
			gh.BlockSize != k || gh.Format != Format || gh.DType != "float32" || gh.Compression != "zstd" {
			t.Errorf("case %d (%s): header %+v does not match %+v", ci, c.name, gh, h)
		}
		// Random access in random order.
		for _, i := range rng.Perm(c.n) {
			ex, err := r.Example(i)
			if err != nil {
				t.Fatalf("case %d (%s): example %d: %v", ci, c.name, i, err)
			}
			if !sameExample(ex, exs[i]) {
				t.Fatalf("case %d (%s): example %d differs from what was written", ci, c.name, i)
			}
		}
		// Sequential iteration.
		i := 0
		for ex, err := range r.All() {
			if err != nil {
				t.Fatalf("case %d (%s): All: %v", ci, c.name, err)
			}
			if !sameExample(ex, exs[i]) {
				t.Fatalf("case %d (%s): All: example %d differs", ci, c.name, i)
			}
			i++
		}
		if i != c.n {
			t.Errorf("case %d (%s): All yielded %d examples, want %d", ci, c.name, i, c.n)
		}
		if _, err := r.Example(c.n); err == nil {
			t.Errorf("case %d (%s): Example(%d) past the end: no error", ci, c.name, c.n)
		}
		if _, err := r.Example(-1); err == nil {
			t.Errorf("case %d (%s): Example(-1): no error", ci, c.name)
		}
	}
}

func TestReadBlockAndExampleTo(t *testing.T) {
	t.Parallel()
	h := testHeader(8, 2, 1, 2)
	exs := randExamples(rand.New(rand.NewPCG(5, 5)), h, 11)
	path := filepath.Join(t.TempDir(), "b.shard")
	writeShard(t, path, h, exs, WithBlockSize(4))
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for b := range r.NumBlocks() {
		blk, err := r.ReadBlock(b)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(4, 11-4*b); len(blk) != want {
			t.Fatalf("block %d: %d examples, want %d", b, len(blk), want)
		}
		for k, ex := range blk {
			if !sameExample(ex, exs[4*b+k]) {
				t.Errorf("block %d example %d differs", b, k)
			}
		}
	}
	if _, err := r.ReadBlock(3); err == nil {
		t.Error("ReadBlock(3) of 3 blocks: no error")
	}
	// ExampleTo reuses the destination's buffers.
	var dst Example
	if err := r.ExampleTo(&dst, 9); err != nil {
		t.Fatal(err)
	}
	p := &dst.Images[0]
	if err := r.ExampleTo(&dst, 2); err != nil {
		t.Fatal(err)
	}
	if &dst.Images[0] != p || !sameExample(dst, exs[2]) {
		t.Error("ExampleTo did not reuse the buffer or decoded wrongly")
	}
	if b, first := r.BlockOf(9); b != 2 || first != 8 {
		t.Errorf("BlockOf(9) = %d, %d, want 2, 8", b, first)
	}
}

// corruptible writes a 4-block shard and returns its path, bytes and reader
// layout (offsets of blocks).
func corruptible(t *testing.T) (string, []byte, []indexEntry, []Example) {
	t.Helper()
	h := testHeader(8, 1, 1, 2)
	exs := randExamples(rand.New(rand.NewPCG(7, 7)), h, 20)
	path := filepath.Join(t.TempDir(), "c.shard")
	writeShard(t, path, h, exs, WithBlockSize(5))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	idx := slices.Clone(r.index)
	r.Close()
	return path, data, idx, exs
}

func TestCorruptBlock(t *testing.T) {
	t.Parallel()
	path, data, idx, exs := corruptible(t)
	for _, pos := range []uint64{0, idx[2].length / 2, idx[2].length - 1} {
		bad := bytes.Clone(data)
		bad[idx[2].offset+pos] ^= 0x5a
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err != nil {
			t.Fatalf("byte %d of block 2: Open must succeed (blocks are checked when read): %v", pos, err)
		}
		_, err = r.Example(12)
		if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "block 2 ") ||
			!strings.Contains(err.Error(), path) {
			t.Errorf("byte %d of block 2: got %v, want ErrChecksum naming %q and block 2", pos, err, path)
		}
		// Other blocks still read.
		if ex, err := r.Example(3); err != nil || !sameExample(ex, exs[3]) {
			t.Errorf("byte %d of block 2: example 3 in block 0: %v", pos, err)
		}
		var iterErr error
		for _, err := range r.All() {
			iterErr = err
		}
		if !errors.Is(iterErr, ErrChecksum) {
			t.Errorf("byte %d of block 2: All ended with %v, want ErrChecksum", pos, iterErr)
		}
		r.Close()
	}
}

// TestBlockSum checks the XXH64 comparison itself, on a block that zstd
// decodes without complaint.
func TestBlockSum(t *testing.T) {
	t.Parallel()
	path, _, _, _ := corruptible(t)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.index[1].sum ^= 1
	_, err = r.Example(7)
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "XXH64") || !strings.Contains(err.Error(), "block 1 ") {
		t.Errorf("got %v, want a SHA-256 ErrChecksum for block 1", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	path, data, idx, _ := corruptible(t)
	hlen := int(data[12]) | int(data[13])<<8
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[i] ^= 0x01; return b }
	}
	trunc := func(n int) func([]byte) []byte {
		return func(b []byte) []byte { return b[:n] }
	}
	for ci, c := range []struct {
		name string
		edit func([]byte) []byte
		want error
		text string
	}{
		{"empty file", trunc(0), ErrNotShard, "bad magic"},
		{"4 bytes", trunc(4), ErrNotShard, "bad magic"},
		{"magic only", trunc(8), ErrCorrupt, "truncated"},
		{"mid header", trunc(20), ErrCorrupt, "truncated"},
		{"mid block 1", trunc(int(idx[1].offset) + 3), ErrCorrupt, "truncated"},
		{"last byte missing", trunc(len(data) - 1), ErrCorrupt, "truncated"},
		{"trailing garbage", func(b []byte) []byte { return append(b, 0) }, ErrCorrupt, "footer"},
		{"wrong magic", flip(0), ErrNotShard, "bad magic"},
		{"text file", func([]byte) []byte { return []byte("SIMPLE  =                    T / FITS") }, ErrNotShard, "bad magic"},
		{"version 2", func(b []byte) []byte { b[8] = 2; return b }, ErrVersion, "version 2"},
		{"header byte", flip(preambleSize + hlen/2), ErrChecksum, "header"},
		{"header sum", flip(preambleSize + hlen), ErrChecksum, "header"},
		{"index byte", flip(int(idx[3].offset+idx[3].length) + 10), ErrChecksum, "index"},
		{"footer offset", flip(len(data) - footerSize), ErrChecksum, "footer"},
		{"footer sum", flip(len(data) - 16), ErrChecksum, "footer"},
		{"end magic", flip(len(data) - 1), ErrCorrupt, "truncated"},
	} {
		p := filepath.Join(filepath.Dir(path), fmt.Sprintf("case%d.shard", ci))
		if err := os.WriteFile(p, c.edit(bytes.Clone(data)), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p)
		if err == nil {
			r.Close()
			t.Errorf("case %d (%s): Open succeeded", ci, c.name)
			continue
		}
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) || !strings.Contains(err.Error(), p) {
			t.Errorf("case %d (%s): got %v, want %v mentioning %q and the path", ci, c.name, err, c.want, c.text)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.shard")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want os.ErrNotExist", err)
	}
}

func TestAppendShape(t *testing.T) {
	t.Parallel()
	h := testHeader(4, 2, 2, 3)
	path := filepath.Join(t.TempDir(), "s.shard")
	w, err := Create(path, h, WithBlockSize(2))
	if err != nil {
		t.Fatal(err)
	}
	good := randExamples(rand.New(rand.NewPCG(1, 2)), h, 1)[0]
	for ci, c := range []struct {
		name string
		ex   Example
		text string
	}{
		{"one band's images", Example{Images: make([]float32, 4*4*2), Truth: good.Truth}, "32 image values, want 64"},
		{"no images", Example{Truth: good.Truth}, "0 image values, want 64"},
		{"short truth", Example{Images: good.Images, Truth: good.Truth[:2]}, "2 truth values, want 3"},
		{"nil truth", Example{Images: good.Images}, "0 truth values, want 3"},
	} {
		err := w.Append(c.ex)
		if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("case %d (%s): got %v, want ErrShape with %q", ci, c.name, err, c.text)
		}
	}
	if w.Len() != 0 {
		t.Errorf("rejected examples were counted: Len = %d", w.Len())
	}
	if err := w.Append(good); err != nil {
		t.Fatalf("good example after rejected ones: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ex, err := r.Example(0); r.Len() != 1 || err != nil || !sameExample(ex, good) {
		t.Errorf("after rejected appends: Len %d, %v", r.Len(), err)
	}
	if err := w.Append(good); err == nil {
		t.Error("Append after Close: no error")
	}
	if err := w.Close(); err == nil {
		t.Error("second Close: no error")
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := testHeader(4, 1, 1, 1)
	for ci, c := range []struct {
		name string
		edit func(*Header)
		opts []Option
		text string
	}{
		{"zero stamp", func(h *Header) { h.StampSize = 0 }, nil, "stamp size"},
		{"no bands", func(h *Header) { h.Bands = nil }, nil, "no bands"},
		{"no planes", func(h *Header) { h.Planes = nil }, nil, "no planes"},
		{"duplicate band", func(h *Header) { h.Bands = []string{"F160W", "F160W"} }, nil, "duplicate band"},
		{"empty truth name", func(h *Header) { h.Truth = []Column{{Name: " "}} }, nil, "empty truth column"},
		{"block size 0", func(*Header) {}, []Option{WithBlockSize(0)}, "block size"},
		{"bad level", func(*Header) {}, []Option{WithLevel(99)}, "level"},
	} {
		h := ok
		c.edit(&h)
		w, err := Create(filepath.Join(dir, "v.shard"), h, c.opts...)
		if err == nil {
			w.Abort()
			t.Errorf("case %d (%s): no error", ci, c.name)
		} else if !strings.Contains(err.Error(), c.text) {
			t.Errorf("case %d (%s): got %v, want it to mention %q", ci, c.name, err, c.text)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed Create left %d files", len(ents))
	}
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	h := testHeader(16, 2, 2, 4)
	exs := randExamples(rand.New(rand.NewPCG(3, 3)), h, 23)
	dir := t.TempDir()
	var files [3][]byte
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("d%d.shard", i))
		e := exs
		if i == 2 { // a single changed pixel must change the file
			e = slices.Clone(exs)
			e[17].Images = slices.Clone(e[17].Images)
			e[17].Images[5] += 1
		}
		writeShard(t, p, h, e, WithBlockSize(5))
		var err error
		if files[i], err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two writes of the same examples differ")
	}
	if bytes.Equal(files[0], files[2]) {
		t.Error("a changed pixel did not change the file")
	}
}

func TestConcat(t *testing.T) {
	t.Parallel()
	const k = 7
	h := testHeader(8, 2, 1, 3)
	for ci, c := range []struct {
		name   string
		counts []int
	}{
		{"multiples of K", []int{14, 7, 3}},
		{"ragged parts", []int{5, 9, 1, 10}},
		{"empty parts", []int{0, 8, 0, 6, 0}},
		{"one part", []int{12}},
	} {
		dir := t.TempDir()
		total := 0
		for _, n := range c.counts {
			total += n
		}
		exs := randExamples(rand.New(rand.NewPCG(uint64(ci), 9)), h, total)
		single := filepath.Join(dir, "single.shard")
		writeShard(t, single, h, exs, WithBlockSize(k))
		var parts []string
		o := 0
		for i, n := range c.counts {
			p := filepath.Join(dir, fmt.Sprintf("part%d.shard", i))
			writeShard(t, p, h, exs[o:o+n], WithBlockSize(k))
			parts = append(parts, p)
			o += n
		}
		dst := filepath.Join(dir, "joined.shard")
		if err := Concat(dst, parts...); err != nil {
			t.Fatalf("case %d (%s): %v", ci, c.name, err)
		}
		a, _ := os.ReadFile(single)
		b, _ := os.ReadFile(dst)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("case %d (%s): concatenation (%d bytes) differs from the single-run shard (%d bytes)",
				ci, c.name, len(b), len(a))
		}
	}
}

func TestConcatErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := testHeader(4, 1, 1, 1)
	exs := randExamples(rand.New(rand.NewPCG(1, 1)), h, 10)
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	writeShard(t, a, h, exs, WithBlockSize(4))
	writeShard(t, b, h, exs, WithBlockSize(5))
	h2 := h
	h2.Provenance.Seed = 43
	writeShard(t, c, h2, exs, WithBlockSize(4))
	dst := filepath.Join(dir, "dst")
	for ci, parts := range [][]string{{a, b}, {a, c}, {}, {a, filepath.Join(dir, "nope")}} {
		if err := Concat(dst, parts...); err == nil {
			t.Errorf("case %d (%v): no error", ci, parts)
		}
		if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("case %d: failed Concat left %q", ci, dst)
		}
	}
	// A corrupted part is caught, even on the copy-compressed path.
	data, _ := os.ReadFile(a)
	r, _ := Open(a)
	off := r.index[0].offset + 5
	r.Close()
	data[off] ^= 0xff
	os.WriteFile(a, data, 0o644)
	if err := Concat(dst, a); !errors.Is(err, ErrChecksum) {
		t.Errorf("corrupted part: got %v, want ErrChecksum", err)
	}
}

func TestAbortAndAtomicity(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := testHeader(4, 1, 1, 1)
	exs := randExamples(rand.New(rand.NewPCG(2, 2)), h, 9)
	path := filepath.Join(dir, "x.shard")
	w, err := Create(path, h, WithBlockSize(2))
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		if err := w.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	// While writing, nothing is at the destination path.
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unfinished shard visible at %q", path)
	}
	w.Abort()
	w.Abort() // idempotent
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("Abort left %d files: %v", len(ents), ents)
	}
	if err := w.Append(exs[0]); err == nil {
		t.Error("Append after Abort: no error")
	}
	if err := w.Close(); err == nil {
		t.Error("Close after Abort: no error")
	}

	// Abort keeps an existing shard; Close replaces it.
	writeShard(t, path, h, exs[:3])
	before, _ := os.ReadFile(path)
	w, _ = Create(path, h)
	w.Append(exs[4])
	w.Abort()
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("Abort changed the existing shard")
	}
	writeShard(t, path, h, exs[:5])
	r, err := Open(path)
	if err != nil || r.Len() != 5 {
		t.Fatalf("replaced shard: %v", err)
	}
	r.Close()
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the folder, want 1", len(ents))
	}
}

func TestConcurrentReads(t *testing.T) {
	t.Parallel()
	h := testHeader(8, 1, 2, 2)
	exs := randExamples(rand.New(rand.NewPCG(8, 8)), h, 50)
	path := filepath.Join(t.TempDir(), "p.shard")
	writeShard(t, path, h, exs, WithBlockSize(6))
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(g), 0))
			for range 200 {
				i := rng.IntN(len(exs))
				ex, err := r.Example(i)
				if err == nil && !sameExample(ex, exs[i]) {
					err = fmt.Errorf("goroutine %d: example %d differs", g, i)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
