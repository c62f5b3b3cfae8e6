package ramses

import (
	"fmt"
	"math"
	"strings"
)

// amrHeader is what this package uses of the header of an
// amr_NNNNN.outCCCCC file (amr/output_amr.f90, backup_amr).
type amrHeader struct {
	ncpu      int
	nx        [3]int
	nlevelmax int
	nboundary int
	boxlen    float64 // code units, before division by the coarse cells per side
	// numbl[l*ncpu+c] is the number of grids of level l+1 in block c+1 of
	// this file (the file's own CPU: its grids; the others: ghost copies);
	// numbb[l*nboundary+b] the same for boundary block b+1.
	numbl, numbb []int
}

// blockLen returns the number of grids of level l+1 (l 0-based) in block
// ib+1 (ib 0-based; blocks ncpu … ncpu+nboundary−1 are boundary blocks).
func (h *amrHeader) blockLen(l, ib int) int {
	if ib < h.ncpu {
		return h.numbl[l*h.ncpu+ib]
	}
	return h.numbb[l*h.nboundary+ib-h.ncpu]
}

// amrGridRecords is the number of records per non-empty block of a 3D AMR
// file: grid index, next, prev, 3 centres, father, 6 neighbours, 8 sons, 8
// CPU maps, 8 refinement flags.
const amrGridRecords = 3 + 3 + 1 + 6 + 8 + 8 + 8

// ints decodes record b as n integers of 4 or 8 bytes (width from the
// record length).
func (rr *recordReader) ints(b []byte, n int, what string) ([]int64, error) {
	var k byte
	switch len(b) {
	case 4 * n:
		k = 'i'
	case 8 * n:
		k = 'q'
	default:
		return nil, rr.errLast(what, "%d bytes, want %d integers of 4 or 8 bytes", len(b), n)
	}
	v := make([]int64, n)
	rr.decodeInt(b, k, v)
	return v, nil
}

// reals decodes record b as n reals of kind k ('d' or 'f'; 0: the width
// taken from the record length) into dst.
func (rr *recordReader) reals(b []byte, n int, k byte, what string, dst []float64) error {
	if k == 0 {
		switch len(b) {
		case 8 * n:
			k = 'd'
		case 4 * n:
			k = 'f'
		default:
			return rr.errLast(what, "%d bytes, want %d reals of 8 (or 4) bytes", len(b), n)
		}
	}
	if size := kindSize(k); len(b) != n*size {
		return rr.errLast(what, "%d bytes, want %d (%d values of type %c, %d bytes each)", len(b), n*size, n, k, size)
	}
	rr.decodeFloat(b, k, dst[:n])
	return nil
}

// skipN reads and discards n records, checking that each holds count values
// of 4 or 8 bytes when count ≥ 0.
func (rr *recordReader) skipN(n, count int, what string) error {
	for i := 0; i < n; i++ {
		b, err := rr.want(what)
		if err != nil {
			return err
		}
		if count >= 0 && len(b) != 4*count && len(b) != 8*count {
			return rr.errLast(what, "%d bytes, want %d values of 4 or 8 bytes", len(b), count)
		}
	}
	return nil
}

