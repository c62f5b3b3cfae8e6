package render

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/galforge/galforge/sims"
)

// View is one orientation of the camera. Dir is the unit vector from the
// galaxy towards the observer (the line of sight, reversed); Up is a unit
// vector perpendicular to Dir that maps to the +y axis of the image. The
// image +x axis is Up × Dir, so that (x, y, Dir) is right-handed and a galaxy
// seen along Dir = +z with Up = +y shows x to the right, y up.
type View struct {
	Name string
	Dir  [3]float64
	Up   [3]float64
}

// Axes returns the image x and y axes and the line of sight (towards the observer).
func (v View) Axes() (ex, ey, ez [3]float64) {
	ez = v.Dir
	ey = v.Up
	ex = cross(ey, ez)
	return
}

// Project returns the image-plane coordinates of p and its depth along Dir
// (larger is nearer the observer).
func (v View) Project(p [3]float64) (x, y, depth float64) {
	ex, ey, ez := v.Axes()
	return dot(p, ex), dot(p, ey), dot(p, ez)
}

// NewView returns the view looking from direction dir (need not be unit) with
// the default up vector: the frame's +z axis (the angular-momentum axis after
// face-on alignment) projected onto the sky, or +y when dir is within 0.1°
// of ±z. It panics if dir is zero.
func NewView(name string, dir [3]float64) View {
	d := unit(dir)
	if math.IsNaN(d[0]) {
		panic("render: NewView: zero direction")
	}
	up := [3]float64{0, 0, 1}
	if math.Abs(d[2]) > math.Cos(0.1*math.Pi/180) {
		up = [3]float64{0, 1, 0}
	}
	return NewViewUp(name, d, up)
}

// NewViewUp returns the view along dir whose image +y is the projection of up
// onto the sky. It panics if up is parallel to dir.
func NewViewUp(name string, dir, up [3]float64) View {
	d := unit(dir)
	u := sub(up, scale(d, dot(up, d)))
	if norm(u) < 1e-12 {
		panic("render: NewViewUp: up parallel to the line of sight")
	}
	return View{Name: name, Dir: d, Up: unit(u)}
}

// ParseViews turns a view-set spec into views:
//
//	fibonacci:N      N directions on a Fibonacci sphere (quasi-uniform, the default with N = 10)
//	random:N         N isotropic random directions, seeded per galaxy and snapshot
//	faceon-edgeon:N  face-on (+z), edge-on (+x), then N−2 random directions
//	axes             the three box axes +x, +y, +z
//	explicit:x,y,z;x,y,z;…  the listed directions (normalised)
//
// Random draws use sims.NewRand(seed, galaxyID, snapshot, 'v').
func ParseViews(spec string, seed uint64, galaxyID int64, snapshot int) ([]View, error) {
	kind, arg, _ := strings.Cut(strings.TrimSpace(spec), ":")
	count := func() (int, error) {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > 10000 {
			return 0, fmt.Errorf("render: views %q: want %s:N with 1 ≤ N ≤ 10000", spec, kind)
		}
		return n, nil
	}
	rng := func() func() [3]float64 {
		r := sims.NewRand(seed, uint64(galaxyID), uint64(snapshot), 'v')
		return func() [3]float64 {
			z := 2*r.Float64() - 1
			ph := 2 * math.Pi * r.Float64()
			s := math.Sqrt(1 - z*z)
			return [3]float64{s * math.Cos(ph), s * math.Sin(ph), z}
		}
	}
	var out []View
	switch kind {
	case "fibonacci":
		n, err := count()
		if err != nil {
			return nil, err
		}
		golden := math.Pi * (3 - math.Sqrt(5))
		for i := 0; i < n; i++ {
			z := 1 - (2*float64(i)+1)/float64(n)
			s := math.Sqrt(1 - z*z)
			ph := golden * float64(i)
			out = append(out, NewView(fmt.Sprintf("fib%02d", i), [3]float64{s * math.Cos(ph), s * math.Sin(ph), z}))
		}
	case "random":
		n, err := count()
		if err != nil {
			return nil, err
		}
		next := rng()
		for i := 0; i < n; i++ {
			out = append(out, NewView(fmt.Sprintf("rnd%02d", i), next()))
		}
	case "faceon-edgeon":
		n, err := count()
		if err != nil {
			return nil, err
		}
		if n < 2 {
			return nil, fmt.Errorf("render: views %q: faceon-edgeon needs N ≥ 2", spec)
		}
		out = append(out, NewView("faceon", [3]float64{0, 0, 1}), NewView("edgeon", [3]float64{1, 0, 0}))
		next := rng()
		for i := 2; i < n; i++ {
			out = append(out, NewView(fmt.Sprintf("rnd%02d", i-2), next()))
		}
	case "axes":
		if arg != "" {
			return nil, fmt.Errorf("render: views %q: axes takes no count", spec)
		}
		out = []View{NewView("x", [3]float64{1, 0, 0}), NewView("y", [3]float64{0, 1, 0}), NewView("z", [3]float64{0, 0, 1})}
	case "explicit":
		for i, s := range strings.Split(arg, ";") {
			f := strings.Split(s, ",")
			if len(f) != 3 {
				return nil, fmt.Errorf("render: views %q: direction %d: want x,y,z", spec, i+1)
			}
			var d [3]float64
			for k := range d {
				v, err := strconv.ParseFloat(strings.TrimSpace(f[k]), 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("render: views %q: direction %d: %q is not a number", spec, i+1, f[k])
				}
				d[k] = v
			}
			if norm(d) == 0 {
				return nil, fmt.Errorf("render: views %q: direction %d is zero", spec, i+1)
			}
			out = append(out, NewView(fmt.Sprintf("v%02d", i), d))
		}
	default:
		return nil, fmt.Errorf("render: unknown view set %q (want fibonacci:N, random:N, faceon-edgeon:N, axes or explicit:x,y,z;…)", spec)
	}
	return out, nil
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
func norm(a [3]float64) float64                { return math.Sqrt(dot(a, a)) }
func scale(a [3]float64, s float64) [3]float64 { return [3]float64{a[0] * s, a[1] * s, a[2] * s} }
func sub(a, b [3]float64) [3]float64           { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func unit(a [3]float64) [3]float64             { return scale(a, 1/norm(a)) }
