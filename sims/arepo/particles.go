package arepo

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/internal/h5"
	"github.com/galforge/galforge/sims"
)

// Dataset names, in order of preference, for each quantity. AREPO/IllustrisTNG
// names come first, then GIZMO/FIRE and EAGLE/GADGET ones.
var (
	namesFormation   = []string{"GFM_StellarFormationTime", "StellarFormationTime", "StarFormationTime"}
	namesInitialMass = []string{"GFM_InitialMass", "InitialMass", "InitialMasses"}
	namesMetallicity = []string{"GFM_Metallicity", "Metallicity", "SmoothedMetallicity"}
	namesHsml        = []string{"SubfindHsml", "SmoothingLength", "StellarHsml", "Hsml"}
)

// raw holds one particle type's data in code units, concatenated over files.
type raw struct {
	pos, vel        [][3]float64
	mass, imass     []float64
	aform, z, hsml  []float64
	sfr, density    []float64
	comp            []uint8
	hasVel, hasHsml bool
}

// readType reads particle type ptype from every file, keeping the selection's
// range (all particles when sel is nil).
func readType(files []string, ptype int, hd header, sel *selection) (raw, error) {
	var out raw
	grp := "PartType" + strconv.Itoa(ptype)
	var base int64 // index of the first particle of the current file
	for fi, path := range files {
		f, err := h5.Open(path)
		if err != nil {
			return out, err
		}
		r, n, err := readFile(f, grp, ptype, hd)
		f.Close()
		if errors.Is(err, errNoType) {
			continue
		}
		if err != nil {
			return out, err
		}
		lo, hi := int64(0), n
		if sel != nil {
			lo = max(sel.off[ptype]-base, 0)
			hi = min(sel.off[ptype]+sel.len[ptype]-base, n)
		}
		if lo < hi {
			appendRange(&out, &r, int(lo), int(hi))
		}
		base += n
		if fi == 0 {
			out.hasVel, out.hasHsml = r.hasVel, r.hasHsml
		}
	}
	if sel != nil && base < sel.off[ptype]+sel.len[ptype] {
		return out, fmt.Errorf("%q: %s has %d particles but the subhalo needs particles %d to %d: group catalogue and snapshot do not match",
			files[0], grp, base, sel.off[ptype], sel.off[ptype]+sel.len[ptype])
	}
	return out, nil
}

var errNoType = errors.New("no particles of this type")