// readAMRHeader reads the header of an AMR file up to the first fine-level
// block: ncpu, ndim, (nx, ny, nz), nlevelmax, ngridmax, nboundary,
// ngrid_current, boxlen, (noutput, iout, ifout), tout, aout, t, dtold,
// dtnew, (nstep, nstep_coarse), (einit, mass_tot_0, rho_tot), (Ωm, ΩΛ, Ωk,
// Ωb, h0, aexp_ini, boxlen_ini), (aexp, hexp, aexp_old, epot_tot_int,
// epot_tot_old), mass_sph (absent in old versions), headl, taill, numbl,
// numbtot, [headb, tailb, numbb when nboundary > 0], (headf, tailf, numbf,
// used_mem, used_mem_tot), ordering (absent in old versions), bound_key (or
// five bisection records), and the coarse son, flag1 and cpu_map.
func readAMRHeader(rr *recordReader, ncpu int) (*amrHeader, error) {
	h := &amrHeader{}
	n, err := rr.readInt("ncpu")
	if err != nil {
		return nil, err
	}
	if int(n) != ncpu {
		return nil, rr.errLast("ncpu", "file says ncpu = %d, the info file says %d", n, ncpu)
	}
	h.ncpu = ncpu
	ndim, err := rr.readInt("ndim")
	if err != nil {
		return nil, err
	}
	if ndim != 3 {
		return nil, rr.errLast("ndim", "ndim = %d: only 3D AMR trees are read", ndim)
	}
	b, err := rr.want("nx, ny, nz")
	if err != nil {
		return nil, err
	}
	nxyz, err := rr.ints(b, 3, "nx, ny, nz")
	if err != nil {
		return nil, err
	}
	for k := range h.nx {
		h.nx[k] = int(nxyz[k])
	}
	if h.nx[0] != h.nx[1] || h.nx[0] != h.nx[2] || h.nx[0] < 1 || h.nx[0] > 1024 {
		return nil, rr.errLast("nx, ny, nz", "coarse grid %d×%d×%d: only cubic coarse grids (nx = ny = nz ≥ 1) are read", h.nx[0], h.nx[1], h.nx[2])
	}
	lmax, err := rr.readInt("nlevelmax")
	if err != nil {
		return nil, err
	}
	if lmax < 1 || lmax > 64 {
		return nil, rr.errLast("nlevelmax", "nlevelmax = %d, want 1 … 64 (corrupt header?)", lmax)
	}
	h.nlevelmax = int(lmax)
	if _, err := rr.readInt("ngridmax"); err != nil {
		return nil, err
	}
	nb, err := rr.readInt("nboundary")
	if err != nil {
		return nil, err
	}
	if nb < 0 || nb > 1000 {
		return nil, rr.errLast("nboundary", "nboundary = %d (corrupt header?)", nb)
	}
	h.nboundary = int(nb)
	if _, err := rr.readInt("ngrid_current"); err != nil {
		return nil, err
	}
	if h.boxlen, err = rr.readReal("boxlen"); err != nil {
		return nil, err
	}
	for _, what := range []string{"noutput, iout, ifout", "tout", "aout", "t", "dtold", "dtnew",
		"nstep, nstep_coarse", "einit, mass_tot_0, rho_tot", "cosmological parameters", "aexp, hexp, aexp_old, epot_tot_int, epot_tot_old"} {
		if err := rr.skipN(1, -1, what); err != nil {
			return nil, err
		}
	}
	// mass_sph: one real, absent in old versions. It is told from headl
	// (ncpu × nlevelmax integers) by its length; when headl, taill and
	// numbl are 8 bytes too (a 1-CPU run with 2 levels), by counting the
	// 8-byte records before numbtot.
	nl := ncpu * h.nlevelmax
	l, _, err := rr.peekLen("mass_sph or headl")
	if err != nil {
		return nil, err
	}
	var numblRec []byte
	switch {
	case l == 8 && (4*nl == 8 || 8*nl == 8):
		k := 0
		for ; k < 4; k++ {
			if l, ok, err := rr.peekLen("headl, taill, numbl"); err != nil {
				return nil, err
			} else if !ok || l != 8 {
				break
			}
			b, err := rr.want("headl, taill, numbl")
			if err != nil {
				return nil, err
			}
			numblRec = append(numblRec[:0], b...)
		}
		if k < 3 {
			return nil, rr.errf("headl, taill, numbl", "%d 8-byte records where headl, taill and numbl should be (corrupt header?)", k)
		}
	default:
		if l == 8 {
			if err := rr.skipN(1, -1, "mass_sph"); err != nil {
				return nil, err
			}
		}
		if err := rr.skipN(1, nl, "headl"); err != nil {
			return nil, err
		}
		if err := rr.skipN(1, nl, "taill"); err != nil {
			return nil, err
		}
		b, err := rr.want("numbl")
		if err != nil {
			return nil, err
		}
		numblRec = b
	}
	numbl, err := rr.ints(numblRec, nl, "numbl")
	if err != nil {
		return nil, err
	}
	h.numbl = make([]int, nl)
	for i, v := range numbl {
		if v < 0 {
			return nil, rr.errLast("numbl", "negative grid count %d", v)
		}
		h.numbl[i] = int(v)
	}
	if err := rr.skipN(1, 10*h.nlevelmax, "numbtot"); err != nil {
		return nil, err
	}
	if h.nboundary > 0 {
		nbl := h.nboundary * h.nlevelmax
		if err := rr.skipN(2, nbl, "headb, tailb"); err != nil {
			return nil, err
		}
		if b, err = rr.want("numbb"); err != nil {
			return nil, err
		}
		numbb, err := rr.ints(b, nbl, "numbb")
		if err != nil {
			return nil, err
		}
		h.numbb = make([]int, nbl)
		for i, v := range numbb {
			if v < 0 {
				return nil, rr.errLast("numbb", "negative grid count %d", v)
			}
			h.numbb[i] = int(v)
		}
	}
	if err := rr.skipN(1, 5, "headf, tailf, numbf, used_mem, used_mem_tot"); err != nil {
		return nil, err
	}
	// The ordering name (character, absent in old versions), then the
	// domain bounds: bound_key, or five records for bisection.
	b, err = rr.want("ordering")
	if err != nil {
		return nil, err
	}
	if len(b) > 0 && (b[0] >= 'a' && b[0] <= 'z' || b[0] >= 'A' && b[0] <= 'Z') {
		if strings.TrimSpace(string(b)) == "bisection" {
			err = rr.skipN(5, -1, "bisection domain records")
		} else {
			err = rr.skipN(1, -1, "bound_key")
		}
		if err != nil {
			return nil, err
		}
	}
	ncoarse := h.nx[0] * h.nx[1] * h.nx[2]
	for _, what := range []string{"coarse son", "coarse flag1", "coarse cpu_map"} {
		if err := rr.skipN(1, ncoarse, what); err != nil {
			return nil, fmt.Errorf("%w (header not understood: unknown AMR file version?)", err)
		}
	}
	return h, nil
}

