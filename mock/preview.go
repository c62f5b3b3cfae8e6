package mock

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"

	"github.com/galforge/galforge/internal/atomic"
)

// ContactSheet draws up to cols×rows stamps (SCI) in a grid, each with an
// asinh stretch set by its own noise level and peak (Lupton et al. 2004):
// v' = asinh(v/σ)/asinh(peak/σ), σ the median RMS, so that faint outskirts
// and noise are visible next to the core. With model true it shows MODEL.
func ContactSheet(stamps []*Stamp, cols, rows int, model bool) (*image.Gray, error) {
	if len(stamps) == 0 {
		return nil, fmt.Errorf("mock: contact sheet of no stamps")
	}
	n := min(len(stamps), cols*rows)
	rows = (n + cols - 1) / cols
	s := stamps[0].NX
	const gap = 2
	img := image.NewGray(image.Rect(0, 0, cols*(s+gap), rows*(s+gap)))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for k := 0; k < n; k++ {
		st := stamps[k]
		data := st.Sci
		if model {
			data = st.Model
		}
		sig := median(st.RMS)
		peak := 0.0
		for _, v := range data {
			peak = math.Max(peak, v)
		}
		if sig <= 0 {
			sig = peak / 100
		}
		ox, oy := (k%cols)*(s+gap), (k/cols)*(s+gap)
		for y := 0; y < st.NY; y++ {
			for x := 0; x < st.NX; x++ {
				v := data[y*st.NX+x]
				f := 0.0
				if v > 0 && peak > 0 {
					f = math.Min(math.Asinh(v/sig)/math.Asinh(peak/sig), 1)
				}
				// FITS row 0 is the bottom: flip for display.
				img.SetGray(ox+x, oy+st.NY-1-y, color.Gray{Y: uint8(255 * (1 - f))})
			}
		}
	}
	return img, nil
}

// WritePreview writes ContactSheet as a PNG, atomically.
func WritePreview(path string, stamps []*Stamp) error {
	img, err := ContactSheet(stamps, 8, 8, false)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return fmt.Errorf("mock: preview %q: %w", path, err)
	}
	return atomic.WriteBytes(path, b.Bytes())
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	return c[len(c)/2]
}
