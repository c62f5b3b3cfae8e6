package instrument

import (
	"fmt"
	"sort"
	"strings"
)

// Exposure is the total exposure of one band at a point of a survey mosaic.
type Exposure struct {
	// TimeS is the total exposure time, s.
	TimeS float64
	// NExp is the number of exposures combined (each adds its read noise).
	NExp int
}

// Preset names.
const (
	// CANDELSWide is CANDELS/Wide (COSMOS, EGS, UDS and the GOODS flanks):
	// 2 orbits of WFC3/IR J+H per tile over two epochs, J:H ≈ 1:2, with ACS
	// F606W + F814W parallels.
	CANDELSWide = "candels-wide"
	// CANDELSDeep is CANDELS/Deep in GOODS-N/S: ≈12 orbits of WFC3/IR Y+J+H
	// plus the GOODS ACS B, V, i, z and the CANDELS ACS parallels.
	CANDELSDeep = "candels-deep"
)

// presets hold the per-band total exposure times.
//
// Sources and caveats. The orbit allocations are those of Grogin et al.
// (2011, §4–5; the MAST CANDELS page: Wide "2-orbit J+H depth", Deep
// "~12 orbit Y+J+H depth"), converted with ≈2.6 ks of science exposure per
// orbit; the GOODS ACS times are Giavalisco et al. (2004: B 3, V 2.5, i 2.5,
// z 5 orbits = 7.2, 5.0, 5.0, 10.0 ks). The per-field totals of Koekemoer et
// al. (2011, Table 2 and §5) vary by about ±20 % around these values
// (overlaps, the F814W/F606W parallel split, the Deep orientation sequence);
// they were not re-read for this table, so treat the times as representative
// depths, not as the exposure at a given position. NExp assumes
// ≈800 s (WFC3/IR MULTIACCUM) and ≈1 ks (ACS) per exposure.
var presets = map[string]map[string]Exposure{
	CANDELSWide: {
		"F125W": {1900, 4},
		"F160W": {3300, 4},
		"F606W": {1900, 4},
		"F814W": {3300, 4},
	},
	CANDELSDeep: {
		"F105W":  {7800, 9},
		"F125W":  {10400, 12},
		"F160W":  {13000, 16},
		"F435W":  {7200, 8},
		"F606W":  {5000, 5},
		"F775W":  {5000, 5},
		"F814W":  {8000, 8},
		"F850LP": {10000, 10},
	},
}

// Preset returns the exposure per band of a named survey preset
// (CANDELSWide or CANDELSDeep; case-insensitive, "_" accepted for "-").
// The map is a fresh copy; every key is a built-in band.
func Preset(name string) (map[string]Exposure, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
	p, ok := presets[n]
	if !ok {
		var known []string
		for k := range presets {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("instrument: unknown exposure preset %q (known: %s)", name, strings.Join(known, ", "))
	}
	out := make(map[string]Exposure, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out, nil
}
