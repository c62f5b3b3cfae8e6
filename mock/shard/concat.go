package shard

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Concat writes to dst the examples of parts, in order, as one shard. All
// parts must have byte-identical headers (same shape, truth columns, block
// size, compression level and provenance).
//
// The result is byte-identical to the shard that one Writer with the same
// header and options would write from all the examples: Concat re-blocks.
// A full block that starts at a block boundary of the output (always the case
// when every part but the last holds a multiple of the block size) is copied
// compressed, after its checksum is verified; the other examples are
// decompressed and recompressed into full blocks. Every block's checksum is
// verified. dst is written atomically, like Create.
func Concat(dst string, parts ...string) error {
	if len(parts) == 0 {
		return fmt.Errorf("shard: concat %q: no parts", dst)
	}
	readers := make([]*Reader, 0, len(parts))
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	for i, p := range parts {
		r, err := Open(p)
		if err != nil {
			return fmt.Errorf("shard: concat %q: part %d: %w", dst, i, err)
		}
		readers = append(readers, r)
		if i > 0 && !bytes.Equal(r.headerRaw, readers[0].headerRaw) {
			return fmt.Errorf("shard: concat %q: %w: header of part %d (%q) differs from part 0 (%q)",
				dst, ErrShape, i, p, parts[0])
		}
	}
	h := readers[0].h
	_, level := zstd.EncoderLevelFromString(h.CompressionLevel)
	w, err := Create(dst, h, WithBlockSize(h.BlockSize), WithLevel(level))
	if err != nil {
		return fmt.Errorf("shard: concat: %w", err)
	}
	if hj := mustHeaderJSON(w.h); !bytes.Equal(hj, readers[0].headerRaw) {
		// A shard written by another galforge may spell its header
		// differently; the result would then not be byte-identical.
		w.Abort()
		return fmt.Errorf("shard: concat %q: %w: header of %q does not re-encode identically", dst, ErrShape, parts[0])
	}
	for _, r := range readers {
		for b, e := range r.index {
			comp, err := r.compressed(b)
			var raw []byte
			if err == nil {
				raw, err = r.decode(b, comp) // verifies the checksum
			}
			if err != nil {
				w.Abort()
				return fmt.Errorf("shard: concat %q: %w", dst, err)
			}
			if w.n == 0 && e.count == uint64(h.BlockSize) {
				w.rawBlock(comp, e.count, e.sum)
				w.total += e.count
				continue
			}
			for k := 0; k < int(e.count); k++ {
				if err := w.appendRecord(raw[k*r.recLen : (k+1)*r.recLen]); err != nil {
					w.Abort()
					return fmt.Errorf("shard: concat: %w", err)
				}
			}
		}
	}
	if w.err != nil {
		w.Abort()
		return fmt.Errorf("shard: concat %q: %w", dst, w.err)
	}
	return w.Close()
}
