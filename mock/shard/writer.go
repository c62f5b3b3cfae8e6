package shard

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"
)

// Option configures Create.
type Option func(*options) error

type options struct {
	blockSize int
	level     zstd.EncoderLevel
}

// WithBlockSize sets K, the number of examples per block. It must be
// positive. By default K = max(1, DefaultBlockBytes/RecordSize).
// Random access decompresses one block, so smaller blocks read single
// examples faster and compress slightly worse.
func WithBlockSize(k int) Option {
	return func(o *options) error {
		if k <= 0 {
			return fmt.Errorf("block size %d, want > 0", k)
		}
		o.blockSize = k
		return nil
	}
}

// WithLevel sets the zstd encoder level. It defaults to zstd.SpeedDefault
// (about zstd level 3).
func WithLevel(l zstd.EncoderLevel) Option {
	return func(o *options) error {
		if l < zstd.SpeedFastest || l > zstd.SpeedBestCompression {
			return fmt.Errorf("unknown zstd level %d", l)
		}
		o.level = l
		return nil
	}
}

// indexEntry locates one block.
type indexEntry struct {
	offset, length, count, sum uint64
}

// Writer streams examples into a shard. It holds at most one uncompressed
// and one compressed block in memory. The shard is written to a temporary
// file in the destination folder and renamed into place by Close, so an
// interrupted writer never leaves a partial shard at the destination path.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	path   string
	tmp    *os.File
	bw     *bufio.Writer
	h      Header
	recLen int
	imgLen int
	enc    *zstd.Encoder
	off    uint64 // bytes written so far
	buf    []byte // uncompressed records of the current block
	n      int    // examples in buf
	comp   []byte
	index  []indexEntry
	total  uint64
	err    error // sticky: once set, only Abort remains
	done   bool
}

// Create starts a shard at path with header h. Caller-set fields of h
// (StampSize, Bands, Planes, Truth, Provenance) are validated; the others are
// overwritten. The same header, options and examples always give a
// byte-identical file (for the same version of klauspost/compress).
func Create(path string, h Header, opts ...Option) (*Writer, error) {
	o := options{level: zstd.SpeedDefault}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("shard: create %q: %w", path, err)
		}
	}
	if err := h.validateUser(); err != nil {
		return nil, fmt.Errorf("shard: create %q: %w", path, err)
	}
	h.Format = Format
	h.DType = "float32"
	h.Compression = "zstd"
	h.CompressionLevel = o.level.String()
	h.Checksum = "xxh64"
	if o.blockSize == 0 {
		o.blockSize = max(1, DefaultBlockBytes/h.RecordSize())
	}
	h.BlockSize = o.blockSize
	h.Record = h.record()
	// Own copies, so that the caller may reuse its slices.
	h.Bands = append([]string(nil), h.Bands...)
	h.Planes = append([]string(nil), h.Planes...)
	h.Truth = append([]Column(nil), h.Truth...)

	hj, err := headerJSON(&h)
	if err != nil {
		return nil, fmt.Errorf("shard: create %q: header: %w", path, err)
	}
	if len(hj) > maxHeaderSize {
		return nil, fmt.Errorf("shard: create %q: header of %d bytes exceeds %d", path, len(hj), maxHeaderSize)
	}
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(o.level),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, fmt.Errorf("shard: create %q: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("shard: create %q: %w", path, err)
	}
	w := &Writer{
		path:   path,
		tmp:    tmp,
		bw:     bufio.NewWriterSize(tmp, 1<<20),
		h:      h,
		recLen: h.RecordSize(),
		imgLen: h.ImageLen(),
		enc:    enc,
	}
	w.buf = make([]byte, 0, h.BlockSize*w.recLen)

	var pre [preambleSize]byte
	copy(pre[:], Magic)
	binary.LittleEndian.PutUint32(pre[8:], Version)
	binary.LittleEndian.PutUint32(pre[12:], uint32(len(hj)))
	var sum [headerSumSize]byte
	binary.LittleEndian.PutUint64(sum[:], xxh64(hj))
	w.write(pre[:])
	w.write(hj)
	w.write(sum[:])
	if w.err != nil {
		w.Abort()
		return nil, fmt.Errorf("shard: create %q: %w", path, w.err)
	}
	return w, nil
}

// Header returns the header as it is written (with the fields Create fills).
func (w *Writer) Header() Header { return w.h }

// Len returns the number of examples appended so far.
func (w *Writer) Len() int { return int(w.total) }

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	if _, err := w.bw.Write(b); err != nil {
		w.err = err
		return
	}
	w.off += uint64(len(b))
}

