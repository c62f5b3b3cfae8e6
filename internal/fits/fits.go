// Package fits writes FITS files (FITS Standard 4.0): header cards, image
// HDUs (float32 planes and cubes) and binary tables. Reading is left to
// codeberg.org/astrogo/fitsio; writing is done here because fitsio v0.4.0
// prefixes string table cells with a NUL byte, which astropy reads as empty.
package fits

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Card is one FITS header keyword. Value is a string, bool, int, int64,
// float64 or nil (a comment-only card).
type Card struct {
	Name    string
	Value   any
	Comment string
}

// FormatCard renders one 80-character header card in the FITS fixed format
// (FITS Standard 4.0, §4.2): keyword in columns 1–8, "= " in 9–10, strings
// quoted and left-justified from column 11, numbers and logicals
// right-justified to column 30.
func FormatCard(c Card) (string, error) {
	name := strings.ToUpper(c.Name)
	if len(name) > 8 {
		return "", fmt.Errorf("fits: keyword %q longer than 8 characters", c.Name)
	}
	var v string
	switch x := c.Value.(type) {
	case nil:
		line := fmt.Sprintf("%-8s%s", name, c.Comment)
		return pad80(line), nil
	case string:
		s := "'" + strings.ReplaceAll(x, "'", "''")
		for len(s) < 9 {
			s += " "
		}
		v = s + "'"
		if len(v) < 20 {
			v = fmt.Sprintf("%-20s", v)
		}
	case bool:
		if x {
			v = fmt.Sprintf("%20s", "T")
		} else {
			v = fmt.Sprintf("%20s", "F")
		}
	case int:
		v = fmt.Sprintf("%20d", x)
	case int64:
		v = fmt.Sprintf("%20d", x)
	case uint64:
		v = fmt.Sprintf("%20d", x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("fits: keyword %s: %v cannot be written in a header", name, x)
		}
		f := strconv.FormatFloat(x, 'G', -1, 64)
		if !strings.ContainsAny(f, ".E") {
			f += ".0"
		}
		v = fmt.Sprintf("%20s", f)
	default:
		return "", fmt.Errorf("fits: keyword %s: unsupported value type %T", name, c.Value)
	}
	line := fmt.Sprintf("%-8s= %s", name, v)
	if c.Comment != "" {
		line += " / " + c.Comment
	}
	if len(line) > 80 {
		if len(fmt.Sprintf("%-8s= %s", name, v)) > 80 {
			return "", fmt.Errorf("fits: keyword %s: value too long for one card", name)
		}
		line = line[:80]
	}
	return pad80(line), nil
}

func pad80(s string) string { return s + strings.Repeat(" ", 80-len(s)) }

// writeHeader writes cards and END, padded to a multiple of 2880 bytes.
func WriteHeader(w *bytes.Buffer, cards []Card) error {
	start := w.Len()
	for _, c := range cards {
		line, err := FormatCard(c)
		if err != nil {
			return err
		}
		w.WriteString(line)
	}
	w.WriteString(pad80("END"))
	for (w.Len()-start)%2880 != 0 {
		w.WriteByte(' ')
	}
	return nil
}

// Column is one binary-table column; exactly one of Ints, Floats and Strings is set.
type Column struct {
	Name    string
	Unit    string
	Ints    []int64
	Floats  []float64
	Strings []string
}

