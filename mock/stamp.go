package mock

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/galforge/galforge/internal/atomic"
	"github.com/galforge/galforge/internal/fits"
)

// Stamp is one observed cutout in one band: the hand-off type of the mock
// stage. Images are NY×NX row-major, x fastest, first row at the bottom
// (FITS order), in e⁻/s.
type Stamp struct {
	// Band is the HST band name ("F160W").
	Band string
	// NX, NY are the stamp size in pixels.
	NX, NY int
	// PixelScaleArcsec is the pixel size, arcsec.
	PixelScaleArcsec float64
	// Sci is the observed image (model + noise, sky subtracted), e⁻/s.
	Sci []float64
	// RMS is the expected noise σ per pixel, e⁻/s.
	RMS []float64
	// Model is the noise-free model, e⁻/s.
	Model []float64
	// ExptimeS is the exposure time, s.
	ExptimeS float64
	// ZeroPointAB is the AB magnitude of 1 e⁻/s.
	ZeroPointAB float64
	// PHOTFLAM (erg/s/cm²/Å per e⁻/s) and PHOTPLAM (Å) of the band.
	PHOTFLAM, PHOTPLAM float64
	// Cutout is the real background the stamp was inserted into (nil: none).
	Cutout *Cutout
}

// StampSet is a collection of stamps of equal size in one band, written as
// one FITS file of cubes indexed by catalogue row.
type StampSet struct {
	Band             string
	NX, NY           int
	PixelScaleArcsec float64
	ExptimeS         float64
	ZeroPointAB      float64
	PHOTFLAM         float64
	PHOTPLAM         float64
	// PSF is the PSF image on the stamp grid (sum 1), written as extension PSF.
	PSF        []float64
	PSFNX      int
	PSFNY      int
	Stamps     []*Stamp
	Provenance []fits.Card
	// CentreRADeg, CentreDecDeg place the stamps' centres on the sky for the
	// TAN WCS (a nominal CANDELS field position by default).
	CentreRADeg, CentreDecDeg float64
}

// wcsCards returns a TAN WCS for an nx×ny stamp of the given pixel scale
// whose centre is at (ra, dec): CRPIX at the stamp centre, north up, east left.
func wcsCards(nx, ny int, scaleArcsec, ra, dec float64) []fits.Card {
	d := scaleArcsec / 3600
	return []fits.Card{
		{Name: "WCSAXES", Value: 2},
		{Name: "CTYPE1", Value: "RA---TAN"}, {Name: "CTYPE2", Value: "DEC--TAN"},
		{Name: "CUNIT1", Value: "deg"}, {Name: "CUNIT2", Value: "deg"},
		{Name: "CRPIX1", Value: float64(nx+1) / 2}, {Name: "CRPIX2", Value: float64(ny+1) / 2},
		{Name: "CRVAL1", Value: ra}, {Name: "CRVAL2", Value: dec},
		{Name: "CD1_1", Value: -d}, {Name: "CD1_2", Value: 0.0},
		{Name: "CD2_1", Value: 0.0}, {Name: "CD2_2", Value: d},
	}
}

// Write writes the set to path with a StampWriter (see there).
func (s *StampSet) Write(path string) error {
	if len(s.Stamps) == 0 {
		return fmt.Errorf("mock: write %q: no stamps", path)
	}
	w, err := NewStampWriter(path, s)
	if err != nil {
		return err
	}
	for _, st := range s.Stamps {
		if err := w.Add(st); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

// StampWriter streams stamps into one FITS file without holding them in
// memory: an empty primary HDU with the provenance, then image extensions
// SCI, RMS and MODEL (cubes, NAXIS3 = number of stamps, plane k = catalogue
// row k) and PSF, each with WCS, BUNIT, FILTER, PHOTFLAM, PHOTPLAM, ZEROPNT,
// EXPTIME and PIXSCALE cards. Planes go to temporary files beside path and
// are assembled at Close; the result is renamed into place (atomic).
type StampWriter struct {
	path string
	meta *StampSet
	tmp  [3]*os.File
	n    int
	bufs [3]*bufio.Writer
}

// NewStampWriter starts a stamps file; meta gives everything but the stamps.
func NewStampWriter(path string, meta *StampSet) (*StampWriter, error) {
	w := &StampWriter{path: path, meta: meta}
	for k := range w.tmp {
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".plane-*")
		if err != nil {
			w.Abort()
			return nil, fmt.Errorf("mock: write %q: %w", path, err)
		}
		w.tmp[k] = f
		w.bufs[k] = bufio.NewWriterSize(f, 1<<20)
	}
	return w, nil
}

// Add appends one stamp (the next catalogue row).
func (w *StampWriter) Add(st *Stamp) error {
	m := w.meta
	var b4 [4]byte
	for k, data := range [3][]float64{st.Sci, st.RMS, st.Model} {
		if len(data) != m.NX*m.NY {
			return fmt.Errorf("mock: write %q: stamp %d has %d pixels, want %d×%d", w.path, w.n, len(data), m.NX, m.NY)
		}
		for i, v := range data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("mock: write %q: stamp %d pixel %d is %v", w.path, w.n, i, v)
			}
			binary.BigEndian.PutUint32(b4[:], math.Float32bits(float32(v)))
			w.bufs[k].Write(b4[:])
		}
	}
	w.n++
	return nil
}

