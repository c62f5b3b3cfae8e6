package mock

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"codeberg.org/astrogo/fitsio"

	"github.com/galforge/galforge/mock/instrument"
	"github.com/galforge/galforge/mock/noise"
)

// Background is a real HST image with its rms map, from which stamps draw
// their sky: noise, correlated noise, artefacts and neighbouring galaxies.
type Background struct {
	// Path is the image file; Key the config key that named it
	// ("mock.background.bands.F105W.images[0]").
	Path, Key string
	// NX, NY are the image size, pixels.
	NX, NY int
	// Sci and RMS are the image and its rms map, e⁻/s, NY×NX row-major.
	Sci, RMS []float64
	// PixelScaleArcsec is the pixel size of the header, arcsec.
	PixelScaleArcsec float64
	// CRPIX (1-indexed pixels) and CRVAL (deg) of the header's WCS, used to
	// check that the images of several bands are aligned; HasWCS is false
	// when the header has none.
	CRPIX, CRVAL [2]float64
	HasWCS       bool
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
// unusable: cutouts avoid them. Errors name the files and mock.background.
func LoadBackground(imgPath, rmsPath string, wantScaleArcsec, wantPivotAA float64) (*Background, error) {
	return loadBackground("mock.background", imgPath, rmsPath, wantScaleArcsec, wantPivotAA, "mock.band")
}

// loadBackground is LoadBackground with the config key of the image (for
// errors) and the key that sets the band (mock.band or render.bands).
func loadBackground(key, imgPath, rmsPath string, wantScaleArcsec, wantPivotAA float64, bandKey string) (*Background, error) {
	sci, nx, ny, scale, hdr, err := readFITSImage(imgPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	rms, rx, ry, _, _, err := readFITSImage(rmsPath)
	if err != nil {
		return nil, fmt.Errorf("%s rms: %w", key, err)
	}
	if rx != nx || ry != ny {
		return nil, fmt.Errorf("%s: rms map %q is %d×%d, image %q is %d×%d", key, rmsPath, rx, ry, imgPath, nx, ny)
	}
	if scale == 0 {
		return nil, fmt.Errorf("%s %q: no pixel scale in the header (CD1_1, PC1_1·CDELT1)", key, imgPath)
	}
	if math.Abs(scale-wantScaleArcsec) > 0.01*wantScaleArcsec {
		return nil, fmt.Errorf("%s %q: pixel scale %.4g″, stamps use %.4g″ (mock.pixel_scale_arcsec)", key, imgPath, scale, wantScaleArcsec)
	}
	if c := hdr.Get("PHOTPLAM"); c != nil && wantPivotAA > 0 {
		if v, ok := c.Value.(float64); ok && math.Abs(v-wantPivotAA) > 0.01*wantPivotAA {
			return nil, fmt.Errorf("%s %q: PHOTPLAM %.0f Å is not the band's pivot %.0f Å (%s)", key, imgPath, v, wantPivotAA, bandKey)
		}
	}
	b := &Background{Path: imgPath, Key: key, NX: nx, NY: ny, Sci: sci, RMS: rms, PixelScaleArcsec: scale}
	b.CRPIX, b.CRVAL, b.HasWCS = headerWCS(hdr)
	good := 0
	for i := range sci {
		if finiteF(sci[i]) && finiteF(rms[i]) && rms[i] > 0 {
			good++
		}
	}
	if good == 0 {
		return nil, fmt.Errorf("%s %q: no pixel with a finite value and a positive rms", key, imgPath)
	}
	b.Sources = detect(sci, rms, nx, ny, 3, 5)
	return b, nil
}

// headerWCS returns CRPIX1/2 and CRVAL1/2 of h; ok is false unless all four are numbers.
func headerWCS(h *fitsio.Header) (crpix, crval [2]float64, ok bool) {
	n := 0
	for i, k := range []string{"CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2"} {
		c := h.Get(k)
		if c == nil {
			continue
		}
		var v float64
		switch x := c.Value.(type) {
		case float64:
			v = x
		case int:
			v = float64(x)
		default:
			continue
		}
		if i < 2 {
			crpix[i] = v
		} else {
			crval[i-2] = v
		}
		n++
	}
	return crpix, crval, n == 4
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

// Neighbour returns c's neighbour flags as numbers: has (1 or 0), the
// distance (pixels) and the AB magnitude of the brightest neighbour (NaN
// when there is none). A nil c (no background) has none.
func (c *Cutout) Neighbour() (has, distPix, mag float64) {
	if c == nil || !c.HasNeighbour {
		return 0, math.NaN(), math.NaN()
	}
	return 1, c.NeighbourDistPix, c.NeighbourMag
}

// Origin returns the cutout's background file name and lower-left pixel,
// or "" and −1, −1 for a nil c (no background).
func (c *Cutout) Origin() (file string, x0, y0 int) {
	if c == nil || c.Background == nil {
		return "", -1, -1
	}
	return filepath.Base(c.Background.Path), c.X0, c.Y0
}

// Cut draws (with rng) an n×n cutout whose pixels are all usable, trying at
// most 1000 positions. zp is the stamps' AB zero-point (magnitude of
// 1 e⁻/s), for the neighbour's magnitude.
func (b *Background) Cut(n int, zp float64, rng *rand.Rand) (*Cutout, error) {
	if n > b.NX || n > b.NY {
		return nil, fmt.Errorf("%s %q: %d×%d is smaller than the %d-pixel stamps", b.Key, b.Path, b.NX, b.NY, n)
	}
	for try := 0; try < maxCutTries; try++ {
		x0, y0 := rng.IntN(b.NX-n+1), rng.IntN(b.NY-n+1)
		if b.usable(x0, y0, n) {
			return b.cutAt(x0, y0, n, zp), nil
		}
	}
	return nil, fmt.Errorf("%s %q: no %d×%d cutout without unusable pixels in %d tries", b.Key, b.Path, n, n, maxCutTries)
}

// maxCutTries is the number of positions Cut tries.
const maxCutTries = 1000

// usable reports whether every pixel of the n×n square at (x0, y0) has a
// finite value and a positive, finite rms.
func (b *Background) usable(x0, y0, n int) bool {
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			i := (y0+y)*b.NX + x0 + x
			if !finiteF(b.Sci[i]) || !finiteF(b.RMS[i]) || b.RMS[i] <= 0 {
				return false
			}
		}
	}
	return true
}

// cutAt returns the n×n cutout at (x0, y0) (lower-left, 0-indexed) with its
// brightest detected neighbour; zp is the AB magnitude of 1 e⁻/s.
func (b *Background) cutAt(x0, y0, n int, zp float64) *Cutout {
	c := &Cutout{Background: b, X0: x0, Y0: y0, Sci: make([]float64, n*n), RMS: make([]float64, n*n), NeighbourMag: math.NaN(), NeighbourDistPix: math.NaN()}
	for y := 0; y < n; y++ {
		i := (y0+y)*b.NX + x0
		copy(c.Sci[y*n:(y+1)*n], b.Sci[i:i+n])
		copy(c.RMS[y*n:(y+1)*n], b.RMS[i:i+n])
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
	return c
}

// BackgroundSet holds the real images of every band of a mock's stamps.
// Images[b][k] is field k of band b (Bands[b]); with Shared, field k of
// every band covers the same pixels, so one position serves all bands.
type BackgroundSet struct {
	// Bands are the stamps' band names, in the order of the stamps.
	Bands []string
	// Images are the fields of each band: Images[b][k].
	Images [][]*Background
	// Shared is true when one field and position is drawn per stamp for all
	// bands (mock.background.independent = false).
	Shared bool
	// Detect is the index in Bands of the band whose detections flag
	// neighbours in the truth (mock.background.detect_band).
	Detect int
}

// LoadBackgrounds loads the background images of bands (the stamps' bands,
// e.g. the photometric bands of render.bands) from cfg.Background and checks
// them: every band has images (mock.background.bands.<BAND>, or
// mock.background.images when there is a single band), every image has an
// rms map of its size, the stamps' pixel scale and its band's pivot
// wavelength (PHOTPLAM, when the header has it), and, unless
// mock.background.independent, image k of every band has the size and WCS
// reference (CRPIX to 0.01 pixel, CRVAL to 0.01 pixel) of image k of the
// first band. It returns nil, nil when no background is configured. Errors
// name the key and the file.
func LoadBackgrounds(cfg Config, bands []string) (*BackgroundSet, error) {
	bc := cfg.Background
	if !bc.Enabled() {
		return nil, nil
	}
	if len(bands) == 0 {
		return nil, errors.New("mock.background: no band to load images for")
	}
	set := &BackgroundSet{Shared: !bc.Independent}
	upper := make([]string, len(bands))
	for i, b := range bands {
		upper[i] = strings.ToUpper(strings.TrimSpace(b))
	}
	for k := range bc.Bands {
		if !slices.Contains(upper, strings.ToUpper(strings.TrimSpace(k))) {
			return nil, fmt.Errorf("mock.background.bands.%s: the stamps have no band %s (their bands: %s)", strings.ToUpper(k), strings.ToUpper(k), strings.Join(upper, ", "))
		}
	}
	bandKey := "mock.band"
	if cfg.Source == "particles" {
		bandKey = "render.bands"
	}
	reddest := 0.0
	for bi, name := range upper {
		band, err := instrument.BandByName(name)
		if err != nil {
			return nil, fmt.Errorf("mock.background: %w", err)
		}
		imgs, key, ok := bc.bandImages(name)
		if !ok {
			if len(upper) > 1 || len(bc.Images) == 0 {
				return nil, fmt.Errorf("mock.background.bands: no background image for band %s of %s (%s): give mock.background.bands.%s.images and .rms",
					name, bandKey, strings.Join(upper, ", "), name)
			}
			imgs, key = BandImages{Images: bc.Images, RMS: bc.RMS}, "mock.background"
		}
		if len(imgs.Images) == 0 || len(imgs.Images) != len(imgs.RMS) {
			return nil, fmt.Errorf("%s.rms: needs one rms map per image (%d images, %d rms maps)", key, len(imgs.Images), len(imgs.RMS))
		}
		var fields []*Background
		for k, im := range imgs.Images {
			b, err := loadBackground(fmt.Sprintf("%s.images[%d]", key, k), im, imgs.RMS[k], cfg.PixelScaleArcsec, band.PHOTPLAM, bandKey)
			if err != nil {
				return nil, err
			}
			fields = append(fields, b)
		}
		set.Bands = append(set.Bands, name)
		set.Images = append(set.Images, fields)
		if bc.DetectBand == "" && band.PHOTPLAM > reddest {
			reddest, set.Detect = band.PHOTPLAM, bi
		}
		if bc.DetectBand != "" && strings.EqualFold(bc.DetectBand, name) {
			set.Detect = bi
		}
	}
	if bc.DetectBand != "" && !strings.EqualFold(bc.DetectBand, set.Bands[set.Detect]) {
		return nil, fmt.Errorf("mock.background.detect_band = %s: not a band of the stamps (%s)", bc.DetectBand, strings.Join(upper, ", "))
	}
	if set.Shared {
		if err := set.checkAligned(); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// checkAligned reports the first field whose images differ between bands in
// size or WCS reference.
func (s *BackgroundSet) checkAligned() error {
	const hint = "a stamp's bands share one cutout position, so image k of every band must cover the same pixels (or set mock.background.independent: true)"
	ref := s.Images[0]
	for b := 1; b < len(s.Images); b++ {
		if len(s.Images[b]) != len(ref) {
			return fmt.Errorf("mock.background.bands: %s has %d images, %s has %d: %s", s.Bands[0], len(ref), s.Bands[b], len(s.Images[b]), hint)
		}
		for k, im := range s.Images[b] {
			r := ref[k]
			if im.NX != r.NX || im.NY != r.NY {
				return fmt.Errorf("%s %q is %d×%d, %s %q is %d×%d: %s", im.Key, im.Path, im.NX, im.NY, r.Key, r.Path, r.NX, r.NY, hint)
			}
			if !im.HasWCS || !r.HasWCS {
				continue
			}
			tolDeg := 0.01 * r.PixelScaleArcsec / 3600
			dra := (im.CRVAL[0] - r.CRVAL[0]) * math.Cos(r.CRVAL[1]*math.Pi/180)
			if math.Abs(im.CRPIX[0]-r.CRPIX[0]) > 0.01 || math.Abs(im.CRPIX[1]-r.CRPIX[1]) > 0.01 ||
				math.Abs(dra) > tolDeg || math.Abs(im.CRVAL[1]-r.CRVAL[1]) > tolDeg {
				return fmt.Errorf("%s %q (CRPIX %.2f %.2f, CRVAL %.7f %.7f) is not on the pixel grid of %s %q (CRPIX %.2f %.2f, CRVAL %.7f %.7f): %s",
					im.Key, im.Path, im.CRPIX[0], im.CRPIX[1], im.CRVAL[0], im.CRVAL[1], r.Key, r.Path, r.CRPIX[0], r.CRPIX[1], r.CRVAL[0], r.CRVAL[1], hint)
			}
		}
	}
	return nil
}

// Cut draws the n×n cutouts of one stamp, one per band (cutouts[b] for
// Bands[b]); zps are the bands' AB zero-points (magnitude of 1 e⁻/s). With
// Shared, one field k and one position are drawn (rng.IntN(fields), then up
// to 1000 positions) where every band's pixels are usable, so a neighbour
// lies at the same pixels in every band; otherwise each band draws its own
// field and position in turn. For a single band the draws are those of
// Background.Cut. Seed rng per stamp (sims.NewRand(seed, object…)) for
// outputs that do not depend on sharding or workers.
func (s *BackgroundSet) Cut(n int, zps []float64, rng *rand.Rand) ([]*Cutout, error) {
	if len(zps) != len(s.Bands) {
		panic(fmt.Sprintf("mock: BackgroundSet.Cut: %d zero-points for %d bands", len(zps), len(s.Bands)))
	}
	out := make([]*Cutout, len(s.Bands))
	if !s.Shared {
		for b, fields := range s.Images {
			c, err := fields[rng.IntN(len(fields))].Cut(n, zps[b], rng)
			if err != nil {
				return nil, err
			}
			out[b] = c
		}
		return out, nil
	}
	k := rng.IntN(len(s.Images[0]))
	ref := s.Images[0][k]
	if n > ref.NX || n > ref.NY {
		return nil, fmt.Errorf("%s %q: %d×%d is smaller than the %d-pixel stamps", ref.Key, ref.Path, ref.NX, ref.NY, n)
	}
	for try := 0; try < maxCutTries; try++ {
		x0, y0 := rng.IntN(ref.NX-n+1), rng.IntN(ref.NY-n+1)
		ok := true
		for b := range s.Images {
			if ok = s.Images[b][k].usable(x0, y0, n); !ok {
				break
			}
		}
		if !ok {
			continue
		}
		for b := range s.Images {
			out[b] = s.Images[b][k].cutAt(x0, y0, n, zps[b])
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s %q: no %d×%d cutout usable in every band in %d tries", ref.Key, ref.Path, n, n, maxCutTries)
}

// insertInto makes st.Sci = st.Model (+ the source's Poisson noise over
// exptime s in nexp exposures, when noisy; no sky or read noise: the real
// image has them) + cut.Sci, and st.RMS² = source variance + cut.RMS².
// Source noise is drawn from rng.
func insertInto(st *Stamp, cut *Cutout, noisy bool, exptime float64, nexp int, rng *rand.Rand) error {
	if len(cut.Sci) != len(st.Model) {
		return fmt.Errorf("mock: background cutout has %d pixels, stamp %d", len(cut.Sci), len(st.Model))
	}
	st.Cutout = cut
	if noisy {
		noise.AddTo(st.Sci, st.RMS, st.Model, 0, exptime, 0, nexp, rng)
	} else {
		copy(st.Sci, st.Model)
		clear(st.RMS)
	}
	for i := range st.Sci {
		st.Sci[i] += cut.Sci[i]
		st.RMS[i] = math.Sqrt(st.RMS[i]*st.RMS[i] + cut.RMS[i]*cut.RMS[i])
	}
	return nil
}