// EncodeTable writes a BINTABLE extension HDU named extname with n rows
// (integers as K, floats as D, strings as fixed-width blank-padded A).
func EncodeTable(w *bytes.Buffer, extname string, cols []Column, n int, extra []Card) error {
	widths := make([]int, len(cols))
	rowBytes := 0
	hdr := []Card{{"XTENSION", "BINTABLE", "binary table extension"}, {"BITPIX", 8, ""}, {"NAXIS", 2, ""},
		{"NAXIS1", 0, "bytes per row"}, {"NAXIS2", n, "rows"}, {"PCOUNT", 0, ""}, {"GCOUNT", 1, ""},
		{"TFIELDS", len(cols), ""}}
	for i, c := range cols {
		var form string
		switch {
		case c.Ints != nil:
			widths[i], form = 8, "K"
		case c.Floats != nil:
			widths[i], form = 8, "D"
		default:
			widths[i] = 1
			for _, s := range c.Strings {
				widths[i] = max(widths[i], len(s))
			}
			form = strconv.Itoa(widths[i]) + "A"
		}
		rowBytes += widths[i]
		k := strconv.Itoa(i + 1)
		hdr = append(hdr, Card{"TTYPE" + k, c.Name, ""}, Card{"TFORM" + k, form, ""})
		if c.Unit != "" {
			hdr = append(hdr, Card{"TUNIT" + k, c.Unit, ""})
		}
	}
	hdr[3].Value = rowBytes
	hdr = append(hdr, Card{"EXTNAME", extname, ""})
	hdr = append(hdr, extra...)
	if err := WriteHeader(w, hdr); err != nil {
		return err
	}
	start := w.Len()
	var b8 [8]byte
	for r := 0; r < n; r++ {
		for i, c := range cols {
			switch {
			case c.Ints != nil:
				binary.BigEndian.PutUint64(b8[:], uint64(c.Ints[r]))
				w.Write(b8[:])
			case c.Floats != nil:
				binary.BigEndian.PutUint64(b8[:], math.Float64bits(c.Floats[r]))
				w.Write(b8[:])
			default:
				w.WriteString(c.Strings[r])
				w.WriteString(strings.Repeat(" ", widths[i]-len(c.Strings[r])))
			}
		}
	}
	padData(w, start)
	return nil
}

func padData(w *bytes.Buffer, start int) {
	for (w.Len()-start)%2880 != 0 {
		w.WriteByte(0)
	}
}

// EmptyPrimary writes a primary HDU with no data and the given cards.
func EmptyPrimary(w *bytes.Buffer, cards []Card) error {
	prim := []Card{{"SIMPLE", true, "conforms to FITS standard"}, {"BITPIX", 8, ""}, {"NAXIS", 0, ""}, {"EXTEND", true, ""}}
	return WriteHeader(w, append(prim, cards...))
}

// Image is one image HDU of float32 data: planes of NY×NX pixels (row-major,
// first row at the bottom, i.e. FITS order with x fastest).
type Image struct {
	NX, NY int
	Planes [][]float32
	Cards  []Card // extra header cards (EXTNAME, BUNIT, WCS, …)
}

// EncodeImageHeader writes the header of an image HDU of nplanes float32
// planes of nx×ny (a 2-D image when nplanes is 1), for callers that stream
// the data themselves (then pad it to a multiple of 2880 bytes).
func EncodeImageHeader(w *bytes.Buffer, nx, ny, nplanes int, cards []Card, primary bool) error {
	naxis := 2
	if nplanes > 1 {
		naxis = 3
	}
	var hdr []Card
	if primary {
		hdr = []Card{{"SIMPLE", true, "conforms to FITS standard"}}
	} else {
		hdr = []Card{{"XTENSION", "IMAGE", "image extension"}}
	}
	hdr = append(hdr, Card{"BITPIX", -32, "IEEE single precision"}, Card{"NAXIS", naxis, ""},
		Card{"NAXIS1", nx, ""}, Card{"NAXIS2", ny, ""})
	if naxis == 3 {
		hdr = append(hdr, Card{"NAXIS3", nplanes, ""})
	}
	if primary {
		hdr = append(hdr, Card{"EXTEND", true, ""})
	} else {
		hdr = append(hdr, Card{"PCOUNT", 0, ""}, Card{"GCOUNT", 1, ""})
	}
	return WriteHeader(w, append(hdr, cards...))
}

// EncodeImage writes img as the primary HDU (primary = true) or an IMAGE
// extension, as a 2-D image for one plane or a cube (NAXIS3 = planes).
func EncodeImage(w *bytes.Buffer, img Image, primary bool) error {
	if err := EncodeImageHeader(w, img.NX, img.NY, len(img.Planes), img.Cards, primary); err != nil {
		return err
	}
	start := w.Len()
	var b4 [4]byte
	for p, pl := range img.Planes {
		if len(pl) != img.NX*img.NY {
			return fmt.Errorf("fits: plane %d has %d pixels, want %d×%d", p, len(pl), img.NX, img.NY)
		}
		for _, v := range pl {
			binary.BigEndian.PutUint32(b4[:], math.Float32bits(v))
			w.Write(b4[:])
		}
	}
	padData(w, start)
	return nil
}
