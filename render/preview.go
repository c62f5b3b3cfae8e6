package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/galforge/galforge/internal/atomic"
)

// ContactSheet draws the views of one galaxy (rows) in every band (columns),
// plus a colour composite of the three reddest-to-bluest photometric bands
// when there are at least three, as an 8-bit image. Each band is shown with
// an asinh stretch (Lupton et al. 2004, PASP 116, 133) whose scale is shared
// by all views of that band, so views can be compared; panels are resampled
// to at most 128 pixels on a side.
func ContactSheet(ims []*Image, title string) (*image.RGBA, error) {
	if len(ims) == 0 {
		return nil, fmt.Errorf("render: contact sheet of no images")
	}
	nb := len(ims[0].Bands)
	var phot []int
	for b, u := range ims[0].Units {
		if u == "uJy" {
			phot = append(phot, b)
		}
	}
	ncol := nb
	if len(phot) >= 3 {
		ncol++
	}
	panel := min(ims[0].NX, 128)
	const left, top, gap = 64, 34, 2
	w := left + ncol*(panel+gap)
	h := top + len(ims)*(panel+gap)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	// Per-band scale: the 99.5th percentile of positive pixels over all views.
	scales := make([]float64, nb)
	for b := 0; b < nb; b++ {
		var vals []float64
		for _, im := range ims {
			for _, v := range im.Data[b] {
				if v > 0 {
					vals = append(vals, v)
				}
			}
		}
		if len(vals) > 0 {
			sort.Float64s(vals)
			scales[b] = vals[int(0.995*float64(len(vals)-1))]
		}
	}
	stretch := func(v, m float64) float64 {
		if m <= 0 || v <= 0 {
			return 0
		}
		const soft = 0.05 // β = 5 % of the scale
		return math.Min(math.Asinh(v/(soft*m))/math.Asinh(1/soft), 1)
	}
	sample := func(im *Image, b, px, py int) float64 {
		// Box-average the source pixels that fall in panel pixel (px, py);
		// panel row 0 is the image's top row.
		f := float64(im.NX) / float64(panel)
		x0, x1 := int(float64(px)*f), max(int(float64(px+1)*f), int(float64(px)*f)+1)
		y0, y1 := int(float64(panel-1-py)*f), max(int(float64(panel-py)*f), int(float64(panel-1-py)*f)+1)
		var s float64
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				s += im.Data[b][y*im.NX+x]
			}
		}
		return s / float64((x1-x0)*(y1-y0))
	}
	for r, im := range ims {
		oy := top + r*(panel+gap)
		label(img, 2, oy+panel/2, im.View.Name)
		for b := 0; b < nb; b++ {
			ox := left + b*(panel+gap)
			for py := 0; py < panel; py++ {
				for px := 0; px < panel; px++ {
					g := uint8(255 * stretch(sample(im, b, px, py), scales[b]))
					img.SetRGBA(ox+px, oy+py, color.RGBA{g, g, g, 255})
				}
			}
		}
		if ncol > nb { // colour: reddest → R, middle → G, bluest → B
			rb, gb, bb := phot[len(phot)-1], phot[len(phot)/2], phot[0]
			ox := left + nb*(panel+gap)
			for py := 0; py < panel; py++ {
				for px := 0; px < panel; px++ {
					c := color.RGBA{
						uint8(255 * stretch(sample(im, rb, px, py), scales[rb])),
						uint8(255 * stretch(sample(im, gb, px, py), scales[gb])),
						uint8(255 * stretch(sample(im, bb, px, py), scales[bb])),
						255,
					}
					img.SetRGBA(ox+px, oy+py, c)
				}
			}
		}
	}
	for b := 0; b < nb; b++ {
		label(img, left+b*(panel+gap)+2, top-6, ims[0].Bands[b])
	}
	if ncol > nb {
		// The composite's column says "RGB"; the bands used are in the title line.
		label(img, left+nb*(panel+gap)+2, top-6, "RGB")
		title += fmt.Sprintf("  RGB=%s,%s,%s", ims[0].Bands[phot[len(phot)-1]], ims[0].Bands[phot[len(phot)/2]], ims[0].Bands[phot[0]])
	}
	label(img, 2, 12, title)
	return img, nil
}

func label(img *image.RGBA, x, y int, s string) {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{0, 0, 0, 255}), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// WritePreview writes the contact sheet of ims as a PNG file, atomically.
func WritePreview(path string, ims []*Image, title string) error {
	img, err := ContactSheet(ims, title)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return fmt.Errorf("render: preview %q: %w", path, err)
	}
	return atomic.WriteBytes(path, b.Bytes())
}
