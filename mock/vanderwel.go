package mock

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// vanderwelGz is the F160W van der Wel et al. (2012, 2014) GALFIT catalogue
// of 3D-HST/CANDELS COSMOS, good fits only (provenance in
// data/PROVENANCE.md).
//
//go:embed data/vanderwel_cosmos_f160w.csv.gz
var vanderwelGz []byte

// EmpiricalGalaxy is one row of an empirical structural-parameter catalogue.
type EmpiricalGalaxy struct {
	ID       int64
	Mag      float64 // AB, F160W
	ReArcsec float64 // semi-major-axis half-light radius
	N, Q     float64
}

var (
	vdwOnce sync.Once
	vdwRows []EmpiricalGalaxy
	vdwErr  error
)

// VanDerWel returns the 19,249 good (flag 0) F160W single-Sérsic fits of the
// van der Wel et al. (2012, 2014) 3D-HST/CANDELS COSMOS catalogue, in
// catalogue order.
func VanDerWel() ([]EmpiricalGalaxy, error) {
	vdwOnce.Do(func() { vdwRows, vdwErr = parseVanDerWel(vanderwelGz) })
	return vdwRows, vdwErr
}

func parseVanDerWel(gz []byte) ([]EmpiricalGalaxy, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("mock: embedded van der Wel catalogue: %w", err)
	}
	var out []EmpiricalGalaxy
	sc := bufio.NewScanner(zr)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "number") || t == "" {
			continue
		}
		f := strings.Split(t, ",")
		if len(f) != 5 {
			return nil, fmt.Errorf("mock: embedded van der Wel catalogue: line %d has %d fields", line, len(f))
		}
		var v [4]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(f[i+1], 64); err != nil {
				return nil, fmt.Errorf("mock: embedded van der Wel catalogue: line %d: %w", line, err)
			}
		}
		id, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("mock: embedded van der Wel catalogue: line %d: %w", line, err)
		}
		out = append(out, EmpiricalGalaxy{ID: id, Mag: v[0], ReArcsec: v[1], N: v[2], Q: v[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mock: embedded van der Wel catalogue: %w", err)
	}
	return out, nil
}

// vanderwelCandidates returns the catalogue rows inside the prior's ranges
// (magnitude, Re, n, q), from which Plan draws.
func vanderwelCandidates(p ProfileConfig) ([]EmpiricalGalaxy, error) {
	all, err := VanDerWel()
	if err != nil {
		return nil, err
	}
	var out []EmpiricalGalaxy
	for _, g := range all {
		if g.Mag >= p.MagMin && g.Mag <= p.MagMax && g.ReArcsec >= p.ReMinArcsec && g.ReArcsec <= p.ReMaxArcsec &&
			g.N >= p.NMin && g.N <= p.NMax && g.Q >= p.QMin && g.Q <= p.QMax {
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mock.profile: prior vanderwel: no catalogue galaxy has %g ≤ mag ≤ %g, %g ≤ Re ≤ %g″, %g ≤ n ≤ %g, %g ≤ q ≤ %g",
			p.MagMin, p.MagMax, p.ReMinArcsec, p.ReMaxArcsec, p.NMin, p.NMax, p.QMin, p.QMax)
	}
	return out, nil
}
