package mock

import (
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"codeberg.org/astrogo/fitsio"
)

// Background is a real HST image with its rms map, from which stamps draw
// their sky: noise, correlated noise, artefacts and neighbouring galaxies.
type Background struct {
	Path             string
	NX, NY           int
	Sci, RMS         []float64 // e⁻/s
	PixelScaleArcsec float64
	// Sources are the objects detected in the image (see detect).
	Sources []Source
}

// Source is an object detected in a background image.
type Source struct {
	// X, Y are the flux-weighted centroid in 0-indexed pixels.
	X, Y float64
	// FluxEPerS is the sum of the object's pixels above the threshold.
	FluxEPerS float64
	NPix      int
}

// readFITSImage reads the first 2-D image HDU of a FITS file (gzipped or not)
// and the pixel scale of its header (arcsec; 0 when the header has none).
func readFITSImage(path string) (data []float64, nx, ny int, scale float64, hdr *fitsio.Header, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, 0, nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, 0, 0, 0, nil, fmt.Errorf("%q: %w", path, err)
		}
		r = gz
	}
	ff, err := fitsio.Open(r)
	if err != nil {
		return nil, 0, 0, 0, nil, fmt.Errorf("%q: not a FITS file: %w", path, err)
	}
	defer ff.Close()
	for _, h := range ff.HDUs() {
		img, ok := h.(fitsio.Image)
		if !ok {
			continue
		}
		ax := img.Header().Axes()
		if len(ax) != 2 {
			continue
		}
		nx, ny = ax[0], ax[1]
		raw, err := readPlane(img, nx*ny)
		if err != nil {
			return nil, 0, 0, 0, nil, fmt.Errorf("%q: %w", path, err)
		}
		return raw, nx, ny, headerScale(img.Header()), img.Header(), nil
	}
	return nil, 0, 0, 0, nil, fmt.Errorf("%q: no 2-D image HDU", path)
}

func readPlane(img fitsio.Image, n int) ([]float64, error) {
	switch img.Header().Bitpix() {
	case -32:
		v := make([]float32, n)
		if err := img.Read(&v); err != nil {
			return nil, err
		}
		out := make([]float64, n)
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, nil
	case -64:
		v := make([]float64, n)
		err := img.Read(&v)
		return v, err
	}
	return nil, fmt.Errorf("BITPIX %d: only floating-point images are supported", img.Header().Bitpix())
}

// headerScale returns |CD1_1| or |PC1_1·CDELT1| (or |CDELT1|) in arcsec.
func headerScale(h *fitsio.Header) float64 {
	num := func(k string) (float64, bool) {
		c := h.Get(k)
		if c == nil {
			return 0, false
		}
		switch v := c.Value.(type) {
		case float64:
			return v, true
		case int:
			return float64(v), true
		}
		return 0, false
	}
	if v, ok := num("CD1_1"); ok && v != 0 {
		c12, _ := num("CD1_2")
		return 3600 * math.Hypot(v, c12)
	}
	cdelt, ok := num("CDELT1")
	if !ok {
		cdelt = 1
	}
	if pc, ok := num("PC1_1"); ok && pc != 0 {
		return 3600 * math.Abs(pc*cdelt)
	}
	if ok {
		return 3600 * math.Abs(cdelt)
	}
	return 0
}

// LoadBackground reads a background image and its rms map, checks that they
// match each other and the stamps' pixel scale (to 1 %) and band (the
// image's PHOTPLAM, when present, within 1 % of wantPivotAA), and detects its
// sources. Pixels that are not finite or whose rms is not positive are
// unusable: cutouts avoid them.
func LoadBackground(imgPath, rmsPath string, wantScaleArcsec, wantPivotAA float64) (*Background, error) {
	sci, nx, ny, scale, hdr, err := readFITSImage(imgPath)
	if err != nil {
		return nil, fmt.Errorf("mock.background: %w", err)
	}
	rms, rx, ry, _, _, err := readFITSImage(rmsPath)
	if err != nil {
		return nil, fmt.Errorf("mock.background rms: %w", err)
	}
	if rx != nx || ry != ny {
		return nil, fmt.Errorf("mock.background: rms map %q is %d×%d, image %q is %d×%d", rmsPath, rx, ry, imgPath, nx, ny)
	}
	if scale == 0 {
		return nil, fmt.Errorf("mock.background %q: no pixel scale in the header (CD1_1, PC1_1·CDELT1)", imgPath)
	}
	if math.Abs(scale-wantScaleArcsec) > 0.01*wantScaleArcsec {
		return nil, fmt.Errorf("mock.background %q: pixel scale %.4g″, stamps use %.4g″ (mock.pixel_scale_arcsec)", imgPath, scale, wantScaleArcsec)
	}
	if c := hdr.Get("PHOTPLAM"); c != nil && wantPivotAA > 0 {
		if v, ok := c.Value.(float64); ok && math.Abs(v-wantPivotAA) > 0.01*wantPivotAA {
			return nil, fmt.Errorf("mock.background %q: PHOTPLAM %.0f Å is not the band's pivot %.0f Å (mock.band)", imgPath, v, wantPivotAA)
		}
	}
	b := &Background{Path: imgPath, NX: nx, NY: ny, Sci: sci, RMS: rms, PixelScaleArcsec: scale}
	good := 0
	for i := range sci {
		if finiteF(sci[i]) && finiteF(rms[i]) && rms[i] > 0 {
			good++
		}
	}
	if good == 0 {
		return nil, fmt.Errorf("mock.background %q: no pixel with a finite value and a positive rms", imgPath)
	}
	b.Sources = detect(sci, rms, nx, ny, 3, 5)
	return b, nil
}

