package psf

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"codeberg.org/astrogo/fitsio"
)

// MinSize is the smallest accepted PSF image side, in pixels.
const MinSize = 5

// Image is a PSF sampled on a pixel grid.
type Image struct {
	// Data holds NY×NX values, row-major, x fastest, first row at the
	// bottom (FITS order).
	Data []float64
	// NX, NY are the image size in pixels.
	NX, NY int
	// PixelScaleArcsec is the pixel size in arcsec.
	PixelScaleArcsec float64
	// Effective is true for an effective PSF (pixel response included: a
	// star stamp or a pixel-integrated analytic profile) and false for an
	// instrumental PSF, to which drawing must add the pixel response.
	Effective bool
}

// Sentinel errors of FromFITS, wrapped with the file name.
var (
	ErrNotImage   = errors.New("not a 2-D image")
	ErrBadPixel   = errors.New("non-finite pixel")
	ErrBadSum     = errors.New("pixel sum is not positive")
	ErrTooSmall   = errors.New("image too small")
	ErrNoScale    = errors.New("no pixel scale in the header")
	ErrNotFITS    = errors.New("not a FITS file")
	ErrBadOptions = errors.New("bad options")
)

// Centre returns the centre pixel (NX/2, NY/2) (integer division).
func (im *Image) Centre() (int, int) { return im.NX / 2, im.NY / 2 }

// Sum returns the sum of the pixels.
func (im *Image) Sum() float64 {
	var s float64
	for _, v := range im.Data {
		s += v
	}
	return s
}

// Clone returns a deep copy of im.
func (im *Image) Clone() *Image {
	c := *im
	c.Data = append([]float64(nil), im.Data...)
	return &c
}

// FromFITS reads the PSF in HDU hdu (0 = primary) of the FITS file at path,
// gzip-compressed or not. pixelScaleArcsec > 0 sets the pixel scale; 0 reads
// it from the header (PIXSCALE in arcsec, else the CD matrix, else PCi_j ×
// CDELTi, else CDELTi, all in degrees). BSCALE/BZERO are applied. The image
// is returned as it is in the file (not normalised, Effective = true).
//
// It fails, with an error naming the file, on: a file that is not FITS; an
// HDU that is not a 2-D image (ErrNotImage); a side below MinSize pixels
// (ErrTooSmall); a NaN or infinite pixel (ErrBadPixel); a zero or negative
// pixel sum (ErrBadSum); no usable pixel scale (ErrNoScale).
func FromFITS(path string, hdu int, pixelScaleArcsec float64) (*Image, error) {
	fail := func(err error) (*Image, error) { return nil, fmt.Errorf("psf: read %q: %w", path, err) }
	if pixelScaleArcsec < 0 || math.IsNaN(pixelScaleArcsec) || math.IsInf(pixelScaleArcsec, 0) {
		return fail(fmt.Errorf("%w: pixel scale %v", ErrBadOptions, pixelScaleArcsec))
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return fail(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return fail(fmt.Errorf("gunzip: %w", err))
		}
	}
	if len(raw) < 2880 || !bytes.HasPrefix(raw, []byte("SIMPLE  =")) {
		return fail(ErrNotFITS)
	}
	f, err := openFITS(raw)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrNotFITS, err))
	}
	defer f.Close()
	if hdu < 0 || hdu >= len(f.HDUs()) {
		return fail(fmt.Errorf("HDU %d: file has %d HDUs", hdu, len(f.HDUs())))
	}
	img, ok := f.HDU(hdu).(fitsio.Image)
	if !ok {
		return fail(fmt.Errorf("HDU %d: %w (it is a table)", hdu, ErrNotImage))
	}
	h := img.Header()
	axes := h.Axes()
	if len(axes) != 2 {
		return fail(fmt.Errorf("HDU %d: %w (NAXIS = %d, axes %v)", hdu, ErrNotImage, len(axes), axes))
	}
	nx, ny := axes[0], axes[1]
	if nx < MinSize || ny < MinSize {
		return fail(fmt.Errorf("HDU %d: %w: %d×%d pixels, want at least %d×%d", hdu, ErrTooSmall, nx, ny, MinSize, MinSize))
	}
	data, err := readPixels(img, nx*ny)
	if err != nil {
		return fail(fmt.Errorf("HDU %d: %w", hdu, err))
	}
	var sum float64
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fail(fmt.Errorf("HDU %d: %w %v at pixel (x=%d, y=%d)", hdu, ErrBadPixel, v, i%nx, i/nx))
		}
		sum += v
	}
	if !(sum > 0) {
		return fail(fmt.Errorf("HDU %d: %w (%g)", hdu, ErrBadSum, sum))
	}
	scale := pixelScaleArcsec
	if scale == 0 {
		if scale = headerScale(h); scale == 0 {
			return fail(fmt.Errorf("HDU %d: %w (no PIXSCALE, CD or CDELT cards); pass the scale", hdu, ErrNoScale))
		}
	}
	return &Image{Data: data, NX: nx, NY: ny, PixelScaleArcsec: scale, Effective: true}, nil
}