// Append adds one example. Its Images must hold Header.ImageLen() values and
// its Truth one value per truth column, else Append returns an error wrapping
// ErrShape and the shard is unchanged. ex is copied; the caller may reuse it.
func (w *Writer) Append(ex Example) error {
	if w.done {
		return fmt.Errorf("shard: append to %q: writer is closed", w.path)
	}
	if w.err != nil {
		return fmt.Errorf("shard: append to %q: %w", w.path, w.err)
	}
	if len(ex.Images) != w.imgLen {
		return fmt.Errorf("shard: append to %q: example %d (id %d): %w: %d image values, want %d (%d planes × %d bands × %d × %d)",
			w.path, w.total, ex.ID, ErrShape, len(ex.Images), w.imgLen,
			len(w.h.Planes), len(w.h.Bands), w.h.StampSize, w.h.StampSize)
	}
	if len(ex.Truth) != len(w.h.Truth) {
		return fmt.Errorf("shard: append to %q: example %d (id %d): %w: %d truth values, want %d",
			w.path, w.total, ex.ID, ErrShape, len(ex.Truth), len(w.h.Truth))
	}
	n := len(w.buf)
	w.buf = w.buf[:n+w.recLen]
	putRecord(w.buf[n:], &ex)
	return w.added()
}

// appendRecord adds one encoded record (used by Concat).
func (w *Writer) appendRecord(rec []byte) error {
	w.buf = append(w.buf, rec...)
	return w.added()
}

func (w *Writer) added() error {
	w.n++
	w.total++
	if w.n == w.h.BlockSize {
		w.flushBlock()
	}
	if w.err != nil {
		return fmt.Errorf("shard: append to %q: %w", w.path, w.err)
	}
	return nil
}

// flushBlock compresses and writes the pending records as one block.
func (w *Writer) flushBlock() {
	if w.n == 0 {
		return
	}
	sum := xxh64(w.buf)
	w.comp = w.enc.EncodeAll(w.buf, w.comp[:0])
	w.rawBlock(w.comp, uint64(w.n), sum)
	w.buf = w.buf[:0]
	w.n = 0
}

// rawBlock writes an already compressed block (used by Concat when it can
// copy a full block unchanged). Pending records must have been flushed.
func (w *Writer) rawBlock(comp []byte, count, sum uint64) {
	w.index = append(w.index, indexEntry{offset: w.off, length: uint64(len(comp)), count: count, sum: sum})
	w.write(comp)
}

// Close writes the last block, the index and the footer, syncs the file and
// renames it into place. On error the temporary file is removed and no shard
// is left at the path. Close on a closed or aborted Writer returns an error.
func (w *Writer) Close() error {
	if w.done {
		return fmt.Errorf("shard: close %q: writer is already closed", w.path)
	}
	w.flushBlock()
	indexOff := w.off
	idx := make([]byte, len(w.index)*indexEntrySize)
	le := binary.LittleEndian
	for i, e := range w.index {
		b := idx[i*indexEntrySize:]
		le.PutUint64(b[0:], e.offset)
		le.PutUint64(b[8:], e.length)
		le.PutUint64(b[16:], e.count)
		le.PutUint64(b[24:], e.sum)
	}
	w.write(idx)
	var foot [footerSize]byte
	le.PutUint64(foot[0:], indexOff)
	le.PutUint64(foot[8:], uint64(len(w.index)))
	le.PutUint64(foot[16:], w.total)
	le.PutUint64(foot[24:], xxh64(idx))
	le.PutUint64(foot[32:], xxh64(foot[:32]))
	copy(foot[40:], EndMagic)
	w.write(foot[:])

	err := w.err
	if err == nil {
		err = w.bw.Flush()
	}
	if err == nil {
		err = w.tmp.Sync()
	}
	if cerr := w.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp makes the file 0600; a shard is a normal, shareable output.
		err = os.Chmod(w.tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(w.tmp.Name(), w.path)
	}
	w.finish()
	if err != nil {
		os.Remove(w.tmp.Name())
		return fmt.Errorf("shard: close %q: %w", w.path, err)
	}
	return nil
}

// Abort discards everything written: the temporary file is removed and no
// shard is created (an existing file at the path is left untouched). Abort
// after Close does nothing.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.tmp.Close()
	os.Remove(w.tmp.Name())
	w.finish()
}

func (w *Writer) finish() {
	w.done = true
	if w.err == nil {
		w.err = errors.New("writer is closed")
	}
	w.enc.Close()
	w.buf, w.comp, w.index = nil, nil, nil
}

// headerJSON encodes a header as it is stored: compact, fields in struct
// order, map keys sorted, and without HTML escaping (so "<f4" stays
// readable).
func headerJSON(h *Header) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// mustHeaderJSON is headerJSON for headers that are known to encode.
func mustHeaderJSON(h Header) []byte {
	b, err := headerJSON(&h)
	if err != nil {
		panic(err)
	}
	return b
}
