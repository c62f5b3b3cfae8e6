package fits

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"codeberg.org/astrogo/fitsio"
)

func TestFormatCard(t *testing.T) {
	t.Parallel()
	cases := []struct {
		c    Card
		want string
	}{
		{Card{"SIMPLE", true, ""}, "SIMPLE  =                    T"},
		{Card{"naxis1", 64, ""}, "NAXIS1  =                   64"},
		{Card{"PIXKPC", 0.25, "kpc"}, "PIXKPC  =                 0.25 / kpc"},
		{Card{"REDSHIFT", 2.0, ""}, "REDSHIFT=                  2.0"},
		{Card{"MSTAR", 1.5e10, ""}, "MSTAR   =              1.5E+10"},
		{Card{"BAND1", "F160W", ""}, "BAND1   = 'F160W   '"},
		{Card{"NOTE", "it's", ""}, "NOTE    = 'it''s   '"},
	}
	for i, c := range cases {
		got, err := FormatCard(c.c)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if len(got) != 80 || strings.TrimRight(got, " ") != c.want {
			t.Errorf("case %d: got %q, want %q", i, strings.TrimRight(got, " "), c.want)
		}
	}
	for i, c := range []Card{{"TOOLONGNAME", 1, ""}, {"X", math.NaN(), ""}, {"Y", []int{1}, ""}} {
		if _, err := FormatCard(c); err == nil {
			t.Errorf("bad card %d (%v): no error", i, c)
		}
	}
}

// TestImageCube writes a 3-plane cube and reads it back with fitsio.
func TestImageCube(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	planes := [][]float32{{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}, {0, 0, 0, 0, 0, -1.5}}
	if err := EncodeImage(&b, Image{NX: 3, NY: 2, Planes: planes, Cards: []Card{{"BAND1", "mass", ""}}}, true); err != nil {
		t.Fatal(err)
	}
	if err := EncodeImage(&b, Image{NX: 3, NY: 2, Planes: planes[:1], Cards: []Card{{"EXTNAME", "ONE", ""}}}, false); err != nil {
		t.Fatal(err)
	}
	if b.Len()%2880 != 0 {
		t.Fatalf("file length %d is not a multiple of 2880", b.Len())
	}
	f, err := fitsio.Open(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img := f.HDU(0).(fitsio.Image)
	if ax := img.Header().Axes(); len(ax) != 3 || ax[0] != 3 || ax[1] != 2 || ax[2] != 3 {
		t.Fatalf("axes %v", ax)
	}
	data := make([]float32, 18)
	if err := img.Read(&data); err != nil {
		t.Fatal(err)
	}
	if len(data) != 18 || data[0] != 1 || data[6] != 7 || data[17] != -1.5 {
		t.Errorf("data %v", data)
	}
	if c := img.Header().Get("BAND1"); c == nil || c.Value.(string) != "mass" {
		t.Errorf("BAND1 card: %v", c)
	}
	if f.Get("ONE") == nil {
		t.Error("no extension ONE")
	}
}
