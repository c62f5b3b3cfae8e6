package emulate

import "testing"

// BenchmarkTrainDefault64 measures training images/s of the default network
// on 64×64×1 stamps, batch 64, on the pure-Go backend (compilation
// excluded). bench/torch_cnn.py runs the same network in PyTorch; the
// figures side by side are in BENCHMARKS.md.
func BenchmarkTrainDefault64(b *testing.B) {
	r, err := MeasureSpeed(SpeedOptions{Backend: "go", Steps: b.N, InferBatch: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.TrainImagesPerSec, "train-images/s")
	b.ReportMetric(r.InferImagesPerSec, "infer-images/s")
}