// readFile reads one particle group of one file and returns it with its count.
func readFile(f *h5.File, grp string, ptype int, hd header) (raw, int64, error) {
	var r raw
	if !f.Has(grp) || !f.Has(grp+"/Coordinates") {
		return r, 0, errNoType
	}
	pos, dims, err := f.Float64s(grp + "/Coordinates")
	if err != nil {
		return r, 0, err
	}
	if len(dims) != 2 || dims[1] != 3 {
		return r, 0, fmt.Errorf("%q: %s/Coordinates has shape %v, want (N, 3)", f.Path, grp, dims)
	}
	n := dims[0]
	r.pos = vec3(pos)
	check := func(name string, v []float64, d []int, width int) error {
		if len(d) == 0 || d[0] != n {
			return fmt.Errorf("%q: %s/%s has %v entries, Coordinates has %d", f.Path, grp, name, d, n)
		}
		if width > 0 && (len(d) != 2 || d[1] != width) {
			return fmt.Errorf("%q: %s/%s has shape %v, want (N, %d)", f.Path, grp, name, d, width)
		}
		return nil
	}
	if f.Has(grp + "/Velocities") {
		v, d, err := f.Float64s(grp + "/Velocities")
		if err != nil {
			return r, 0, err
		}
		if err := check("Velocities", v, d, 3); err != nil {
			return r, 0, err
		}
		r.vel, r.hasVel = vec3(v), true
	}
	if f.Has(grp + "/Masses") {
		m, d, err := f.Float64s(grp + "/Masses")
		if err != nil {
			return r, 0, err
		}
		if err := check("Masses", m, d, 0); err != nil {
			return r, 0, err
		}
		r.mass = m
	} else {
		mt, err := f.AttrFloat64s("Header/MassTable")
		if err != nil || len(mt) <= ptype || mt[ptype] <= 0 {
			return r, 0, fmt.Errorf("%q: %s has no Masses dataset and Header/MassTable gives no mass", f.Path, grp)
		}
		r.mass = make([]float64, n)
		for i := range r.mass {
			r.mass[i] = mt[ptype]
		}
	}
	first := func(names []string, width0 bool) ([]float64, string, error) {
		for _, nm := range names {
			if !f.Has(grp + "/" + nm) {
				continue
			}
			v, d, err := f.Float64s(grp + "/" + nm)
			if err != nil {
				return nil, nm, err
			}
			if len(d) == 2 && width0 { // e.g. GIZMO Metallicity (N, 11): column 0 is total Z
				if d[0] != n {
					return nil, nm, check(nm, v, d, 0)
				}
				col := make([]float64, n)
				for i := range col {
					col[i] = v[i*d[1]]
				}
				return col, nm, nil
			}
			if err := check(nm, v, d, 0); err != nil {
				return nil, nm, err
			}
			return v, nm, nil
		}
		return nil, "", nil
	}
	if r.imass, _, err = first(namesInitialMass, false); err != nil {
		return r, 0, err
	}
	if r.z, _, err = first(namesMetallicity, true); err != nil {
		return r, 0, err
	}
	if r.hsml, _, err = first(namesHsml, false); err != nil {
		return r, 0, err
	}
	r.hasHsml = r.hsml != nil
	if ptype == 4 {
		var nm string
		if r.aform, nm, err = first(namesFormation, false); err != nil {
			return r, 0, err
		}
		if r.aform == nil {
			return r, 0, fmt.Errorf("%q: %s has no formation-time dataset (tried %v)", f.Path, grp, namesFormation)
		}
		_ = nm
		if r.z == nil {
			return r, 0, fmt.Errorf("%q: %s has no metallicity dataset (tried %v)", f.Path, grp, namesMetallicity)
		}
		if f.Has(grp + "/GalforgeComponent") {
			c, d, err := f.Int64s(grp + "/GalforgeComponent")
			if err != nil {
				return r, 0, err
			}
			if err := check("GalforgeComponent", nil, d, 0); err != nil {
				return r, 0, err
			}
			r.comp = make([]uint8, n)
			for i, x := range c {
				r.comp[i] = uint8(x)
			}
		}
	} else {
		if f.Has(grp + "/StarFormationRate") {
			if r.sfr, _, err = first([]string{"StarFormationRate"}, false); err != nil {
				return r, 0, err
			}
		}
		if f.Has(grp + "/Density") {
			if r.density, _, err = first([]string{"Density"}, false); err != nil {
				return r, 0, err
			}
		}
	}
	return r, int64(n), nil
}

func vec3(v []float64) [][3]float64 {
	out := make([][3]float64, len(v)/3)
	for i := range out {
		out[i] = [3]float64{v[3*i], v[3*i+1], v[3*i+2]}
	}
	return out
}

func appendRange(dst, src *raw, lo, hi int) {
	dst.pos = append(dst.pos, src.pos[lo:hi]...)
	if src.vel != nil {
		dst.vel = append(dst.vel, src.vel[lo:hi]...)
	}
	dst.mass = append(dst.mass, src.mass[lo:hi]...)
	app := func(d *[]float64, s []float64) {
		if s != nil {
			*d = append(*d, s[lo:hi]...)
		}
	}
	app(&dst.imass, src.imass)
	app(&dst.aform, src.aform)
	app(&dst.z, src.z)
	app(&dst.hsml, src.hsml)
	app(&dst.sfr, src.sfr)
	app(&dst.density, src.density)
	if src.comp != nil {
		dst.comp = append(dst.comp, src.comp[lo:hi]...)
	}
}

