package emulate

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/galforge/galforge/mock/shard"
)

// Part names one of the three splits of the data.
type Part int

// The three splits; every galaxy (object) id lands in exactly one.
const (
	PartTrain Part = iota
	PartVal
	PartTest
)

func (s Part) String() string { return [...]string{"train", "val", "test"}[s] }

// ref locates one example: shard file, block, index in the block.
type ref struct {
	file, block, k int32
}

// Meta is what is known of an example besides its pixels.
type Meta struct {
	ID       int64
	Row      int64
	Snapshot int32
	View     int32
	// Truth is the raw truth vector (every shard column).
	Truth []float32
}

// Data is a set of training shards, indexed and split by galaxy id. It reads
// the shards' blocks on demand: only ids and truth vectors stay in memory.
type Data struct {
	Paths   []string
	Header  shard.Header
	Targets []Target
	// Bands are the band indices of the shard fed to the network.
	Bands []int
	sci   int // plane index of SCI
	rms   int // plane index of RMS, or −1

	readers []*shard.Reader
	cache   inputCache // preprocessed inputs, reused across epochs
	meta    [][]Meta   // per file, per example
	splits  [3][]ref   // examples of each split, in file order
	ids     [3][]int64 // galaxy ids of each split, sorted
}

// ExpandShards expands globs and returns the sorted, unique shard paths.
func ExpandShards(patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("train.shards: bad pattern %q: %w", p, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("train.shards: %q matches no file", p)
		}
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// OpenData opens the shards, checks that they agree (stamp size, bands,
// planes, truth columns), reads every id and truth vector, resolves the
// targets, splits the galaxy ids with the seed (fractions of galaxies, not of
// stamps) and measures the standardisation of regression targets on the
// training split.
func OpenData(ctx context.Context, paths []string, c Config, seed uint64) (*Data, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("train.shards: no shard files")
	}
	d := &Data{Paths: paths}
	for i, p := range paths {
		r, err := shard.Open(p)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("emulate: %w", err)
		}
		d.readers = append(d.readers, r)
		h := r.Header()
		if i == 0 {
			d.Header = h
		} else if err := sameLayout(d.Header, h); err != nil {
			d.Close()
			return nil, fmt.Errorf("emulate: %s and %s differ: %w", paths[0], p, err)
		}
	}
	if err := d.resolve(c); err != nil {
		d.Close()
		return nil, err
	}
	// Ids and truth of every example (decompresses each block once).
	total := 0
	d.meta = make([][]Meta, len(paths))
	for fi, r := range d.readers {
		d.meta[fi] = make([]Meta, 0, r.Len())
		for b := range r.NumBlocks() {
			if err := ctx.Err(); err != nil {
				d.Close()
				return nil, err
			}
			exs, err := r.ReadBlock(b)
			if err != nil {
				d.Close()
				return nil, fmt.Errorf("emulate: %w", err)
			}
			for _, ex := range exs {
				d.meta[fi] = append(d.meta[fi], Meta{ID: ex.ID, Row: ex.Row, Snapshot: ex.Snapshot, View: ex.View,
					Truth: slices.Clone(ex.Truth)})
			}
		}
		total += r.Len()
	}
	if total == 0 {
		d.Close()
		return nil, fmt.Errorf("emulate: the shards %s hold no examples", strings.Join(paths, ", "))
	}
	d.split(c, seed)
	d.SetCache(int64(c.CacheMB) << 20)
	if len(d.splits[PartTrain]) == 0 || len(d.splits[PartVal]) == 0 {
		d.Close()
		return nil, fmt.Errorf("emulate: %d galaxies are too few to split into train/val/test (fractions %g/%g/%g)",
			len(d.ids[PartTrain])+len(d.ids[PartVal])+len(d.ids[PartTest]), 1-c.ValFraction-c.TestFraction, c.ValFraction, c.TestFraction)
	}
	if err := d.standardise(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// sameLayout reports how two shard headers differ in what training needs.
func sameLayout(a, b shard.Header) error {
	if a.StampSize != b.StampSize {
		return fmt.Errorf("stamp_size %d vs %d", a.StampSize, b.StampSize)
	}
	if !slices.Equal(a.Bands, b.Bands) {
		return fmt.Errorf("bands %v vs %v", a.Bands, b.Bands)
	}
	if !slices.Equal(a.Planes, b.Planes) {
		return fmt.Errorf("planes %v vs %v", a.Planes, b.Planes)
	}
	if !slices.Equal(a.Truth, b.Truth) {
		return fmt.Errorf("truth columns %v vs %v", a.Truth, b.Truth)
	}
	return nil
}

// resolve finds the planes, bands and targets in the header.
func (d *Data) resolve(c Config) error {
	h := d.Header
	d.sci, d.rms = -1, -1
	for i, p := range h.Planes {
		switch strings.ToUpper(p) {
		case "SCI":
			d.sci = i
		case "RMS":
			d.rms = i
		}
	}
	if d.sci < 0 {
		return fmt.Errorf("emulate: %s: the shard has no SCI plane (planes %v)", d.Paths[0], h.Planes)
	}
	if len(c.Bands) == 0 {
		for i := range h.Bands {
			d.Bands = append(d.Bands, i)
		}
	} else {
		for _, b := range c.Bands {
			i := slices.IndexFunc(h.Bands, func(x string) bool { return strings.EqualFold(x, b) })
			if i < 0 {
				return fmt.Errorf("train.bands: %q is not a band of %s (it has %v)", b, d.Paths[0], h.Bands)
			}
			d.Bands = append(d.Bands, i)
		}
	}
	t, err := resolveTargets(c, h, d.Paths[0])
	if err != nil {
		return err
	}
	d.Targets = t
	return nil
}

// BandNames returns the names of the bands fed to the network.
func (d *Data) BandNames() []string {
	out := make([]string, len(d.Bands))
	for i, b := range d.Bands {
		out[i] = d.Header.Bands[b]
	}
	return out
}

// split assigns galaxy ids to splits: the sorted unique ids are shuffled with
// a generator seeded by seed, the first ⌈TestFraction·N⌉ go to test, the next
// ⌈ValFraction·N⌉ to validation, the rest to training. MaxExamples keeps the
// first galaxies of that shuffled order until the cap is reached.
func (d *Data) split(c Config, seed uint64) {
	count := map[int64]int{}
	for _, m := range d.meta {
		for _, e := range m {
			count[e.ID]++
		}
	}
	ids := make([]int64, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rng := rand.New(rand.NewPCG(seed, 0x5eed5b117))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	if c.MaxExamples > 0 {
		n, k := 0, 0
		for k < len(ids) && n < c.MaxExamples {
			n += count[ids[k]]
			k++
		}
		ids = ids[:k]
	}
	nt := int(math.Ceil(c.TestFraction * float64(len(ids))))
	nv := int(math.Ceil(c.ValFraction * float64(len(ids))))
	if nt+nv >= len(ids) {
		nt, nv = 0, 0 // too few galaxies: everything is training; OpenData reports it
		if len(ids) >= 3 {
			nt, nv = min(1, nt), 1
		}
	}
	which := map[int64]Part{}
	for i, id := range ids {
		switch {
		case i < nt:
			which[id] = PartTest
		case i < nt+nv:
			which[id] = PartVal
		default:
			which[id] = PartTrain
		}
	}
	for s := range d.ids {
		d.ids[s] = d.ids[s][:0]
		d.splits[s] = d.splits[s][:0]
	}
	for id, s := range which {
		d.ids[s] = append(d.ids[s], id)
	}
	for s := range d.ids {
		slices.Sort(d.ids[s])
	}
	for fi, m := range d.meta {
		bs := d.readers[fi].Header().BlockSize
		for i, e := range m {
			s, ok := which[e.ID]
			if !ok {
				continue
			}
			d.splits[s] = append(d.splits[s], ref{file: int32(fi), block: int32(i / bs), k: int32(i % bs)})
		}
	}
}

// standardise measures the mean and standard deviation of each regression
// target (after its transform) on the training split.
func (d *Data) standardise() error {
	for ti := range d.Targets {
		t := &d.Targets[ti]
		if t.Kind != Regression || t.Transform == TransformAngle180 {
			continue
		}
		var s, s2 float64
		n := 0
		for _, r := range d.splits[PartTrain] {
			v, ok := t.transformed(float64(d.meta[r.file][d.index(r)].Truth[t.Column]))
			if !ok {
				continue
			}
			s += v[0]
			s2 += v[0] * v[0]
			n++
		}
		if n == 0 {
			return fmt.Errorf("emulate: target %s has no valid value in the training split", t.Name)
		}
		t.Mean = s / float64(n)
		t.Std = math.Sqrt(math.Max(s2/float64(n)-t.Mean*t.Mean, 0))
		if !(t.Std > 0) {
			t.Std = 1 // a constant target: learn it unscaled
		}
	}
	return nil
}

func (d *Data) index(r ref) int {
	return int(r.block)*d.readers[r.file].Header().BlockSize + int(r.k)
}

// Len returns the number of examples in split s.
func (d *Data) Len(s Part) int { return len(d.splits[s]) }

// IDs returns the sorted galaxy ids of split s.
func (d *Data) IDs(s Part) []int64 { return d.ids[s] }

// Close closes the shard files.
func (d *Data) Close() error {
	var first error
	for _, r := range d.readers {
		if err := r.Close(); err != nil && first == nil {
			first = err
		}
	}
	d.readers = nil
	return first
}

// Example is one preprocessed example: the network input (S×S×channels,
// channels last: Preprocessing.Planes per band), its label slots and mask, and its metadata.
type Example struct {
	Input []float32
	Meta  Meta
	// Aug is the augmentation applied to Input (zero when none).
	Aug Augmentation
}

// Stream yields the examples of split s, reading blocks in a random order
// (seeded by seed) and mixing up to bufSize examples at a time when shuffle
// is set; in file order otherwise. Each example gets a random member of the
// augmentation group aug ("" or none: no augmentation) drawn from its own seed (seed, id, snapshot, view), so
// streams are reproducible. It stops at the first read error, which it
// returns through errp.
//
// Blocks are read, decompressed and preprocessed by up to streamWorkers
// goroutines ahead of the consumer, and yielded in the same order as a
// sequential read, so the stream does not depend on the number of workers.
// Preprocessed inputs are kept in memory (see SetCache) and reused by later
// streams with the same preprocessing. Example inputs may be shared with the cache
// and must not be modified.
func (d *Data) Stream(ctx context.Context, s Part, seed uint64, shuffle bool, aug AugmentGroup, bufSize int, prep Preprocessing, errp *error) func(yield func(Example) bool) {
	return func(yield func(Example) bool) {
		syms, err := streamSymmetries(aug)
		if err != nil {
			*errp = err
			return
		}
		refs := d.splits[s]
		var blocks []blk
		byBlock := map[blk][]int32{}
		for _, r := range refs {
			b := blk{r.file, r.block}
			if _, ok := byBlock[b]; !ok {
				blocks = append(blocks, b)
			}
			byBlock[b] = append(byBlock[b], r.k)
		}
		rng := rand.New(rand.NewPCG(seed, uint64(s)+1))
		if shuffle {
			rng.Shuffle(len(blocks), func(i, j int) { blocks[i], blocks[j] = blocks[j], blocks[i] })
		}
		d.cache.use(prep, d.meta)
		process := func(b blk) ([]Example, error) {
			return d.blockExamples(b, byBlock[b], seed, syms, prep)
		}
		var buf []Example
		flush := func(all bool) bool {
			if shuffle {
				rng.Shuffle(len(buf), func(i, j int) { buf[i], buf[j] = buf[j], buf[i] })
			}
			for len(buf) > 0 && (all || len(buf) > bufSize/2) {
				e := buf[len(buf)-1]
				buf = buf[:len(buf)-1]
				if !yield(e) {
					return false
				}
			}
			return true
		}
		for exs, err := range orderedMap(blocks, streamWorkers(), process) {
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				*errp = err
				return
			}
			buf = append(buf, exs...)
			if !shuffle || len(buf) >= bufSize {
				if !flush(!shuffle) {
					return
				}
			}
		}
		flush(true)
	}
}

// blk names one block of one shard file.
type blk struct{ file, block int32 }

// blockExamples returns the preprocessed (and, with syms, augmented)
// examples ks of block b, in that order, taking inputs from the cache when
// it holds them all and reading the block otherwise. It is safe for
// concurrent use on different blocks.
func (d *Data) blockExamples(b blk, ks []int32, seed uint64, syms []Augmentation, prep Preprocessing) ([]Example, error) {
	r := d.readers[b.file]
	base := int(b.block) * r.Header().BlockSize
	S := d.Header.StampSize
	nb := len(d.Bands)
	nc := nb * prep.Planes() // input channels
	n := S * S
	inputs := make([][]float32, len(ks))
	missing := false
	for i, k := range ks {
		if inputs[i] = d.cache.get(int(b.file), base+int(k)); inputs[i] == nil {
			missing = true
		}
	}
	if missing {
		exs, err := r.ReadBlock(int(b.block))
		if err != nil {
			return nil, fmt.Errorf("emulate: %w", err)
		}
		nAll := len(d.Header.Bands)
		sci := make([]float32, nb*n)
		var rms []float32
		if d.rms >= 0 {
			rms = make([]float32, nb*n)
		}
		var scratch []float32
		for i, k := range ks {
			if inputs[i] != nil {
				continue
			}
			ex := exs[k]
			for j, bi := range d.Bands {
				copy(sci[j*n:(j+1)*n], ex.Images[(d.sci*nAll+bi)*n:(d.sci*nAll+bi+1)*n])
				if rms != nil {
					copy(rms[j*n:(j+1)*n], ex.Images[(d.rms*nAll+bi)*n:(d.rms*nAll+bi+1)*n])
				}
			}
			in := make([]float32, nc*n)
			scratch = Preprocess(in, sci, rms, S, nb, prep, scratch)
			d.cache.put(int(b.file), base+int(k), in)
			inputs[i] = in
		}
	}
	out := make([]Example, len(ks))
	for i, k := range ks {
		e := Example{Input: inputs[i], Meta: d.meta[b.file][base+int(k)]}
		e.augment(syms, seed, S, nc)
		out[i] = e
	}
	return out, nil
}

// streamSymmetries returns the members of the augmentation group aug that
// streams draw from: none for "" or AugmentNone.
func streamSymmetries(aug AugmentGroup) ([]Augmentation, error) {
	if aug == "" || aug == AugmentNone {
		return nil, nil
	}
	syms, err := aug.Symmetries()
	if err != nil {
		return nil, fmt.Errorf("emulate: %w", err)
	}
	return syms, nil
}

// augment turns e's input (S×S×nc) by a member of syms drawn from e's own
// generator, seeded by (seed, id, snapshot, view), so that the draw does not
// depend on the order of the stream. With fewer than two members it does
// nothing.
func (e *Example) augment(syms []Augmentation, seed uint64, S, nc int) {
	if len(syms) < 2 {
		return
	}
	ar := rand.New(rand.NewPCG(seed^uint64(e.Meta.ID), uint64(e.Meta.Snapshot)<<32|uint64(uint32(e.Meta.View))))
	e.Aug = drawAugmentation(ar, syms)
	if e.Aug != (Augmentation{}) {
		turned := make([]float32, len(e.Input))
		e.Aug.Apply(turned, e.Input, S, nc)
		e.Input = turned
	}
}

// maxStreamWorkers caps the goroutines that read and preprocess blocks for
// a stream.
var maxStreamWorkers = 8

// streamWorkers is the number of goroutines that read and preprocess blocks
// for a stream: the cores, at most maxStreamWorkers.
func streamWorkers() int { return min(runtime.GOMAXPROCS(0), maxStreamWorkers) }

// orderedMap applies f to each item on up to workers goroutines and yields
// the results in the order of items, at most 2·workers items ahead of the
// consumer. Stopping early waits for the calls in flight before returning.
func orderedMap[T, R any](items []T, workers int, f func(T) (R, error)) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		type result struct {
			v   R
			err error
		}
		workers = max(workers, 1)
		futures := make(chan chan result, 2*workers)
		sem := make(chan struct{}, workers)
		quit := make(chan struct{})
		var wg sync.WaitGroup
		go func() {
			defer close(futures)
			for _, it := range items {
				select {
				case sem <- struct{}{}:
				case <-quit:
					return
				}
				fut := make(chan result, 1)
				wg.Add(1)
				go func() {
					defer wg.Done()
					v, err := f(it)
					<-sem
					fut <- result{v, err}
				}()
				select {
				case futures <- fut:
				case <-quit:
					return
				}
			}
		}()
		defer func() {
			close(quit)
			for range futures {
			}
			wg.Wait()
		}()
		for fut := range futures {
			r := <-fut
			if !yield(r.v, r.err) {
				return
			}
		}
	}
}

