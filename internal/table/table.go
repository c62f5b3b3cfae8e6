// Package table holds column-oriented catalogues and writes them as CSV and as
// FITS binary tables (both atomically), the two forms astronomers open with
// astropy (Table.read) or pandas.
package table

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/galforge/galforge/internal/atomic"
	"github.com/galforge/galforge/internal/fits"
)

// Column is one named column; exactly one of Ints, Floats and Strings is set.
type Column struct {
	Name    string
	Unit    string
	Ints    []int64
	Floats  []float64 // NaN is written as an empty CSV field and as NaN in FITS
	Strings []string
}

// Len returns the number of rows of c.
func (c *Column) Len() int {
	switch {
	case c.Ints != nil:
		return len(c.Ints)
	case c.Floats != nil:
		return len(c.Floats)
	default:
		return len(c.Strings)
	}
}

// Table is an ordered list of columns of equal length.
type Table struct {
	Cols []Column
}

// Rows returns the number of rows, and an error if columns differ in length.
func (t *Table) Rows() (int, error) {
	if len(t.Cols) == 0 {
		return 0, nil
	}
	n := t.Cols[0].Len()
	for _, c := range t.Cols {
		if c.Len() != n {
			return 0, fmt.Errorf("table: column %q has %d rows, %q has %d", c.Name, c.Len(), t.Cols[0].Name, n)
		}
	}
	return n, nil
}

// Col returns the column named name, or nil.
func (t *Table) Col(name string) *Column {
	for i := range t.Cols {
		if t.Cols[i].Name == name {
			return &t.Cols[i]
		}
	}
	return nil
}

// FormatFloat formats x for CSV: shortest round-trip form, empty for NaN.
func FormatFloat(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// EncodeCSV writes the table as CSV with a header line.
func (t *Table) EncodeCSV(w io.Writer, header bool) error {
	n, err := t.Rows()
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if header {
		names := make([]string, len(t.Cols))
		for i, c := range t.Cols {
			names[i] = c.Name
		}
		cw.Write(names)
	}
	rec := make([]string, len(t.Cols))
	for r := 0; r < n; r++ {
		for i, c := range t.Cols {
			switch {
			case c.Ints != nil:
				rec[i] = strconv.FormatInt(c.Ints[r], 10)
			case c.Floats != nil:
				rec[i] = FormatFloat(c.Floats[r])
			default:
				rec[i] = c.Strings[r]
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteCSV writes the table to path atomically.
func (t *Table) WriteCSV(path string) error {
	var b bytes.Buffer
	if err := t.EncodeCSV(&b, true); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return atomic.WriteBytes(path, b.Bytes())
}

// WriteFITS writes the table as a FITS file with a primary HDU holding the
// given header cards and no data, and one binary-table extension named
// extname (integers as K, floats as D, strings as fixed-width A, blank-padded
// as the FITS standard says).
func (t *Table) WriteFITS(path, extname string, cards []fits.Card) error {
	n, err := t.Rows()
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	var b bytes.Buffer
	if err := fits.EmptyPrimary(&b, cards); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	cols := make([]fits.Column, len(t.Cols))
	for i, c := range t.Cols {
		cols[i] = fits.Column(c)
	}
	if err := fits.EncodeTable(&b, extname, cols, n, nil); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return atomic.WriteBytes(path, b.Bytes())
}
