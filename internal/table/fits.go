package table

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
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
func writeHeader(w *bytes.Buffer, cards []Card) error {
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

// EncodeFITS writes the table as a FITS file: an empty primary HDU with the
// given cards, then a BINTABLE extension named extname.
func (t *Table) EncodeFITS(out io.Writer, extname string, cards []Card) error {
	n, err := t.Rows()
	if err != nil {
		return err
	}
	var w bytes.Buffer
	prim := []Card{{"SIMPLE", true, "conforms to FITS standard"}, {"BITPIX", 8, ""}, {"NAXIS", 0, ""}, {"EXTEND", true, ""}}
	if err := writeHeader(&w, append(prim, cards...)); err != nil {
		return err
	}
	widths := make([]int, len(t.Cols))
	rowBytes := 0
	hdr := []Card{{"XTENSION", "BINTABLE", "binary table extension"}, {"BITPIX", 8, ""}, {"NAXIS", 2, ""},
		{"NAXIS1", 0, "bytes per row"}, {"NAXIS2", n, "rows"}, {"PCOUNT", 0, ""}, {"GCOUNT", 1, ""},
		{"TFIELDS", len(t.Cols), ""}}
	for i, c := range t.Cols {
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
	if err := writeHeader(&w, hdr); err != nil {
		return err
	}
	start := w.Len()
	var b8 [8]byte
	for r := 0; r < n; r++ {
		for i, c := range t.Cols {
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
	for (w.Len()-start)%2880 != 0 {
		w.WriteByte(0)
	}
	_, err = out.Write(w.Bytes())
	return err
}
