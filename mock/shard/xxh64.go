package shard

import (
	"encoding/binary"
	"math/bits"
)

// XXH64 primes.
var (
	xxP1 uint64 = 11400714785074694791
	xxP2 uint64 = 14029467366897019727
	xxP3 uint64 = 1609587929392839161
	xxP4 uint64 = 9650029242287828579
	xxP5 uint64 = 2870177450012600261
)

// xxh64 returns the XXH64 hash (seed 0) of b, the checksum of blocks, the
// header and the index. It is the hash of Python's xxhash.xxh64 and the one
// whose low 32 bits zstd stores as a frame's content checksum.
//
// References: Y. Collet, xxHash specification (XXH64),
// https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md
func xxh64(b []byte) uint64 {
	le := binary.LittleEndian
	n := len(b)
	var h uint64
	if n >= 32 {
		v1, v2, v3, v4 := xxP1+xxP2, xxP2, uint64(0), -xxP1
		for len(b) >= 32 {
			v1 = xxRound(v1, le.Uint64(b[0:]))
			v2 = xxRound(v2, le.Uint64(b[8:]))
			v3 = xxRound(v3, le.Uint64(b[16:]))
			v4 = xxRound(v4, le.Uint64(b[24:]))
			b = b[32:]
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) +
			bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		h = xxMerge(h, v1)
		h = xxMerge(h, v2)
		h = xxMerge(h, v3)
		h = xxMerge(h, v4)
	} else {
		h = xxP5
	}
	h += uint64(n)
	for ; len(b) >= 8; b = b[8:] {
		h ^= xxRound(0, le.Uint64(b))
		h = bits.RotateLeft64(h, 27)*xxP1 + xxP4
	}
	if len(b) >= 4 {
		h ^= uint64(le.Uint32(b)) * xxP1
		h = bits.RotateLeft64(h, 23)*xxP2 + xxP3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * xxP5
		h = bits.RotateLeft64(h, 11) * xxP1
	}
	h ^= h >> 33
	h *= xxP2
	h ^= h >> 29
	h *= xxP3
	h ^= h >> 32
	return h
}

func xxRound(acc, in uint64) uint64 {
	acc += in * xxP2
	return bits.RotateLeft64(acc, 31) * xxP1
}

func xxMerge(acc, v uint64) uint64 {
	acc ^= xxRound(0, v)
	return acc*xxP1 + xxP4
}