// fillStars converts star particles to physical units, drops wind particles
// (formation time ≤ 0) and computes formation times and ages.
func fillStars(g *sims.Galaxy, r raw, hd header, cs cosmo.FlatLCDM) error {
	lk, mk, vk := hd.lengthKpc(), hd.massMsun(), hd.velKms()
	s := &g.Stars
	for i := range r.mass {
		af := r.aform[i]
		if af <= 0 { // wind particle (AREPO) or not a star
			continue
		}
		p := r.pos[i]
		s.PosKpc = append(s.PosKpc, [3]float64{p[0] * lk, p[1] * lk, p[2] * lk})
		if r.vel != nil {
			v := r.vel[i]
			s.VelKms = append(s.VelKms, [3]float64{v[0] * vk, v[1] * vk, v[2] * vk})
		}
		m := r.mass[i] * mk
		s.MassMsun = append(s.MassMsun, m)
		if r.imass != nil {
			s.InitialMassMsun = append(s.InitialMassMsun, r.imass[i]*mk)
		} else {
			s.InitialMassMsun = append(s.InitialMassMsun, m)
		}
		var tf float64
		if hd.comoving {
			if af > hd.a*(1+1e-6) {
				return fmt.Errorf("star %d formed at a = %v, after the snapshot (a = %v)", i, af, hd.a)
			}
			tf = cs.AgeAtScaleFactor(min(af, hd.a))
		} else {
			tf = af * hd.unitL / hd.unitV / cosmo.GyrS
		}
		s.FormationTimeGyr = append(s.FormationTimeGyr, tf)
		s.AgeGyr = append(s.AgeGyr, g.TimeGyr-tf)
		s.Metallicity = append(s.Metallicity, r.z[i])
		if r.hsml != nil {
			s.HsmlKpc = append(s.HsmlKpc, r.hsml[i]*lk)
		}
		if r.comp != nil {
			s.Component = append(s.Component, r.comp[i])
		}
	}
	return nil
}

// fillGas converts gas to physical units. Without a smoothing length, the
// cell radius (3m/4πρ)^{1/3} is used when the density is stored.
func fillGas(r raw, hd header) *sims.Gas {
	lk, mk := hd.lengthKpc(), hd.massMsun()
	g := &sims.Gas{}
	for i := range r.mass {
		p := r.pos[i]
		g.PosKpc = append(g.PosKpc, [3]float64{p[0] * lk, p[1] * lk, p[2] * lk})
		g.MassMsun = append(g.MassMsun, r.mass[i]*mk)
		if r.z != nil {
			g.Metallicity = append(g.Metallicity, r.z[i])
		} else {
			g.Metallicity = append(g.Metallicity, 0)
		}
		switch {
		case r.hsml != nil:
			g.HsmlKpc = append(g.HsmlKpc, r.hsml[i]*lk)
		case r.density != nil && r.density[i] > 0:
			g.HsmlKpc = append(g.HsmlKpc, math.Cbrt(3*r.mass[i]/(4*math.Pi*r.density[i]))*lk)
		}
		if r.sfr != nil {
			g.SFRMsunYr = append(g.SFRMsunYr, r.sfr[i])
		}
	}
	return g
}

// selection is one subhalo's particle ranges and position, in code units.
type selection struct {
	index          int
	off, len       [6]int64
	pos            [3]float64
	vel            [3]float64
	hasPos, hasVel bool
	file           string
}

func (s *selection) describe() string {
	if s == nil {
		return "all particles"
	}
	return fmt.Sprintf("subhalo %d of %q: %d stars from index %d", s.index, s.file, s.len[4], s.off[4])
}

// groupFiles returns the files of a (possibly multi-file) group catalogue.
func groupFiles(path string) ([]string, error) {
	f, err := h5.Open(path)
	if err != nil {
		return nil, err
	}
	n, err := f.AttrFloat64("Header/NumFiles")
	f.Close()
	if err != nil || n <= 1 {
		return []string{path}, nil
	}
	return snapshotFiles(path, int(n))
}

