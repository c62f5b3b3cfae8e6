package emulate_test

import (
	"fmt"

	"github.com/galforge/galforge/emulate"
)

// The augmentations of a training stamp and what they do to a position
// angle (degrees counter-clockwise from +y, period 180°).
func ExampleAugmentation_PA() {
	for _, a := range []emulate.Augmentation{{}, {Rot: 1}, {Rot: 2}, {Flip: true}, {Rot: 1, Flip: true}} {
		fmt.Printf("rot %d flip %-5v: PA 30° → %g°\n", a.Rot, a.Flip, a.PA(30))
	}
	// Output:
	// rot 0 flip false: PA 30° → 30°
	// rot 1 flip false: PA 30° → -60°
	// rot 2 flip false: PA 30° → 30°
	// rot 0 flip true : PA 30° → -30°
	// rot 1 flip true : PA 30° → 60°
}

// Preprocess puts a stamp in units of its own noise: asinh(sci/(3·rms)).
func ExamplePreprocess() {
	sci := []float32{0, 3, 30, 300}
	rms := []float32{1, 1, 1, 1}
	in := make([]float32, 4)
	emulate.Preprocess(in, sci, rms, 2, 1, emulate.Preprocessing{Stretch: 3}, nil)
	fmt.Printf("%.3f\n", in)
	// Output: [0.000 0.881 2.998 5.298]
}
