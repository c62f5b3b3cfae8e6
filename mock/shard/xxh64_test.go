package shard

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestXXH64(t *testing.T) {
	t.Parallel()
	// Reference values from the xxHash test suite and Python's xxhash.xxh64.
	for ci, c := range []struct {
		in   string
		want uint64
	}{
		{"", 0xef46db3751d8e999},
		{"a", 0xd24ec4f1a98c6e5b},
		{"abc", 0x44bc2cf5ad770999},
		{"Nobody inspects the spammish repetition", 0xfbcea83c8a378bf1},
	} {
		if got := xxh64([]byte(c.in)); got != c.want {
			t.Errorf("case %d (%q): got %016x, want %016x", ci, c.in, got, c.want)
		}
	}
	// zstd stores the low 32 bits of XXH64 of the content at the end of a
	// frame: compare for every length class (stripes, 8-, 4- and 1-byte tails).
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderCRC(true))
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 3, 4, 7, 8, 31, 32, 33, 63, 100, 1027, 70001} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		frame := enc.EncodeAll(b, nil)
		want := binary.LittleEndian.Uint32(frame[len(frame)-4:])
		if got := uint32(xxh64(b)); got != want {
			t.Errorf("length %d: low 32 bits %08x, zstd frame checksum %08x", n, got, want)
		}
	}
}
