package shard

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Reader gives random access to the examples of a shard. Open validates the
// magic, version, header checksum, footer and index; each block's checksum is
// verified when the block is read. A Reader is safe for concurrent use.
type Reader struct {
	path      string
	f         *os.File
	h         Header
	headerRaw []byte
	dataStart uint64
	index     []indexEntry
	starts    []int // first example index of each block
	total     int
	recLen    int
	dec       *zstd.Decoder

	mu        sync.Mutex
	lastBlock int // block held in lastRaw, or -1
	lastRaw   []byte
}

// Open opens the shard at path and validates its structure (not yet the
// block checksums, which Example and ReadBlock verify). Errors wrap
// ErrNotShard, ErrVersion, ErrCorrupt or ErrChecksum and name the file.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("shard: open %q: %w", path, err)
	}
	r, err := open(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func open(path string, f *os.File) (*Reader, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("shard: open %q: "+format, append([]any{path}, args...)...)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fail("%w", err)
	}
	size := uint64(st.Size())
	le := binary.LittleEndian

	var pre [preambleSize]byte
	if _, err := f.ReadAt(pre[:], 0); err != nil {
		if size >= 8 && string(pre[:8]) != Magic || size < 8 {
			return nil, fail("%w (file of %d bytes)", ErrNotShard, size)
		}
		return nil, fail("%w: truncated preamble (file of %d bytes)", ErrCorrupt, size)
	}
	if string(pre[:8]) != Magic {
		return nil, fail("%w: starts with %q, want %q", ErrNotShard, pre[:8], Magic)
	}
	if v := le.Uint32(pre[8:]); v != Version {
		return nil, fail("%w: file has format version %d, this galforge reads version %d", ErrVersion, v, Version)
	}
	hlen := uint64(le.Uint32(pre[12:]))
	if hlen > maxHeaderSize {
		return nil, fail("%w: header length %d exceeds %d", ErrCorrupt, hlen, maxHeaderSize)
	}
	dataStart := preambleSize + hlen + headerSumSize
	if size < dataStart+footerSize {
		return nil, fail("%w: truncated: file of %d bytes is shorter than header (%d) + footer (%d)",
			ErrCorrupt, size, dataStart, footerSize)
	}
	hb := make([]byte, hlen+headerSumSize)
	if _, err := f.ReadAt(hb, preambleSize); err != nil {
		return nil, fail("%w: header: %w", ErrCorrupt, err)
	}
	hj := hb[:hlen]
	if xxh64(hj) != le.Uint64(hb[hlen:]) {
		return nil, fail("%w: header", ErrChecksum)
	}
	var h Header
	dec := json.NewDecoder(bytes.NewReader(hj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fail("%w: header JSON: %w", ErrCorrupt, err)
	}
	if err := h.validateStored(); err != nil {
		return nil, fail("%w: header: %w", ErrCorrupt, err)
	}

	var foot [footerSize]byte
	if _, err := f.ReadAt(foot[:], int64(size-footerSize)); err != nil {
		return nil, fail("%w: footer: %w", ErrCorrupt, err)
	}
	if string(foot[40:]) != EndMagic {
		return nil, fail("%w: no footer (end magic %q, want %q): truncated or unfinished file", ErrCorrupt, foot[40:], EndMagic)
	}
	if got, want := xxh64(foot[:32]), le.Uint64(foot[32:]); got != want {
		return nil, fail("%w: footer XXH64 %016x, stored %016x", ErrChecksum, got, want)
	}
	indexOff := le.Uint64(foot[0:])
	nBlocks := le.Uint64(foot[8:])
	total := le.Uint64(foot[16:])
	indexEnd := size - footerSize
	if indexOff < dataStart || indexOff > indexEnd || (indexEnd-indexOff)/indexEntrySize != nBlocks ||
		(indexEnd-indexOff)%indexEntrySize != 0 {
		return nil, fail("%w: index at %d with %d blocks does not fit a file of %d bytes (truncated?)",
			ErrCorrupt, indexOff, nBlocks, size)
	}
	idx := make([]byte, indexEnd-indexOff)
	if _, err := f.ReadAt(idx, int64(indexOff)); err != nil {
		return nil, fail("%w: index: %w", ErrCorrupt, err)
	}
	if xxh64(idx) != le.Uint64(foot[24:]) {
		return nil, fail("%w: index", ErrChecksum)
	}

	r := &Reader{
		path: path, f: f, h: h, headerRaw: append([]byte(nil), hj...),
		dataStart: dataStart, total: int(total), recLen: h.RecordSize(), lastBlock: -1,
	}
	r.index = make([]indexEntry, nBlocks)
	r.starts = make([]int, nBlocks)
	next, count := dataStart, uint64(0)
	for i := range r.index {
		b := idx[i*indexEntrySize:]
		e := indexEntry{offset: le.Uint64(b[0:]), length: le.Uint64(b[8:]), count: le.Uint64(b[16:]), sum: le.Uint64(b[24:])}
		last := uint64(i) == nBlocks-1
		if e.offset != next || e.length == 0 || e.count == 0 || e.count > uint64(h.BlockSize) ||
			(!last && e.count != uint64(h.BlockSize)) {
			return nil, fail("%w: index entry %d (offset %d, length %d, count %d) is inconsistent",
				ErrCorrupt, i, e.offset, e.length, e.count)
		}
		r.index[i] = e
		r.starts[i] = int(count)
		next += e.length
		count += e.count
	}
	if next != indexOff || count != total {
		return nil, fail("%w: blocks end at %d holding %d examples; index at %d, footer says %d examples",
			ErrCorrupt, next, count, indexOff, total)
	}
	r.dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(min(runtime.GOMAXPROCS(0), 8)),
		zstd.WithDecoderMaxMemory(max(uint64(h.BlockSize*r.recLen)+1, 1<<27)))
	if err != nil {
		return nil, fail("%w", err)
	}
	return r, nil
}