// labels writes the label slots and mask of example e (with its
// augmentation applied to angles) into lab and mask.
func labels(targets []Target, e *Example, lab, mask []float32) {
	si := 0
	for ti, t := range targets {
		y := float64(e.Meta.Truth[t.Column])
		if t.Transform == TransformAngle180 && !math.IsNaN(y) {
			y = e.Aug.PA(y)
		}
		if t.encode(lab[si:si+t.Slots()], y) {
			mask[ti] = 1
		} else {
			mask[ti] = 0
		}
		si += t.Slots()
	}
}

func totalSlots(ts []Target) int {
	n := 0
	for _, t := range ts {
		n += t.Slots()
	}
	return n
}

func totalOutputs(ts []Target) int {
	n := 0
	for _, t := range ts {
		n += t.Outputs()
	}
	return n
}

// Raw returns up to max examples (0 = all) of split part, in the order
// PredictPart predicts them, with their unprocessed SCI and RMS images of the
// first network band (S×S each, FITS row order): what a classic fit
// needs.
func (d *Data) Raw(ctx context.Context, part Part, max int) (metas []Meta, sci, rms [][]float32, err error) {
	S := d.Header.StampSize
	n := S * S
	nAll := len(d.Header.Bands)
	b := d.Bands[0]
	var last int32 = -1
	var lastFile int32 = -1
	var exs []shard.Example
	for _, r := range d.splits[part] {
		if max > 0 && len(metas) >= max {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		if r.block != last || r.file != lastFile {
			exs, err = d.readers[r.file].ReadBlock(int(r.block))
			if err != nil {
				return nil, nil, nil, fmt.Errorf("emulate: %w", err)
			}
			last, lastFile = r.block, r.file
		}
		ex := exs[r.k]
		metas = append(metas, d.meta[r.file][d.index(r)])
		sci = append(sci, slices.Clone(ex.Images[(d.sci*nAll+b)*n:(d.sci*nAll+b+1)*n]))
		if d.rms >= 0 {
			rms = append(rms, slices.Clone(ex.Images[(d.rms*nAll+b)*n:(d.rms*nAll+b+1)*n]))
		} else {
			rms = append(rms, nil)
		}
	}
	return metas, sci, rms, nil
}