// concat reads dataset name from every file and concatenates the rows.
func concat(files []string, name string, required bool) ([]float64, []int, error) {
	var out []float64
	var dims []int
	for _, p := range files {
		f, err := h5.Open(p)
		if err != nil {
			return nil, nil, err
		}
		if !f.Has(name) {
			f.Close()
			if required && len(files) == 1 {
				return nil, nil, fmt.Errorf("%q: dataset %q: %w", p, name, h5.ErrNotFound)
			}
			continue
		}
		v, d, err := f.Float64s(name)
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		if dims == nil {
			dims = append([]int(nil), d...)
		} else {
			dims[0] += d[0]
		}
		out = append(out, v...)
	}
	if dims == nil && required {
		return nil, nil, fmt.Errorf("%q: dataset %q: %w", files[0], name, h5.ErrNotFound)
	}
	return out, dims, nil
}

// readSelection reads subhalo k's particle ranges from a SUBFIND catalogue.
// Offsets come from Subhalo/SubhaloOffsetType when present; else from the
// group structure (Group/GroupLenType, Group/GroupFirstSub, Subhalo/SubhaloGrNr:
// particles are ordered by group, by subhalo within a group, with the group's
// unbound "fuzz" after its subhaloes); else, for catalogues that hold only
// SubhaloLenType, the subhaloes are taken to be stored contiguously from the
// first particle of the snapshot (true of the CAMELS subset in testdata).
func readSelection(path string, k int) (*selection, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("group catalogue: %w", err)
	}
	files, err := groupFiles(path)
	if err != nil {
		return nil, fmt.Errorf("group catalogue: %w", err)
	}
	lt, d, err := concat(files, "Subhalo/SubhaloLenType", true)
	if err != nil {
		return nil, fmt.Errorf("group catalogue: %w", err)
	}
	if len(d) != 2 || d[1] != 6 {
		return nil, fmt.Errorf("group catalogue %q: Subhalo/SubhaloLenType has shape %v, want (N, 6)", path, d)
	}
	nsub := d[0]
	if k < 0 || k >= nsub {
		return nil, fmt.Errorf("group catalogue %q: subhalo %d out of range: it has %d subhaloes (0 to %d)", path, k, nsub, nsub-1)
	}
	s := &selection{index: k, file: filepath.Base(path)}
	for t := 0; t < 6; t++ {
		s.len[t] = int64(lt[k*6+t])
	}
	if ot, _, err := concat(files, "Subhalo/SubhaloOffsetType", false); err == nil && len(ot) == nsub*6 {
		for t := 0; t < 6; t++ {
			s.off[t] = int64(ot[k*6+t])
		}
	} else {
		glt, gd, _ := concat(files, "Group/GroupLenType", false)
		gfs, _, _ := concat(files, "Group/GroupFirstSub", false)
		grnr, _, _ := concat(files, "Subhalo/SubhaloGrNr", false)
		if glt != nil && gfs != nil && len(grnr) == nsub && len(gd) == 2 && gd[1] == 6 {
			g := int(grnr[k])
			if g < 0 || g >= gd[0] {
				return nil, fmt.Errorf("group catalogue %q: subhalo %d belongs to group %d, outside 0..%d", path, k, g, gd[0]-1)
			}
			for t := 0; t < 6; t++ {
				for j := 0; j < g; j++ {
					s.off[t] += int64(glt[j*6+t])
				}
				for j := int(gfs[g]); j >= 0 && j < k; j++ {
					s.off[t] += int64(lt[j*6+t])
				}
			}
		} else {
			for t := 0; t < 6; t++ {
				for j := 0; j < k; j++ {
					s.off[t] += int64(lt[j*6+t])
				}
			}
		}
	}
	if pos, pd, err := concat(files, "Subhalo/SubhaloPos", false); err == nil && len(pd) == 2 && pd[0] == nsub && pd[1] == 3 {
		s.pos = [3]float64{pos[3*k], pos[3*k+1], pos[3*k+2]}
		s.hasPos = true
	}
	if vel, vd, err := concat(files, "Subhalo/SubhaloVel", false); err == nil && len(vd) == 2 && vd[0] == nsub && vd[1] == 3 {
		s.vel = [3]float64{vel[3*k], vel[3*k+1], vel[3*k+2]}
		s.hasVel = true
	}
	return s, nil
}
