package ramses

import (
	"fmt"
	"math"

	"github.com/galforge/galforge/sims"
)

// centre moves the origin of g to the galaxy centre, keeps the stars within
// RadiusKpc of it (when set) and subtracts the bulk velocity. boxKpc > 0 is
// the periodic box size: positions are then wrapped to the nearest image of
// Reader.CentreKpc. It returns a description of the centring for
// Galaxy.Source.
func (r Reader) centre(g *sims.Galaxy, opt sims.ReadOptions, boxKpc float64) (string, error) {
	s := &g.Stars
	var desc string
	if r.CentreKpc != nil {
		start := *r.CentreKpc
		g.Recentre(start)
		if boxKpc > 0 {
			for i := range s.PosKpc {
				for k := 0; k < 3; k++ {
					s.PosKpc[i][k] -= boxKpc * math.Round(s.PosKpc[i][k]/boxKpc)
				}
			}
		}
		if opt.Centre == sims.CentreShrink {
			c := sims.ShrinkingSphereCentre(s.PosKpc, s.MassMsun, [3]float64{}, r.RadiusKpc, 0)
			g.Recentre(c)
			desc = fmt.Sprintf("shrinking sphere from Reader.CentreKpc (%.6g, %.6g, %.6g) kpc", start[0], start[1], start[2])
		} else {
			desc = "Reader.CentreKpc"
		}
	} else {
		c := sims.ShrinkingSphereCentre(s.PosKpc, s.MassMsun, [3]float64{}, 0, 0)
		g.Recentre(c)
		desc = "shrinking sphere of all stars"
	}
	if boxKpc > 0 {
		for k := 0; k < 3; k++ {
			g.CentreKpc[k] -= boxKpc * math.Floor(g.CentreKpc[k]/boxKpc)
		}
	}
	c := g.CentreKpc
	desc += fmt.Sprintf(" at (%.6g, %.6g, %.6g) kpc", c[0], c[1], c[2])

	if R := r.RadiusKpc; R > 0 {
		n := s.Len()
		*g = *g.Select(func(i int) bool { return norm(s.PosKpc[i]) <= R })
		if g.Stars.Len() == 0 {
			return "", fmt.Errorf("none of the %d stars lies within Reader.RadiusKpc = %g kpc of the centre (%.6g, %.6g, %.6g) kpc", n, R, c[0], c[1], c[2])
		}
		desc += fmt.Sprintf(", stars within %g kpc", R)
	}

	// Bulk velocity: mass-weighted mean velocity of the stars within the
	// radius (all stars if none lies within it).
	s = &g.Stars
	rb := r.RadiusKpc
	if rb == 0 {
		rb = DefaultBulkRadiusKpc
	}
	v, ok := meanVelocity(s, rb)
	if !ok {
		v, _ = meanVelocity(s, math.Inf(1))
	}
	for i := range s.VelKms {
		for k := 0; k < 3; k++ {
			s.VelKms[i][k] -= v[k]
		}
	}
	g.BulkVelKms = v
	return desc, nil
}

// meanVelocity returns the mass-weighted mean velocity of the stars within
// radius kpc of the origin; ok is false when they have no mass.
func meanVelocity(s *sims.Stars, radius float64) (v [3]float64, ok bool) {
	var m float64
	for i, p := range s.PosKpc {
		if norm(p) > radius {
			continue
		}
		w := s.MassMsun[i]
		for k := 0; k < 3; k++ {
			v[k] += w * s.VelKms[i][k]
		}
		m += w
	}
	if !(m > 0) {
		return [3]float64{}, false
	}
	for k := range v {
		v[k] /= m
	}
	return v, true
}

func norm(p [3]float64) float64 { return math.Sqrt(p[0]*p[0] + p[1]*p[1] + p[2]*p[2]) }
