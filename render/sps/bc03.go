package sps

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/*.ised.gz data/*.dat data/PROVENANCE.md
var dataFS embed.FS

// defaultBC03Files are the embedded BC03 grids, low-resolution Padova 1994
// tracks with the Chabrier IMF, Z = 0.0001 … 0.05.
var defaultBC03Files = []string{
	"data/bc2003_lr_m22_chab_ssp.ised.gz",
	"data/bc2003_lr_m32_chab_ssp.ised.gz",
	"data/bc2003_lr_m42_chab_ssp.ised.gz",
	"data/bc2003_lr_m52_chab_ssp.ised.gz",
	"data/bc2003_lr_m62_chab_ssp.ised.gz",
	"data/bc2003_lr_m72_chab_ssp.ised.gz",
}

// ErrBadISED is wrapped by the errors of ReadBC03 when a file does not have
// the structure of a BC03 .ised binary.
var ErrBadISED = errors.New("bad BC03 .ised file")

var (
	defaultOnce sync.Once
	defaultSSP  *SSP
	defaultErr  error
)

// DefaultBC03 returns the embedded Bruzual & Charlot (2003) SSP grid: low
// resolution, Padova 1994 tracks, Chabrier IMF (0.1–100 M☉), 6 metallicities
// Z = 0.0001, 0.0004, 0.004, 0.008, 0.02, 0.05, 221 ages from 0 to 20 Gyr and
// 1221 wavelengths from 91 Å to 160 µm. It is decompressed and parsed once
// (about 0.15 s), then shared: the returned SSP must not be modified.
func DefaultBC03() (*SSP, error) {
	defaultOnce.Do(func() {
		defaultSSP, defaultErr = readBC03(func(name string) ([]byte, error) {
			return dataFS.ReadFile(name)
		}, defaultBC03Files)
		if defaultErr == nil {
			for i, src := range defaultSSP.Sources {
				defaultSSP.Sources[i] = "embedded render/sps/" + src
			}
		}
	})
	return defaultSSP, defaultErr
}

// ReadBC03 reads BC03 .ised binaries, one per metallicity, into one SSP grid
// (sorted by Z). Files may be gzip-compressed. Every file must have the same
// ages and wavelengths. The metallicity comes from the "Z=…" of the file's
// header string, or else from the BC03 name (m22 … m72 → Z = 0.0001 … 0.05).
//
// The format (little-endian Fortran unformatted sequential records, each
// framed by int32 byte counts) is: N_age and the ages in yr, then the IMF
// mass limits and the model's description; N_λ and the wavelengths in Å; for
// each age, N_λ and L_λ in L☉/Å per M☉ of initial mass followed by N_extra
// and that many numbers; then records of N_age per-age quantities, which are
// checked for structure but not kept.
func ReadBC03(paths ...string) (*SSP, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("sps: ReadBC03: no file given")
	}
	return readBC03(os.ReadFile, paths)
}

// isedFile is one parsed .ised file.
type isedFile struct {
	name     string
	z        float64
	ages     []float64 // yr
	wave     []float64 // Å
	lum      []float64 // age-major, L☉/Å per M☉
	model    string
	mLo, mUp float64 // IMF mass limits, M☉
}

func readBC03(read func(string) ([]byte, error), names []string) (*SSP, error) {
	files := make([]*isedFile, 0, len(names))
	for _, name := range names {
		raw, err := read(name)
		if err != nil {
			return nil, fmt.Errorf("sps: read %q: %w", name, err)
		}
		f, err := parseISED(name, raw)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].z < files[j].z })
	first := files[0]
	s := &SSP{
		Name:    "BC03",
		IMF:     imfFromName(first.name, first.mLo, first.mUp),
		AgesGyr: make([]float64, len(first.ages)),
		WaveAA:  first.wave,
	}
	if first.model != "" {
		// Drop the composition ("X=…, Y=…, Z=…"), which differs between files.
		m := first.model
		if i := strings.Index(m, "X="); i > 0 {
			m = strings.TrimRight(m[:i], " .,")
		}
		s.Name = "BC03: " + m
	}
	if strings.Contains(filepath.Base(first.name), "_lr_") {
		s.Name += " (low resolution)"
	} else if strings.Contains(filepath.Base(first.name), "_hr_") {
		s.Name += " (high resolution)"
	}
	for i, a := range first.ages {
		s.AgesGyr[i] = a / 1e9
	}
	s.LumLsunAA = make([]float64, 0, len(files)*len(first.lum))
	for i, f := range files {
		if i > 0 && f.z == files[i-1].z {
			return nil, fmt.Errorf("sps: %w: %q and %q both have Z = %g", ErrBadSSP, files[i-1].name, f.name, f.z)
		}
		if !equalFloats(f.ages, first.ages) {
			return nil, fmt.Errorf("sps: %w: %q: its %d ages differ from those of %q", ErrBadSSP, f.name, len(f.ages), first.name)
		}
		if !equalFloats(f.wave, first.wave) {
			return nil, fmt.Errorf("sps: %w: %q: its %d wavelengths differ from those of %q", ErrBadSSP, f.name, len(f.wave), first.name)
		}
		s.Z = append(s.Z, f.z)
		s.LumLsunAA = append(s.LumLsunAA, f.lum...)
		s.Sources = append(s.Sources, f.name)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%w (files %s)", err, strings.Join(names, ", "))
	}
	return s, nil
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// isedReader walks the Fortran records of one file.
type isedReader struct {
	name string
	b    []byte
	off  int
	rec  int
}

// next returns the body of the next record.
func (r *isedReader) next(what string) ([]byte, error) {
	start := r.off
	if len(r.b)-r.off < 4 {
		return nil, fmt.Errorf("sps: %w: %q: record %d (%s) at byte %d: file truncated (%d bytes left, need a 4-byte record marker)", ErrBadISED, r.name, r.rec, what, start, len(r.b)-r.off)
	}
	n := int64(int32(binary.LittleEndian.Uint32(r.b[r.off:])))
	if n < 0 || n > int64(len(r.b)-r.off-8) {
		if n >= 0 {
			return nil, fmt.Errorf("sps: %w: %q: record %d (%s) at byte %d: file truncated (the record needs %d bytes with its markers, %d left)", ErrBadISED, r.name, r.rec, what, start, n+8, len(r.b)-r.off)
		}
		return nil, fmt.Errorf("sps: %w: %q: record %d (%s) at byte %d: bad record marker %d", ErrBadISED, r.name, r.rec, what, start, n)
	}
	body := r.b[r.off+4 : r.off+4+int(n)]
	tail := int64(int32(binary.LittleEndian.Uint32(r.b[r.off+4+int(n):])))
	if tail != n {
		return nil, fmt.Errorf("sps: %w: %q: record %d (%s) at byte %d: leading record marker %d ≠ trailing marker %d (not a little-endian BC03 .ised file?)", ErrBadISED, r.name, r.rec, what, start, n, tail)
	}
	r.off += 8 + int(n)
	r.rec++
	return body, nil
}

// float32s decodes n little-endian float32 from b at byte offset off.
func float32s(b []byte, off, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[off+4*i:])))
	}
	return out
}

var zInHeader = regexp.MustCompile(`Z=\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)`)

// bc03ZByName maps the BC03 metallicity codes of file names to Z.
var bc03ZByName = map[string]float64{
	"m22": 0.0001, "m32": 0.0004, "m42": 0.004, "m52": 0.008, "m62": 0.02, "m72": 0.05,
}

var mCode = regexp.MustCompile(`_(m[0-9]{2})_`)

// parseISED decodes one .ised file (gzip-compressed or not).
func parseISED(name string, raw []byte) (*isedFile, error) {
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("sps: read %q: gzip: %w", name, err)
		}
		raw, err = io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("sps: read %q: gzip: %w", name, err)
		}
	}
	r := &isedReader{name: name, b: raw}
	f := &isedFile{name: name}

	// Record 0: ages and header.
	body, err := r.next("ages and header")
	if err != nil {
		return nil, err
	}
	if len(body) < 4 {
		return nil, fmt.Errorf("sps: %w: %q: record 0 has %d bytes, too short for N_age", ErrBadISED, name, len(body))
	}
	nAge := int(int32(binary.LittleEndian.Uint32(body)))
	if nAge <= 0 || 4+4*nAge > len(body) {
		return nil, fmt.Errorf("sps: %w: %q: record 0: N_age = %d does not fit its %d bytes", ErrBadISED, name, nAge, len(body))
	}
	f.ages = float32s(body, 4, nAge)
	hdr := body[4+4*nAge:]
	if len(hdr) >= 8 {
		f.mLo = float64(math.Float32frombits(binary.LittleEndian.Uint32(hdr)))
		f.mUp = float64(math.Float32frombits(binary.LittleEndian.Uint32(hdr[4:])))
	}
	f.model = headerModel(hdr)
	if m := zInHeader.FindSubmatch(hdr); m != nil {
		f.z, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if !(f.z > 0) {
		m := mCode.FindStringSubmatch(filepath.Base(name))
		if m == nil || bc03ZByName[m[1]] == 0 {
			return nil, fmt.Errorf("sps: %w: %q: no \"Z=\" in the header and no BC03 metallicity code (m22…m72) in the name", ErrBadISED, name)
		}
		f.z = bc03ZByName[m[1]]
	}

	// Record 1: wavelengths.
	body, err = r.next("wavelengths")
	if err != nil {
		return nil, err
	}
	nw := 0
	if len(body) >= 4 {
		nw = int(int32(binary.LittleEndian.Uint32(body)))
	}
	if nw < 2 || len(body) != 4+4*nw {
		return nil, fmt.Errorf("sps: %w: %q: record 1: %d bytes, N_λ = %d (want 4 + 4·N_λ bytes, N_λ ≥ 2)", ErrBadISED, name, len(body), nw)
	}
	f.wave = float32s(body, 4, nw)

	// Records 2 … N_age+1: spectra.
	f.lum = make([]float64, 0, nAge*nw)
	for ia := 0; ia < nAge; ia++ {
		body, err = r.next(fmt.Sprintf("spectrum of age %d/%d", ia+1, nAge))
		if err != nil {
			return nil, err
		}
		if len(body) < 8+4*nw || int(int32(binary.LittleEndian.Uint32(body))) != nw {
			return nil, fmt.Errorf("sps: %w: %q: record %d (age %g yr): does not start with N_λ = %d and its spectrum", ErrBadISED, name, r.rec-1, f.ages[ia], nw)
		}
		ne := int(int32(binary.LittleEndian.Uint32(body[4+4*nw:])))
		if ne < 0 || len(body) != 8+4*nw+4*ne {
			return nil, fmt.Errorf("sps: %w: %q: record %d (age %g yr): %d bytes, inconsistent with N_λ = %d and N_extra = %d", ErrBadISED, name, r.rec-1, f.ages[ia], len(body), nw, ne)
		}
		f.lum = append(f.lum, float32s(body, 4, nw)...)
	}

	// Trailing records: per-age quantities (N_age floats each).
	for r.off < len(r.b) {
		body, err = r.next("per-age quantities")
		if err != nil {
			return nil, err
		}
		if len(body) < 4 || int(int32(binary.LittleEndian.Uint32(body))) != nAge || len(body) != 4+4*nAge {
			return nil, fmt.Errorf("sps: %w: %q: record %d: %d bytes, want N_age = %d and %d values", ErrBadISED, name, r.rec-1, len(body), nAge, nAge)
		}
	}
	return f, nil
}

// headerModel extracts the first printable description string from the
// header bytes of record 0 (for BC03: "Padova (1994) + S. Charlot (1997).
// X=0.70, Y=0.28, Z=0.02").
func headerModel(hdr []byte) string {
	start := -1
	for i := 0; i <= len(hdr); i++ {
		printable := i < len(hdr) && hdr[i] >= 0x20 && hdr[i] < 0x7f
		if printable && start < 0 {
			start = i
		}
		if !printable && start >= 0 {
			if s := strings.TrimSpace(string(hdr[start:i])); len(s) >= 8 && strings.ContainsAny(s, " ") {
				return s
			}
			start = -1
		}
	}
	return ""
}

// imfFromName names the IMF from the BC03 file-name convention.
func imfFromName(name string, mLo, mUp float64) string {
	base := strings.ToLower(filepath.Base(name))
	imf := "unknown IMF"
	switch {
	case strings.Contains(base, "_chab"):
		imf = "Chabrier (2003)"
	case strings.Contains(base, "_salp"):
		imf = "Salpeter (1955)"
	case strings.Contains(base, "_kroup"):
		imf = "Kroupa (2001)"
	}
	if mLo > 0 && mUp > mLo {
		imf += ", " + strconv.FormatFloat(mLo, 'g', -1, 32) + "–" + strconv.FormatFloat(mUp, 'g', -1, 32) + " M☉"
	}
	return imf
}
