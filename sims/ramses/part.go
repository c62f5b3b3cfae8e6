package ramses

import (
	"fmt"
	"math"
	"path/filepath"
)

// cpuStars holds the star particles of one part file, in code units.
type cpuStars struct {
	file     string
	pos, vel [][3]float64
	mass     []float64
	mass0    []float64 // nil when the file has no initial_mass field
	birth    []float64
	metal    []float64 // nil when the file has no metallicity field
	npart    int
	// Counts of unusable values, reported with the file name.
	badPos, badVel, badMass int
}

// partData holds the decoded per-particle fields of one file.
type partData struct {
	pos, vel                  [3][]float64
	mass, mass0, birth, metal []float64
	family, id                []int64
	havePos, haveVel          [3]bool
	haveMass                  bool
}

// readPart reads one part_NNNNN.outCCCCC file (pm/output_part.f90,
// backup_part) and returns its star particles. ncpu and ndim are those of the
// info file; descPath names the descriptor for messages.
func readPart(path string, lay layout, ncpu, ndim int, descPath string) (*cpuStars, error) {
	rr, f, err := openRecords(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	// Header: ncpu, ndim, npart, localseed, nstar_tot, mstar_tot, mstar_lost,
	// nsink (and, in some 2013–2016 versions, nindsink).
	ncpuF, err := rr.readInt("ncpu")
	if err != nil {
		return nil, err
	}
	if int(ncpuF) != ncpu {
		return nil, rr.errLast("ncpu", "file says ncpu = %d, the info file says %d", ncpuF, ncpu)
	}
	ndimF, err := rr.readInt("ndim")
	if err != nil {
		return nil, err
	}
	if int(ndimF) != ndim {
		return nil, rr.errLast("ndim", "file says ndim = %d, the info file says %d", ndimF, ndim)
	}
	np, err := rr.readInt("npart")
	if err != nil {
		return nil, err
	}
	if np < 0 || np*12 > rr.size {
		return nil, rr.errLast("npart", "%d particles cannot fit in the %d-byte file: truncated file or corrupt header", np, rr.size)
	}
	n := int(np)
	if b, err := rr.want("localseed"); err != nil {
		return nil, err
	} else if len(b)%4 != 0 {
		return nil, rr.errLast("localseed", "%d bytes, want 4-byte integers", len(b))
	}
	if _, err := rr.readInt("nstar_tot"); err != nil {
		return nil, err
	}
	if _, err := rr.readFloat64("mstar_tot"); err != nil {
		return nil, err
	}
	if _, err := rr.readFloat64("mstar_lost"); err != nil {
		return nil, err
	}
	if _, err := rr.readInt("nsink"); err != nil {
		return nil, err
	}
	if l, ok, err := rr.peekLen("nindsink or first particle record"); err != nil {
		return nil, err
	} else if ok && l == 4 && 8*n != 4 {
		if _, err := rr.next("nindsink"); err != nil {
			return nil, err
		}
	}

	var d partData
	if lay.fields != nil {
		for _, fd := range lay.fields {
			b, err := rr.want(fd.name)
			if err != nil {
				return nil, fmt.Errorf("%w (the %s lists %d variables)", err, lay.source, len(lay.fields))
			}
			if err := d.store(rr, fd, b, n); err != nil {
				return nil, err
			}
		}
		for i, name := range []string{fPosX, fPosY, fPosZ} {
			if !d.havePos[i] {
				return nil, fmt.Errorf("%s: the %s has no %s variable", path, lay.source, name)
			}
		}
		for i, name := range []string{fVelX, fVelY, fVelZ} {
			if !d.haveVel[i] {
				return nil, fmt.Errorf("%s: the %s has no %s variable", path, lay.source, name)
			}
		}
		if !d.haveMass {
			return nil, fmt.Errorf("%s: the %s has no %s variable", path, lay.source, fMass)
		}
	} else {
		if err := d.readFixed(rr, n, descPath); err != nil {
			return nil, err
		}
	}

	// Select the stars.
	isStar := func(i int) bool { return false }
	switch {
	case d.family != nil:
		isStar = func(i int) bool { return d.family[i] == familyStar }
	case d.birth != nil:
		// Old format: dark matter has birth time 0; sink cloud particles
		// carry the sink's birth time and a negative identity.
		isStar = func(i int) bool { return d.birth[i] != 0 && (d.id == nil || d.id[i] > 0) }
	}
	ns := 0
	for i := 0; i < n; i++ {
		if isStar(i) {
			ns++
		}
	}
	if ns > 0 && d.birth == nil {
		return nil, fmt.Errorf("%s: %d particles of the star family but no %s variable (%s)", path, ns, fBirth, lay.source)
	}
	cs := &cpuStars{
		file: path, npart: n,
		pos: make([][3]float64, 0, ns), vel: make([][3]float64, 0, ns),
		mass: make([]float64, 0, ns), birth: make([]float64, 0, ns),
	}
	if d.mass0 != nil {
		cs.mass0 = make([]float64, 0, ns)
	}
	if d.metal != nil {
		cs.metal = make([]float64, 0, ns)
	}
	for i := 0; i < n; i++ {
		if !isStar(i) {
			continue
		}
		p := [3]float64{d.pos[0][i], d.pos[1][i], d.pos[2][i]}
		v := [3]float64{d.vel[0][i], d.vel[1][i], d.vel[2][i]}
		if !finite3(p) {
			cs.badPos++
		}
		if !finite3(v) {
			cs.badVel++
		}
		m := d.mass[i]
		if !(m >= 0) || math.IsInf(m, 0) {
			cs.badMass++
		}
		cs.pos = append(cs.pos, p)
		cs.vel = append(cs.vel, v)
		cs.mass = append(cs.mass, m)
		cs.birth = append(cs.birth, d.birth[i])
		if d.mass0 != nil {
			m0 := d.mass0[i]
			if !(m0 >= 0) || math.IsInf(m0, 0) {
				cs.badMass++
			}
			cs.mass0 = append(cs.mass0, m0)
		}
		if d.metal != nil {
			cs.metal = append(cs.metal, d.metal[i])
		}
	}
	return cs, nil
}

// readFixed reads the old fixed layout (RAMSES before the descriptor files,
// e.g. Horizon-AGN): x, y, z, vx, vy, vz, mass (real64), identity (int32, or
// int64 when compiled with LONGINT: taken from the record length), level
// (int32), then, when star formation was on, birth time and, when metals
// were on, metallicity (real64). Records after these (sink properties,
// extra fields) are ignored.
func (d *partData) readFixed(rr *recordReader, n int, descPath string) error {
	for _, fd := range []field{
		{fPosX, 'd'}, {fPosY, 'd'}, {fPosZ, 'd'},
		{fVelX, 'd'}, {fVelY, 'd'}, {fVelZ, 'd'},
		{fMass, 'd'}, {fIdentity, kindAnyInt}, {fLevel, 'i'},
	} {
		b, err := rr.want(fd.name)
		if err != nil {
			return err
		}
		if err := d.store(rr, fd, b, n); err != nil {
			return err
		}
	}
	l, ok, err := rr.peekLen(fBirth)
	if err != nil || !ok || n == 0 {
		return err
	}
	if l == n {
		return rr.errf("after levelp", "%d bytes, one per particle: this looks like the family/tag record of the new format, whose %s is missing (or pass Format: %q)",
			l, filepath.Base(descPath), FormatDescriptor)
	}
	if l != 8*n {
		return nil // no birth times: star formation was off
	}
	for _, name := range []string{fBirth, fMetal} {
		l, ok, err := rr.peekLen(name)
		if err != nil || !ok || l != 8*n {
			return err
		}
		b, err := rr.want(name)
		if err != nil {
			return err
		}
		if err := d.store(rr, field{name, 'd'}, b, n); err != nil {
			return err
		}
	}
	return nil
}

// store checks the length of record b (field fd, n particles) and keeps the
// fields this package uses.
func (d *partData) store(rr *recordReader, fd field, b []byte, n int) error {
	k := fd.kind
	if k == kindAnyInt {
		switch {
		case len(b) == 8*n:
			k = 'q'
		default:
			k = 'i'
		}
	}
	size := kindSize(k)
	if len(b) != n*size {
		return rr.errLast(fd.name, "%d bytes, want %d (npart = %d values of type %c, %d bytes each): the record does not match the declared variables",
			len(b), n*size, n, k, size)
	}
	floatField := func(dst *[]float64) error {
		if k != 'd' && k != 'f' {
			return rr.errLast(fd.name, "type %c, want a real (d or f)", k)
		}
		*dst = make([]float64, n)
		rr.decodeFloat(b, k, *dst)
		return nil
	}
	switch fd.name {
	case fPosX, fPosY, fPosZ:
		i := int(fd.name[len(fd.name)-1] - 'x')
		d.havePos[i] = true
		return floatField(&d.pos[i])
	case fVelX, fVelY, fVelZ:
		i := int(fd.name[len(fd.name)-1] - 'x')
		d.haveVel[i] = true
		return floatField(&d.vel[i])
	case fMass:
		d.haveMass = true
		return floatField(&d.mass)
	case fInitMass:
		return floatField(&d.mass0)
	case fBirth:
		return floatField(&d.birth)
	case fMetal:
		return floatField(&d.metal)
	case fFamily:
		d.family = make([]int64, n)
		rr.decodeInt(b, k, d.family)
	case fIdentity:
		d.id = make([]int64, n)
		rr.decodeInt(b, k, d.id)
	}
	return nil
}

func finite3(p [3]float64) bool {
	for _, x := range p {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