// readReal reads a record holding one real of 8 (or, in single-precision
// builds, 4) bytes.
func (rr *recordReader) readReal(what string) (float64, error) {
	b, err := rr.want(what)
	if err != nil {
		return 0, err
	}
	var v [1]float64
	if err := rr.reals(b, 1, 0, what, v[:]); err != nil {
		return 0, err
	}
	return v[0], nil
}

// gasRegion selects leaf cells by the distance of their centres from a
// centre.
type gasRegion struct {
	centre   [3]float64 // physical kpc, box frame
	radius   float64    // physical kpc
	boxKpc   float64    // > 0: periodic box size, physical kpc
	lenKpc   float64    // code length unit in kpc (unit_l / KpcCm)
	massMsun float64    // code mass unit in M☉ (unit_d unit_l³ / MsunG)
	scale    float64    // code length of one coarse cell (the info file's boxlen)
}

// offset returns the position, in physical kpc relative to the centre
// (nearest periodic image), of the point at code position x, and whether it
// lies within the radius.
func (r *gasRegion) offset(x [3]float64) (d [3]float64, in bool) {
	var s float64
	for k := 0; k < 3; k++ {
		d[k] = x[k]*r.lenKpc - r.centre[k]
		if r.boxKpc > 0 {
			d[k] -= r.boxKpc * math.Round(d[k]/r.boxKpc)
		}
		s += d[k] * d[k]
	}
	return d, math.Sqrt(s) <= r.radius
}

// cellOffset returns the offset of cell ind (0 … 7) from its grid's centre
// in units of the cell size: RAMSES numbers the cells of an oct with x
// fastest (amr/amr_commons, utils/f90/amr2cell.f90: iz = ind/4, iy =
// (ind−4iz)/2, ix = ind−2iy−4iz, offset = (i − ½) dx).
func cellOffset(ind int) [3]float64 {
	iz := ind / 4
	iy := (ind - 4*iz) / 2
	ix := ind - 2*iy - 4*iz
	return [3]float64{float64(ix) - 0.5, float64(iy) - 0.5, float64(iz) - 0.5}
}

// hydroVars says which hydro variables to read.
type hydroVars struct {
	source string // for messages: where the variable list came from
	kinds  []byte // descriptor types by variable (0 or missing: from record lengths)
	dens   int    // 0-based index of the density
	metal  int    // 0-based index of the metal fraction, −1 for none
	// check is called with the hydro file's nvar; it returns an error when
	// the variables above do not fit.
	check func(nvar int) error
}

func (v *hydroVars) kind(i int) byte {
	if i < len(v.kinds) {
		return v.kinds[i]
	}
	return 0
}

// cpuGas holds the leaf cells of one CPU within the region, in physical
// units relative to the region's centre.
type cpuGas struct {
	amr, hydro string
	pos        [][3]float64
	mass       []float64 // M☉
	metal      []float64 // metal mass fraction; NaN when the run has none
	hsml       []float64 // kpc
	nleaf      int       // leaf cells of the CPU, in the region or not
	// Counts of unusable values, reported with the file name.
	badRho, badZ, negZ int
}

// selCell is a leaf cell within the region: grid i of the CPU's own block
// at its level, cell ind, and its offset from the centre in kpc.
type selCell struct {
	i   int32
	ind int8
	d   [3]float64
}