// Abort removes the temporary files; nothing is left at the path.
func (w *StampWriter) Abort() {
	for _, f := range w.tmp {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}

// Close assembles the file and renames it into place.
func (w *StampWriter) Close() error {
	defer w.Abort()
	m := w.meta
	if w.n == 0 {
		return fmt.Errorf("mock: write %q: no stamps", w.path)
	}
	for k := range w.bufs {
		if err := w.bufs[k].Flush(); err != nil {
			return fmt.Errorf("mock: write %q: %w", w.path, err)
		}
	}
	common := []fits.Card{
		{Name: "BUNIT", Value: "electron/s"},
		{Name: "FILTER", Value: m.Band},
		{Name: "PHOTFLAM", Value: m.PHOTFLAM, Comment: "erg/s/cm2/A per e-/s"},
		{Name: "PHOTPLAM", Value: m.PHOTPLAM, Comment: "pivot wavelength, A"},
		{Name: "ZEROPNT", Value: m.ZeroPointAB, Comment: "AB magnitude of 1 e-/s"},
		{Name: "EXPTIME", Value: m.ExptimeS, Comment: "s"},
		{Name: "PIXSCALE", Value: m.PixelScaleArcsec, Comment: "arcsec/pixel"},
	}
	common = append(common, wcsCards(m.NX, m.NY, m.PixelScaleArcsec, m.CentreRADeg, m.CentreDecDeg)...)
	return atomic.WriteFile(w.path, func(out io.Writer) error {
		var b bytes.Buffer
		if err := fits.EmptyPrimary(&b, append([]fits.Card{{Name: "NSTAMPS", Value: w.n}, {Name: "FILTER", Value: m.Band}}, m.Provenance...)); err != nil {
			return err
		}
		for k, name := range []string{"SCI", "RMS", "MODEL"} {
			// Header of an n-plane cube, then the plane data from its temp file.
			var hb bytes.Buffer
			cards := append([]fits.Card{{Name: "EXTNAME", Value: name}}, common...)
			if err := fits.EncodeImageHeader(&hb, m.NX, m.NY, w.n, cards, false); err != nil {
				return err
			}
			b.Write(hb.Bytes())
			if _, err := out.Write(b.Bytes()); err != nil {
				return err
			}
			b.Reset()
			if _, err := w.tmp[k].Seek(0, io.SeekStart); err != nil {
				return err
			}
			nb, err := io.Copy(out, w.tmp[k])
			if err != nil {
				return err
			}
			if pad := (2880 - nb%2880) % 2880; pad > 0 {
				if _, err := out.Write(make([]byte, pad)); err != nil {
					return err
				}
			}
		}
		if len(m.PSF) > 0 {
			p := make([]float32, len(m.PSF))
			for i, v := range m.PSF {
				p[i] = float32(v)
			}
			cards := []fits.Card{{Name: "EXTNAME", Value: "PSF"}, {Name: "FILTER", Value: m.Band},
				{Name: "PIXSCALE", Value: m.PixelScaleArcsec, Comment: "arcsec/pixel"}}
			if err := fits.EncodeImage(&b, fits.Image{NX: m.PSFNX, NY: m.PSFNY, Planes: [][]float32{p}, Cards: cards}, false); err != nil {
				return err
			}
		}
		_, err := out.Write(b.Bytes())
		return err
	})
}

// WriteSingle writes one stamp as a small FITS file (the --per-object form):
// primary HDU = SCI with WCS and the given truth cards (T_… names), then RMS
// and MODEL extensions.
func (s *StampSet) WriteSingle(path string, k int, truth []fits.Card) error {
	st := s.Stamps[k]
	common := []fits.Card{
		{Name: "BUNIT", Value: "electron/s"}, {Name: "FILTER", Value: s.Band},
		{Name: "PHOTFLAM", Value: s.PHOTFLAM}, {Name: "PHOTPLAM", Value: s.PHOTPLAM},
		{Name: "ZEROPNT", Value: s.ZeroPointAB}, {Name: "EXPTIME", Value: s.ExptimeS},
		{Name: "PIXSCALE", Value: s.PixelScaleArcsec}, {Name: "ROW", Value: k, Comment: "catalogue row"},
	}
	common = append(common, wcsCards(s.NX, s.NY, s.PixelScaleArcsec, s.CentreRADeg, s.CentreDecDeg)...)
	var b bytes.Buffer
	for i, ext := range []struct {
		name string
		data []float64
	}{{"SCI", st.Sci}, {"RMS", st.RMS}, {"MODEL", st.Model}} {
		p := make([]float32, len(ext.data))
		for j, v := range ext.data {
			p[j] = float32(v)
		}
		cards := append([]fits.Card{{Name: "EXTNAME", Value: ext.name}}, common...)
		if i == 0 {
			cards = append(cards, truth...)
			cards = append(cards, s.Provenance...)
		}
		if err := fits.EncodeImage(&b, fits.Image{NX: s.NX, NY: s.NY, Planes: [][]float32{p}, Cards: cards}, i == 0); err != nil {
			return fmt.Errorf("mock: write %q: %w", path, err)
		}
	}
	return atomic.WriteBytes(path, b.Bytes())
}

// TruthCard names a per-object truth card: "T_" + up to 6 characters.
func TruthCard(name string, v any) fits.Card {
	n := "T_" + name
	if len(n) > 8 {
		n = n[:8]
	}
	return fits.Card{Name: n, Value: v}
}
