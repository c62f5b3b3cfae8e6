package ramses

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/galforge/galforge/sims/simstest"
)

// bigOutput writes a cosmological descriptor-format output with nstar stars
// (a Plummer sphere of scale 3 kpc about testCentre, birth times spread
// between a = 0.1 and aexp) and ndm dark-matter particles, over two CPUs.
func bigOutput(tb testing.TB, root string, nstar, ndm int) string {
	in := cosmoInfo()
	o := tOutput{iout: 80, info: in, format: FormatDescriptor, star: true, metal: true, descriptor: true, cpus: make([][]tParticle, 2)}
	lenKpc := in.ul / kpcCm
	massMsun := in.ud * in.ul * in.ul * in.ul / msunG
	velKms := in.ul / in.ut / kmCm
	rng := rand.New(rand.NewPCG(1, 2))
	tauLo, tauHi := testCos.tau(0.1), in.time
	for i := 0; i < nstar+ndm; i++ {
		p := tParticle{id: int64(i + 1), level: 14}
		if i < nstar {
			// Plummer radius: r = b / sqrt(u^(-2/3) − 1).
			u := 0.01 + 0.98*rng.Float64()
			r := 3 / math.Sqrt(math.Pow(u, -2.0/3)-1)
			ct, ph := 2*rng.Float64()-1, 2*math.Pi*rng.Float64()
			st := math.Sqrt(1 - ct*ct)
			d := [3]float64{r * st * math.Cos(ph), r * st * math.Sin(ph), r * ct}
			for k := 0; k < 3; k++ {
				p.pos[k] = (testCentre[k] + d[k]) / lenKpc
				p.vel[k] = (testBulk[k] + 100*rng.NormFloat64()) / velKms
			}
			p.family, p.mass = familyStar, 1e5*(0.5+rng.Float64())/massMsun
			p.birth = tauLo + (tauHi-tauLo)*rng.Float64()
			p.metal = 0.02 * rng.Float64()
		} else {
			p.family, p.mass = 1, 1e7/massMsun
			for k := 0; k < 3; k++ {
				p.pos[k] = in.boxlen * rng.Float64()
			}
		}
		o.cpus[i%2] = append(o.cpus[i%2], p)
	}
	return writeOutput(tb, root, o)
}

// BenchmarkReadRAMSES1e5 reads a generated output of 10⁵ stars and 2·10⁴
// dark-matter particles (two part files of ~6.5 MB in all), including the
// birth-time conversion, centring and truth measurement.
func BenchmarkReadRAMSES1e5(b *testing.B) {
	dir := bigOutput(b, b.TempDir(), 100_000, 20_000)
	var size int64
	for _, n := range []string{"part_00080.out00001", "part_00080.out00002"} {
		st, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			b.Fatal(err)
		}
		size += st.Size()
	}
	g, err := Reader{}.Read(dir, all)
	if err != nil {
		b.Fatal(err)
	}
	simstest.CheckGalaxy(b, g)
	if g.Stars.Len() != 100_000 {
		b.Fatalf("%d stars, want 100000", g.Stars.Len())
	}
	// "shrink" is the default reader; "centre-given" skips the shrinking
	// sphere (sims.ShrinkingSphereCentre), to show the reader's own cost.
	c := testCentre
	for _, bc := range []struct {
		name string
		r    Reader
	}{{"shrink", Reader{}}, {"centre-given", Reader{CentreKpc: &c}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if _, err := bc.r.Read(dir, all); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
