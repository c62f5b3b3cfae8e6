// Package shard reads and writes galforge training shards: one documented,
// versioned, checksummed file format for CNN training examples.
//
// An example is a stack of float32 images (planes × bands × S × S, e.g. the
// SCI image and its RMS in each band), a float32 truth vector with named
// columns and units, and ids (galaxy/object id, snapshot, view, catalogue
// row). A shard holds many examples of one shape.
//
// # Format (version 1; FORMAT.md has it byte for byte)
//
// All integers are little-endian.
//
//	"GALFSHRD" | version u32 | header length u32 | header JSON | XXH64(header JSON) u64
//	block 0 | block 1 | ...    each one zstd frame of K fixed-size records (the last block may hold fewer)
//	index: per block  offset u64 | length u64 | count u64 | XXH64(uncompressed block) u64
//	footer (48 bytes): index offset u64 | blocks u64 | examples u64 |
//	                   XXH64(index) u64 | XXH64(footer[0:32]) u64 | "GALFSEND"
//
// A record is id int64, row int64, snapshot int32, view int32,
// images float32[planes][bands][S][S], truth float32[len(truth)], packed;
// the header's "record" field spells it as a NumPy structured dtype, so that
// Python reads a block with np.frombuffer (see read_shard.py).
//
// Random access to example i reads and decompresses block i/K only, and
// verifies its XXH64 checksum: a corrupted block gives an error wrapping
// ErrChecksum that names the file and the block.
//
// # Writing
//
// Create streams examples block by block (memory bounded by one block) into
// a temporary file that Close renames into place, so an interrupted writer
// leaves no shard; Abort removes it. The file has no timestamps and the zstd
// encoder is single-threaded at a fixed level, so the same header, options
// and examples give a byte-identical file (for one version of
// klauspost/compress). Concat joins the per-part shards of a sharded run into
// the file a single run would have written, re-blocking where part boundaries
// do not fall on block boundaries.
//
// Plain zstd barely compresses noisy float32 stamps (a ratio of about 1.0–1.1
// on 64×64 stamps with unit noise); the compression mainly costs little and
// makes frames self-checking.
//
// References: Y. Collet, xxHash specification (XXH64); RFC 8878, Zstandard
// compression and the application/zstd media type.
package shard