// openFITS opens raw with fitsio, turning its panics on malformed input into
// errors.
func openFITS(raw []byte) (f *fitsio.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed FITS: %v", r)
		}
	}()
	return fitsio.Open(bytes.NewReader(raw))
}

func readPixels(img fitsio.Image, n int) (out []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading pixels: %v", r)
		}
	}()
	h := img.Header()
	out = make([]float64, n)
	switch h.Bitpix() {
	case -32:
		d := make([]float32, n)
		if err := img.Read(&d); err != nil {
			return nil, err
		}
		for i, v := range d {
			out[i] = float64(v)
		}
	case -64:
		if err := img.Read(&out); err != nil {
			return nil, err
		}
	case 8:
		d := make([]byte, n)
		if err := img.Read(&d); err != nil {
			return nil, err
		}
		for i, v := range d {
			out[i] = float64(v)
		}
	case 16:
		d := make([]int16, n)
		if err := img.Read(&d); err != nil {
			return nil, err
		}
		for i, v := range d {
			out[i] = float64(v)
		}
	case 32:
		d := make([]int32, n)
		if err := img.Read(&d); err != nil {
			return nil, err
		}
		for i, v := range d {
			out[i] = float64(v)
		}
	case 64:
		d := make([]int64, n)
		if err := img.Read(&d); err != nil {
			return nil, err
		}
		for i, v := range d {
			out[i] = float64(v)
		}
	default:
		return nil, fmt.Errorf("unsupported BITPIX %d", h.Bitpix())
	}
	bscale, bzero := cardFloat(h, "BSCALE"), cardFloat(h, "BZERO")
	if !math.IsNaN(bscale) || !math.IsNaN(bzero) {
		if math.IsNaN(bscale) {
			bscale = 1
		}
		if math.IsNaN(bzero) {
			bzero = 0
		}
		for i := range out {
			out[i] = out[i]*bscale + bzero
		}
	}
	return out, nil
}

// cardFloat returns a numeric card's value, or NaN when absent or not a number.
func cardFloat(h *fitsio.Header, key string) float64 {
	c := h.Get(key)
	if c == nil {
		return math.NaN()
	}
	switch v := c.Value.(type) {
	case float64:
		return v
	case float32:
		return float64(v)
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	}
	return math.NaN()
}

// headerScale returns the pixel scale in arcsec from the header, or 0.
func headerScale(h *fitsio.Header) float64 {
	if s := cardFloat(h, "PIXSCALE"); s > 0 {
		return s
	}
	get := func(k string, def float64) float64 {
		if v := cardFloat(h, k); !math.IsNaN(v) {
			return v
		}
		return def
	}
	area := func(a, b, c, d float64) float64 { return math.Sqrt(math.Abs(a*d-b*c)) * 3600 }
	if !math.IsNaN(cardFloat(h, "CD1_1")) || !math.IsNaN(cardFloat(h, "CD2_2")) {
		return area(get("CD1_1", 0), get("CD1_2", 0), get("CD2_1", 0), get("CD2_2", 0))
	}
	c1, c2 := cardFloat(h, "CDELT1"), cardFloat(h, "CDELT2")
	if math.IsNaN(c1) || math.IsNaN(c2) {
		return 0
	}
	pc := area(get("PC1_1", 1), get("PC1_2", 0), get("PC2_1", 0), get("PC2_2", 1))
	return pc * math.Sqrt(math.Abs(c1*c2))
}