func finiteF(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// meshBox is the side of the background mesh boxes of detect, pixels.
const meshBox = 32

// localBackground estimates the smooth background (intra-cluster light, sky
// residuals) as the median of meshBox×meshBox boxes, piecewise constant
// (SExtractor's background mesh without its interpolation).
func localBackground(sci []float64, nx, ny int) []float64 {
	bg := make([]float64, len(sci))
	var vals []float64
	for by := 0; by < ny; by += meshBox {
		for bx := 0; bx < nx; bx += meshBox {
			vals = vals[:0]
			for y := by; y < min(by+meshBox, ny); y++ {
				for x := bx; x < min(bx+meshBox, nx); x++ {
					if v := sci[y*nx+x]; finiteF(v) {
						vals = append(vals, v)
					}
				}
			}
			m := 0.0
			if len(vals) > 0 {
				m = median(vals)
			}
			for y := by; y < min(by+meshBox, ny); y++ {
				for x := bx; x < min(bx+meshBox, nx); x++ {
					bg[y*nx+x] = m
				}
			}
		}
	}
	return bg
}

// detect finds objects: 8-connected groups of at least minArea pixels more
// than nsigma × rms above the local background (a SExtractor-like threshold
// detection without deblending). Fluxes are background-subtracted.
func detect(sci, rms []float64, nx, ny int, nsigma float64, minArea int) []Source {
	lab := make([]bool, len(sci))
	bg := localBackground(sci, nx, ny)
	above := func(i int) bool { return finiteF(sci[i]) && rms[i] > 0 && sci[i]-bg[i] > nsigma*rms[i] }
	var out []Source
	stack := []int{}
	for start := range sci {
		if lab[start] || !above(start) {
			continue
		}
		var s Source
		var sx, sy float64
		stack = append(stack[:0], start)
		lab[start] = true
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%nx, i/nx
			v := sci[i] - bg[i]
			s.FluxEPerS += v
			sx += v * float64(x)
			sy += v * float64(y)
			s.NPix++
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= nx || yy >= ny {
						continue
					}
					j := yy*nx + xx
					if !lab[j] && above(j) {
						lab[j] = true
						stack = append(stack, j)
					}
				}
			}
		}
		if s.NPix >= minArea && s.FluxEPerS > 0 {
			s.X, s.Y = sx/s.FluxEPerS, sy/s.FluxEPerS
			out = append(out, s)
		}
	}
	return out
}

// Cutout is a stamp-sized piece of a background image.
type Cutout struct {
	Background *Background
	X0, Y0     int // lower-left pixel (0-indexed) in the background image
	Sci, RMS   []float64
	// HasNeighbour reports a detected source whose centroid lies in the cutout;
	// NeighbourDistPix and NeighbourMag describe the brightest one (distance
	// from the stamp centre in pixels, AB magnitude with the stamps' zero-point).
	HasNeighbour     bool
	NeighbourDistPix float64
	NeighbourMag     float64
}

// Cut draws (with rng) an n×n cutout whose pixels are all usable, trying at
// most 1000 positions.
func (b *Background) Cut(n int, zp float64, rng *rand.Rand) (*Cutout, error) {
	if n > b.NX || n > b.NY {
		return nil, fmt.Errorf("mock.background %q: %d×%d is smaller than the %d-pixel stamps", b.Path, b.NX, b.NY, n)
	}
	for try := 0; try < 1000; try++ {
		x0, y0 := rng.IntN(b.NX-n+1), rng.IntN(b.NY-n+1)
		c := &Cutout{Background: b, X0: x0, Y0: y0, Sci: make([]float64, n*n), RMS: make([]float64, n*n), NeighbourMag: math.NaN(), NeighbourDistPix: math.NaN()}
		ok := true
		for y := 0; y < n && ok; y++ {
			for x := 0; x < n; x++ {
				i := (y0+y)*b.NX + x0 + x
				if !finiteF(b.Sci[i]) || !finiteF(b.RMS[i]) || b.RMS[i] <= 0 {
					ok = false
					break
				}
				c.Sci[y*n+x], c.RMS[y*n+x] = b.Sci[i], b.RMS[i]
			}
		}
		if !ok {
			continue
		}
		best := -1.0
		for _, s := range b.Sources {
			if s.X >= float64(x0)-0.5 && s.X < float64(x0+n)-0.5 && s.Y >= float64(y0)-0.5 && s.Y < float64(y0+n)-0.5 && s.FluxEPerS > best {
				best = s.FluxEPerS
				c.HasNeighbour = true
				cx, cy := float64(x0)+float64(n-1)/2, float64(y0)+float64(n-1)/2
				c.NeighbourDistPix = math.Hypot(s.X-cx, s.Y-cy)
				c.NeighbourMag = zp - 2.5*math.Log10(s.FluxEPerS)
			}
		}
		return c, nil
	}
	return nil, fmt.Errorf("mock.background %q: no %d×%d cutout without unusable pixels in 1000 tries", b.Path, n, n)
}