// readCPUGas reads the AMR tree of one CPU (amr_NNNNN.outCCCCC), finds the
// leaf cells (son = 0) of the CPU's own grids whose centres lie within the
// region, and, when there are any, reads their density and metallicity
// from hydro_NNNNN.outCCCCC (hydro/output_hydro.f90, backup_hydro). Ghost
// and boundary blocks are skipped. icpu is 1-based.
func readCPUGas(amrPath, hydroPath string, icpu int, info *Info, reg *gasRegion, hv *hydroVars) (*cpuGas, error) {
	cg := &cpuGas{amr: amrPath, hydro: hydroPath}
	rr, f, err := openRecords(amrPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := readAMRHeader(rr, info.NCPU)
	if err != nil {
		return nil, err
	}
	// Grid centres xg are in coarse-cell units, the coarse grid spanning
	// [0, nx]; the computational domain is the central nx_loc cells
	// (nx_loc = boxlen / scale, the info file's boxlen being scale =
	// boxlen/nx_loc: amr/output_amr.f90, output_info), so code positions
	// are (xg − (nx − nx_loc)/2) scale.
	nxLoc := math.Round(h.boxlen / reg.scale)
	nx := float64(h.nx[0])
	if nxLoc < 1 || nxLoc > nx || math.Mod(nx-nxLoc, 2) != 0 || math.Abs(h.boxlen-nxLoc*reg.scale) > 1e-9*h.boxlen {
		return nil, fmt.Errorf("%s: boxlen = %v with a %d³ coarse grid does not match the info file's boxlen = %v (the coarse cell size)", amrPath, h.boxlen, h.nx[0], reg.scale)
	}
	skip := (nx - nxLoc) / 2

	// Fine levels: for each level, blocks 1 … ncpu+nboundary of
	// amrGridRecords records each when not empty; only the file's own
	// block (icpu) holds the CPU's grids.
	sel := make([][]selCell, h.nlevelmax)
	ownLen := make([]int, h.nlevelmax)
	nsel := 0
	xg := [3][]float64{}
	var son [8][]int64
	for l := 0; l < h.nlevelmax; l++ {
		dx := math.Ldexp(1, -(l + 1)) // cell size in coarse-cell units
		for ib := 0; ib < h.ncpu+h.nboundary; ib++ {
			n := h.blockLen(l, ib)
			if n == 0 {
				continue
			}
			what := fmt.Sprintf("level %d, block %d", l+1, ib+1)
			if ib != icpu-1 {
				if err := rr.skipN(amrGridRecords, n, what); err != nil {
					return nil, err
				}
				continue
			}
			ownLen[l] = n
			if err := rr.skipN(3, n, what+": grid, next, prev indices"); err != nil {
				return nil, err
			}
			for k := 0; k < 3; k++ {
				if cap(xg[k]) < n {
					xg[k] = make([]float64, n)
				}
				xg[k] = xg[k][:n]
				w := fmt.Sprintf("%s: grid centres %c", what, 'x'+k)
				b, err := rr.want(w)
				if err != nil {
					return nil, err
				}
				if err := rr.reals(b, n, 0, w, xg[k]); err != nil {
					return nil, err
				}
			}
			if err := rr.skipN(1+6, n, what+": father, neighbours"); err != nil {
				return nil, err
			}
			for ind := 0; ind < 8; ind++ {
				w := fmt.Sprintf("%s: son of cell %d", what, ind+1)
				b, err := rr.want(w)
				if err != nil {
					return nil, err
				}
				if son[ind], err = rr.ints(b, n, w); err != nil {
					return nil, err
				}
			}
			if err := rr.skipN(16, n, what+": cpu_map, flag1"); err != nil {
				return nil, err
			}
			for i := 0; i < n; i++ {
				for ind := 0; ind < 8; ind++ {
					if son[ind][i] != 0 {
						continue // refined
					}
					cg.nleaf++
					o := cellOffset(ind)
					var x [3]float64
					for k := 0; k < 3; k++ {
						x[k] = (xg[k][i] + o[k]*dx - skip) * reg.scale
					}
					if d, in := reg.offset(x); in {
						sel[l] = append(sel[l], selCell{i: int32(i), ind: int8(ind), d: d})
						nsel++
					}
				}
			}
		}
	}
	if nsel == 0 {
		return cg, nil
	}
	if err := cg.readHydro(hydroPath, icpu, h, sel, ownLen, reg, hv, nsel); err != nil {
		return nil, err
	}
	return cg, nil
}

// readHydro reads the density (and metallicity) of the selected cells from
// the hydro file: header ncpu, nvar, ndim, nlevelmax, nboundary, gamma; then
// for each level and block the level and grid count, and, when not empty,
// for each of the 8 cells of the oct, nvar records of one real per grid.
func (cg *cpuGas) readHydro(path string, icpu int, h *amrHeader, sel [][]selCell, ownLen []int, reg *gasRegion, hv *hydroVars, nsel int) error {
	rr, f, err := openRecords(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := rr.readInt("ncpu")
	if err != nil {
		return err
	}
	if int(n) != h.ncpu {
		return rr.errLast("ncpu", "file says ncpu = %d, the info file says %d", n, h.ncpu)
	}
	nv, err := rr.readInt("nvar")
	if err != nil {
		return err
	}
	if nv < 1 || nv > 10000 {
		return rr.errLast("nvar", "nvar = %d (corrupt header?)", nv)
	}
	nvar := int(nv)
	if err := hv.check(nvar); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	metal := hv.metal
	if metal >= nvar {
		metal = -1 // the default metallicity variable of a run without one
	}
	if ndim, err := rr.readInt("ndim"); err != nil {
		return err
	} else if ndim != 3 {
		return rr.errLast("ndim", "ndim = %d: only 3D runs are read", ndim)
	}
	if lm, err := rr.readInt("nlevelmax"); err != nil {
		return err
	} else if int(lm) != h.nlevelmax {
		return rr.errLast("nlevelmax", "nlevelmax = %d, the AMR file says %d", lm, h.nlevelmax)
	}
	if nb, err := rr.readInt("nboundary"); err != nil {
		return err
	} else if int(nb) != h.nboundary {
		return rr.errLast("nboundary", "nboundary = %d, the AMR file says %d", nb, h.nboundary)
	}
	if _, err := rr.readReal("gamma"); err != nil {
		return err
	}

	cg.pos = make([][3]float64, 0, nsel)
	cg.mass = make([]float64, 0, nsel)
	cg.metal = make([]float64, 0, nsel)
	cg.hsml = make([]float64, 0, nsel)
	var rho, z [8][]float64
	// Radius of the sphere of a cell's volume, per cell edge.
	sphere := math.Cbrt(3 / (4 * math.Pi))
	for l := 0; l < h.nlevelmax; l++ {
		for ib := 0; ib < h.ncpu+h.nboundary; ib++ {
			what := fmt.Sprintf("level %d, block %d", l+1, ib+1)
			lv, err := rr.readInt(what + ": ilevel")
			if err != nil {
				return err
			}
			if int(lv) != l+1 {
				return rr.errLast(what+": ilevel", "level %d, want %d (the hydro file does not follow the AMR file)", lv, l+1)
			}
			nc, err := rr.readInt(what + ": ncache")
			if err != nil {
				return err
			}
			want := h.blockLen(l, ib)
			if int(nc) != want {
				return rr.errLast(what+": ncache", "%d grids, the AMR file %s has %d", nc, cg.amr, want)
			}
			if want == 0 {
				continue
			}
			if ib != icpu-1 || len(sel[l]) == 0 {
				if err := rr.skipN(8*nvar, want, what); err != nil {
					return err
				}
				continue
			}
			for ind := 0; ind < 8; ind++ {
				for v := 0; v < nvar; v++ {
					w := fmt.Sprintf("%s: cell %d, variable %d", what, ind+1, v+1)
					b, err := rr.want(w)
					if err != nil {
						return err
					}
					var dst *[8][]float64
					switch v {
					case hv.dens:
						dst = &rho
						w += " (density)"
					case metal:
						dst = &z
						w += " (metallicity)"
					default:
						if len(b) != 8*want && len(b) != 4*want {
							return rr.errLast(w, "%d bytes, want %d reals of 8 (or 4) bytes", len(b), want)
						}
						continue
					}
					if cap(dst[ind]) < want {
						dst[ind] = make([]float64, want)
					}
					dst[ind] = dst[ind][:want]
					if err := rr.reals(b, want, hv.kind(v), w, dst[ind]); err != nil {
						return err
					}
				}
			}
			dxCode := math.Ldexp(reg.scale, -(l + 1))
			vol := dxCode * dxCode * dxCode
			hsml := sphere * dxCode * reg.lenKpc
			for _, c := range sel[l] {
				r := rho[c.ind][c.i]
				if !(r >= 0) || math.IsInf(r, 0) {
					cg.badRho++
				}
				zc := math.NaN()
				if metal >= 0 {
					zc = z[c.ind][c.i]
					switch {
					case math.IsNaN(zc) || math.IsInf(zc, 0):
						cg.badZ++
					case zc < 0: // advection undershoot of the passive scalar
						cg.negZ++
						zc = 0
					}
				}
				cg.pos = append(cg.pos, c.d)
				cg.mass = append(cg.mass, r*vol*reg.massMsun)
				cg.metal = append(cg.metal, zc)
				cg.hsml = append(cg.hsml, hsml)
			}
		}
	}
	return nil
}
