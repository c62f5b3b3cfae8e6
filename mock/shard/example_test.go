package shard_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/galforge/galforge/mock/shard"
)

func Example() {
	dir, _ := os.MkdirTemp("", "shard")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "train-000.shard")

	h := shard.Header{
		StampSize:  4,
		Bands:      []string{"F160W"},
		Planes:     []string{"sci", "rms"},
		Truth:      []shard.Column{{Name: "re3d_kpc", Unit: "kpc"}, {Name: "phase", Unit: ""}},
		Provenance: shard.Provenance{GalforgeVersion: "dev", ConfigHash: "9f2c", Seed: 1},
	}
	w, err := shard.Create(path, h, shard.WithBlockSize(2))
	if err != nil {
		log.Fatal(err)
	}
	for i := range 5 {
		img := make([]float32, h.ImageLen()) // planes × bands × 4 × 4
		img[0] = float32(i)
		ex := shard.Example{ID: int64(100 + i), Snapshot: 7, View: int32(i % 10), Row: int64(i),
			Images: img, Truth: []float32{1.5 * float32(i), 1}}
		if err := w.Append(ex); err != nil {
			w.Abort()
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := shard.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	ex, err := r.Example(3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Len(), r.NumBlocks(), r.Header().Planes, ex.ID, ex.View, ex.Images[0], ex.Truth)
	// Output: 5 3 [sci rms] 103 3 3 [4.5 1]
}