// Close closes the file.
func (r *Reader) Close() error {
	r.dec.Close()
	return r.f.Close()
}

// Path returns the file name given to Open.
func (r *Reader) Path() string { return r.path }

// Len returns the number of examples.
func (r *Reader) Len() int { return r.total }

// NumBlocks returns the number of blocks.
func (r *Reader) NumBlocks() int { return len(r.index) }

// Header returns the stored header.
func (r *Reader) Header() Header { return r.h }

// rawBlock reads, decompresses and verifies block b, returning its
// uncompressed records. The result must not be modified.
// Different blocks are read and decompressed concurrently.
func (r *Reader) rawBlock(b int) ([]byte, error) {
	r.mu.Lock()
	if b == r.lastBlock {
		raw := r.lastRaw
		r.mu.Unlock()
		return raw, nil
	}
	r.mu.Unlock()
	comp, err := r.compressed(b)
	if err != nil {
		return nil, err
	}
	raw, err := r.decode(b, comp)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.lastBlock, r.lastRaw = b, raw
	r.mu.Unlock()
	return raw, nil
}

// decode decompresses the stored bytes comp of block b and verifies the
// length and XXH64 of the result.
func (r *Reader) decode(b int, comp []byte) ([]byte, error) {
	e := r.index[b]
	first := r.starts[b]
	where := func() string {
		return fmt.Sprintf("shard: %q: block %d (examples %d–%d, bytes %d–%d)",
			r.path, b, first, first+int(e.count)-1, e.offset, e.offset+e.length)
	}
	want := int(e.count) * r.recLen
	raw, err := r.dec.DecodeAll(comp, make([]byte, 0, want))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: zstd: %w", where(), ErrChecksum, err)
	}
	if len(raw) != want {
		return nil, fmt.Errorf("%s: %w: %d bytes uncompressed, want %d", where(), ErrCorrupt, len(raw), want)
	}
	if sum := xxh64(raw); sum != e.sum {
		return nil, fmt.Errorf("%s: %w: XXH64 of the uncompressed block is %016x, the index says %016x",
			where(), ErrChecksum, sum, e.sum)
	}
	return raw, nil
}

// compressed reads the stored bytes of block b.
func (r *Reader) compressed(b int) ([]byte, error) {
	e := r.index[b]
	comp := make([]byte, e.length)
	if _, err := r.f.ReadAt(comp, int64(e.offset)); err != nil {
		if errors.Is(err, io.EOF) {
			err = ErrCorrupt
		}
		return nil, fmt.Errorf("shard: %q: block %d: read: %w", r.path, b, err)
	}
	return comp, nil
}

// Example returns example i (0 ≤ i < Len()), reading and verifying the block
// that holds it. Consecutive calls within one block decompress it once.
func (r *Reader) Example(i int) (Example, error) {
	var ex Example
	err := r.ExampleTo(&ex, i)
	return ex, err
}

// ExampleTo decodes example i into dst, reusing dst.Images and dst.Truth when
// they have enough capacity.
func (r *Reader) ExampleTo(dst *Example, i int) error {
	if i < 0 || i >= r.total {
		return fmt.Errorf("shard: %q: example %d out of range [0, %d)", r.path, i, r.total)
	}
	b := i / r.h.BlockSize
	raw, err := r.rawBlock(b)
	if err != nil {
		return err
	}
	dst.Images = resize(dst.Images, r.h.ImageLen())
	dst.Truth = resize(dst.Truth, len(r.h.Truth))
	k := i - r.starts[b]
	getRecord(dst, raw[k*r.recLen:(k+1)*r.recLen])
	return nil
}

func resize(s []float32, n int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float32, n)
}

// BlockOf returns the block holding example i and the block's first example.
func (r *Reader) BlockOf(i int) (block, first int) {
	b := i / r.h.BlockSize
	return b, r.starts[b]
}

// ReadBlock returns the examples of block b (0 ≤ b < NumBlocks()), after
// verifying its checksum. The examples share one backing array per field.
func (r *Reader) ReadBlock(b int) ([]Example, error) {
	if b < 0 || b >= len(r.index) {
		return nil, fmt.Errorf("shard: %q: block %d out of range [0, %d)", r.path, b, len(r.index))
	}
	raw, err := r.rawBlock(b)
	if err != nil {
		return nil, err
	}
	n := int(r.index[b].count)
	nImg, nTruth := r.h.ImageLen(), len(r.h.Truth)
	imgs := make([]float32, n*nImg)
	truth := make([]float32, n*nTruth)
	out := make([]Example, n)
	for k := range out {
		out[k].Images = imgs[k*nImg : (k+1)*nImg : (k+1)*nImg]
		out[k].Truth = truth[k*nTruth : (k+1)*nTruth : (k+1)*nTruth]
		getRecord(&out[k], raw[k*r.recLen:(k+1)*r.recLen])
	}
	return out, nil
}

// All iterates over the examples in order, block by block, yielding each
// example with a nil error. On a read or checksum error it yields
// (Example{}, err) once and stops. Each example has its own slices.
func (r *Reader) All() iter.Seq2[Example, error] {
	return func(yield func(Example, error) bool) {
		for b := range r.index {
			exs, err := r.ReadBlock(b)
			if err != nil {
				yield(Example{}, err)
				return
			}
			for _, ex := range exs {
				if !yield(ex, nil) {
					return
				}
			}
		}
	}
}
