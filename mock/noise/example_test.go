package noise_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/galforge/galforge/mock/noise"
)

func ExampleAddTo() {
	model := []float64{0, 0.5, 5} // e⁻/s per pixel, noise-free
	sci, rms := make([]float64, 3), make([]float64, 3)
	rng := rand.New(rand.NewPCG(1, 2)) // seed per object in real use
	// CANDELS/Wide-like F160W: sky 0.13 e⁻/s/pix, 3300 s, 4 reads of 12 e⁻.
	noise.AddTo(sci, rms, model, 0.13, 3300, 12, 4, rng)
	fmt.Printf("rms: %.4f %.4f %.4f e⁻/s\n", rms[0], rms[1], rms[2])
	// Output:
	// rms: 0.0096 0.0156 0.0401 e⁻/s
}
