package render

import (
	"errors"
	"math"

	"github.com/galforge/galforge/sims"
)

// Rotation is a 3×3 rotation matrix acting on column vectors: p' = R p.
type Rotation [3][3]float64

// Identity is the rotation that does nothing.
var Identity = Rotation{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}

// Apply returns R p.
func (r Rotation) Apply(p [3]float64) [3]float64 {
	return [3]float64{dot(r[0], p), dot(r[1], p), dot(r[2], p)}
}

// Mul returns the product r·s (s applied first).
func (r Rotation) Mul(s Rotation) Rotation {
	var o Rotation
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			o[i][j] = r[i][0]*s[0][j] + r[i][1]*s[1][j] + r[i][2]*s[2][j]
		}
	}
	return o
}

// AxisAngle returns the rotation by angle (radians, right-handed) about axis.
func AxisAngle(axis [3]float64, angle float64) Rotation {
	k := unit(axis)
	c, s := math.Cos(angle), math.Sin(angle)
	t := 1 - c
	return Rotation{
		{c + k[0]*k[0]*t, k[0]*k[1]*t - k[2]*s, k[0]*k[2]*t + k[1]*s},
		{k[1]*k[0]*t + k[2]*s, c + k[1]*k[1]*t, k[1]*k[2]*t - k[0]*s},
		{k[2]*k[0]*t - k[1]*s, k[2]*k[1]*t + k[0]*s, c + k[2]*k[2]*t},
	}
}

// RotationTo returns the smallest rotation taking unit vector a onto b.
func RotationTo(a, b [3]float64) Rotation {
	a, b = unit(a), unit(b)
	c := dot(a, b)
	ax := cross(a, b)
	if norm(ax) < 1e-12 {
		if c > 0 {
			return Identity
		}
		// Antiparallel: half a turn about any axis perpendicular to a.
		perp := cross(a, [3]float64{1, 0, 0})
		if norm(perp) < 1e-6 {
			perp = cross(a, [3]float64{0, 1, 0})
		}
		return AxisAngle(perp, math.Pi)
	}
	return AxisAngle(ax, math.Atan2(norm(ax), c))
}

// ErrNoVelocities is returned by FaceOnRotation for galaxies without velocities.
var ErrNoVelocities = errors.New("render: face-on alignment needs stellar velocities; the snapshot has none (set render.align: none)")

// AngularMomentum returns the total angular momentum (M☉ kpc km/s) of the
// stars within rKpc of the origin, about the origin, with velocities taken
// relative to those stars' mass-weighted mean velocity.
func AngularMomentum(g *sims.Galaxy, rKpc float64) ([3]float64, error) {
	s := &g.Stars
	if len(s.VelKms) != s.Len() || s.Len() == 0 {
		return [3]float64{}, ErrNoVelocities
	}
	var vm [3]float64
	var m float64
	r2 := rKpc * rKpc
	for i, p := range s.PosKpc {
		if dot(p, p) <= r2 {
			for k := 0; k < 3; k++ {
				vm[k] += s.MassMsun[i] * s.VelKms[i][k]
			}
			m += s.MassMsun[i]
		}
	}
	if m == 0 {
		return [3]float64{}, errors.New("render: no stars within the alignment radius")
	}
	vm = scale(vm, 1/m)
	var l [3]float64
	for i, p := range s.PosKpc {
		if dot(p, p) <= r2 {
			l = add(l, scale(cross(p, sub(s.VelKms[i], vm)), s.MassMsun[i]))
		}
	}
	return l, nil
}

// FaceOnRotation returns the rotation that takes the stellar angular momentum
// within rKpc onto +z, so that the view along +z is face-on and along +x edge-on.
func FaceOnRotation(g *sims.Galaxy, rKpc float64) (Rotation, error) {
	l, err := AngularMomentum(g, rKpc)
	if err != nil {
		return Identity, err
	}
	if norm(l) == 0 {
		return Identity, errors.New("render: zero angular momentum: cannot define face-on")
	}
	return RotationTo(l, [3]float64{0, 0, 1}), nil
}

// Rotated returns a copy of g with positions and velocities of stars and gas
// rotated by r. The original is unchanged.
func Rotated(g *sims.Galaxy, r Rotation) *sims.Galaxy {
	out := *g
	s := g.Stars
	out.Stars = s
	out.Stars.PosKpc = make([][3]float64, len(s.PosKpc))
	for i, p := range s.PosKpc {
		out.Stars.PosKpc[i] = r.Apply(p)
	}
	if s.VelKms != nil {
		out.Stars.VelKms = make([][3]float64, len(s.VelKms))
		for i, v := range s.VelKms {
			out.Stars.VelKms[i] = r.Apply(v)
		}
	}
	if g.Gas != nil {
		gas := *g.Gas
		gas.PosKpc = make([][3]float64, len(g.Gas.PosKpc))
		for i, p := range g.Gas.PosKpc {
			gas.PosKpc[i] = r.Apply(p)
		}
		out.Gas = &gas
	}
	return &out
}

func add(a, b [3]float64) [3]float64 { return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
