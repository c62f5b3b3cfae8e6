package table

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/astrogo/fitsio"

	"github.com/galforge/galforge/internal/fits"
)

func sample() *Table {
	return &Table{Cols: []Column{
		{Name: "galaxy_id", Ints: []int64{1001, 1002, 2001}},
		{Name: "family", Strings: []string{"compaction", "compaction", "merger"}},
		{Name: "re3d_kpc", Unit: "kpc", Floats: []float64{1.5, 0.25, 3e10}},
		{Name: "mass_ratio", Floats: []float64{math.NaN(), math.NaN(), 2.5}},
	}}
}

func TestCSV(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := sample().EncodeCSV(&b, true); err != nil {
		t.Fatal(err)
	}
	want := "galaxy_id,family,re3d_kpc,mass_ratio\n1001,compaction,1.5,\n1002,compaction,0.25,\n2001,merger,3e+10,2.5\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	bad := sample()
	bad.Cols[2].Floats = bad.Cols[2].Floats[:2]
	if err := bad.EncodeCSV(&b, true); err == nil || !strings.Contains(err.Error(), "re3d_kpc") {
		t.Errorf("ragged table: got %v", err)
	}
}

func TestFITSRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.fits")
	if err := sample().WriteFITS(path, "TRUTH", []fits.Card{{Name: "SEED", Value: 42}}); err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := fitsio.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if c := f.HDU(0).Header().Get("SEED"); c == nil || c.Value.(int) != 42 {
		t.Errorf("primary card SEED: %v", c)
	}
	tbl := f.Get("TRUTH").(*fitsio.Table)
	if tbl.NumRows() != 3 || tbl.NumCols() != 4 {
		t.Fatalf("table %d×%d, want 3×4", tbl.NumRows(), tbl.NumCols())
	}
	rows, err := tbl.Read(0, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var i int
	for rows.Next() {
		var id int64
		var fam string
		var re, mr float64
		if err := rows.Scan(&id, &fam, &re, &mr); err != nil {
			t.Fatal(err)
		}
		s := sample()
		if id != s.Cols[0].Ints[i] || strings.TrimSpace(fam) != s.Cols[1].Strings[i] || re != s.Cols[2].Floats[i] ||
			(math.IsNaN(s.Cols[3].Floats[i]) != math.IsNaN(mr)) {
			t.Errorf("row %d: got %v %q %v %v", i, id, fam, re, mr)
		}
		i++
	}
	if i != 3 {
		t.Errorf("read %d rows", i)
	}
}
