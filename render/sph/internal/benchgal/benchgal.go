// Package benchgal builds the particle set of render/sph's benchmarks and of
// the side-by-side yt comparison (bench/yt_projection.py): a sampled
// exponential disc plus Hernquist bulge seen from a Fibonacci set of views,
// with four bands of weights, and writes it as .npy files numpy reads.
package benchgal

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
)

// Parameters of the benchmark galaxy (kpc).
const (
	DiscScaleKpc  = 3.0  // exponential disc scale length
	DiscHeightKpc = 0.3  // exponential vertical scale height
	BulgeScaleKpc = 0.5  // Hernquist bulge scale radius
	BulgeFraction = 0.2  // fraction of particles in the bulge
	CutKpc        = 30.0 // particles beyond this radius (3D) are not drawn
	FieldKpc      = 40.0 // width of the benchmark images
	Bands         = 4
)

// Galaxy returns n particles drawn with the given seed: positions in kpc and
// weights w[i*Bands+b] (per-band light; bulge particles are redder, and a
// per-particle age-like factor varies the light). The same (n, seed) always
// gives the same particles.
func Galaxy(n int, seed uint64) (pos [][3]float64, w []float64) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	pos = make([][3]float64, 0, n)
	w = make([]float64, 0, n*Bands)
	for len(pos) < n {
		var p [3]float64
		bulge := rng.Float64() < BulgeFraction
		if bulge {
			// Hernquist: M(<r)/M = r²/(r+a)², r = a√u/(1−√u).
			su := math.Sqrt(rng.Float64())
			r := BulgeScaleKpc * su / (1 - su)
			ct := 2*rng.Float64() - 1
			st := math.Sqrt(1 - ct*ct)
			ph := 2 * math.Pi * rng.Float64()
			p = [3]float64{r * st * math.Cos(ph), r * st * math.Sin(ph), r * ct}
		} else {
			// Exponential disc: R from the Gamma(2) distribution (sum of
			// two exponentials), z exponential with random sign.
			R := -DiscScaleKpc * math.Log(rng.Float64()*rng.Float64())
			ph := 2 * math.Pi * rng.Float64()
			z := -DiscHeightKpc * math.Log(rng.Float64())
			if rng.Float64() < 0.5 {
				z = -z
			}
			p = [3]float64{R * math.Cos(ph), R * math.Sin(ph), z}
		}
		if p[0]*p[0]+p[1]*p[1]+p[2]*p[2] > CutKpc*CutKpc {
			continue
		}
		pos = append(pos, p)
		age := 0.5 + rng.Float64()
		for b := 0; b < Bands; b++ {
			c := 1.0 - 0.15*float64(b)
			if bulge {
				c = 0.5 + 0.2*float64(b)
			}
			w = append(w, c*age)
		}
	}
	return pos, w
}

// Views returns n rotations, one per view direction on a Fibonacci sphere:
// rows are the image x axis, the image y axis ("north") and the line of
// sight n, right-handed (x = y × n), as yt's off_axis_projection builds them
// from normal_vector = n and north_vector = y.
func Views(n int) [][3][3]float64 {
	out := make([][3][3]float64, n)
	golden := math.Pi * (3 - math.Sqrt(5))
	for v := range out {
		z := 1 - (2*float64(v)+1)/float64(n)
		r := math.Sqrt(1 - z*z)
		phi := golden * float64(v)
		los := [3]float64{r * math.Cos(phi), r * math.Sin(phi), z}
		// North: the galaxy's z axis made orthogonal to the line of sight
		// (or its x axis for a view down the pole).
		up := [3]float64{0, 0, 1}
		if math.Abs(z) > 0.99 {
			up = [3]float64{1, 0, 0}
		}
		d := dot(up, los)
		north := norm([3]float64{up[0] - d*los[0], up[1] - d*los[1], up[2] - d*los[2]})
		east := cross(north, los)
		out[v] = [3][3]float64{east, north, los}
	}
	return out
}

// Rotate writes the image-plane coordinates of pos seen through rotation m.
func Rotate(x, y []float64, pos [][3]float64, m [3][3]float64) {
	for i, p := range pos {
		x[i] = m[0][0]*p[0] + m[0][1]*p[1] + m[0][2]*p[2]
		y[i] = m[1][0]*p[0] + m[1][1]*p[1] + m[1][2]*p[2]
	}
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func norm(a [3]float64) [3]float64 {
	s := math.Sqrt(dot(a, a))
	return [3]float64{a[0] / s, a[1] / s, a[2] / s}
}

// WriteNPY writes a C-ordered float64 array of the given shape to path in
// numpy's .npy format (version 1.0).
func WriteNPY(path string, shape []int, data []float64) error {
	size := 1
	for _, s := range shape {
		size *= s
	}
	if size != len(data) {
		return fmt.Errorf("benchgal: write %q: shape %v holds %d values, have %d", path, shape, size, len(data))
	}
	dims := ""
	for _, s := range shape {
		dims += fmt.Sprintf("%d, ", s)
	}
	if len(shape) > 1 {
		dims = dims[:len(dims)-2]
	}
	hdr := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }", dims)
	// Pad so that magic (6) + version (2) + length (2) + header is a
	// multiple of 64, ending in a newline.
	pad := 64 - (10+len(hdr)+1)%64
	if pad == 64 {
		pad = 0
	}
	for range pad {
		hdr += " "
	}
	hdr += "\n"
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("benchgal: %w", err)
	}
	bw := bufio.NewWriter(f)
	bw.WriteString("\x93NUMPY\x01\x00")
	binary.Write(bw, binary.LittleEndian, uint16(len(hdr)))
	bw.WriteString(hdr)
	buf := make([]byte, 8)
	for _, v := range data {
		binary.LittleEndian.PutUint64(buf, math.Float64bits(v))
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("benchgal: write %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("benchgal: write %q: %w", path, err)
	}
	return nil
}
