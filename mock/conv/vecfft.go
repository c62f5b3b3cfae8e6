package conv

import "math"

// vecFFT is a complex discrete Fourier transform of length n applied to
// many sequences at once: the data hold n blocks of L complex values, and
// element l of every block is one sequence (block b, element l at index
// b*L+l). Transforming all columns of an image this way keeps every inner
// loop contiguous in memory, which is several times faster than gathering
// each column (gonum's fftpack, one sequence at a time).
//
// It is a Stockham autosort transform (decimation in frequency, no
// bit-reversal pass) with radix-4 passes and one radix-2 or radix-3 pass
// per remaining factor; n must have no prime factor other than 2 and 3
// (sizes with a factor 5 stay with gonum: measured no faster this way).
type vecFFT struct {
	n      int
	sign   float64 // +1: X[k] = Σ x[j] e^{+2πijk/n} (inverse); −1: forward
	stages []vecStage
}

// vecStage is one pass: radix r on sub-sequences of length m·r, with
// tw[p*(r−1)+k−1] = e^{sign·2πi pk/(m·r)} for p < m, 1 ≤ k < r.
type vecStage struct {
	r, m int
	tw   []complex128
}

// newVecFFT returns the transform of length n with the given sign of the
// exponent. It panics if n has a prime factor other than 2 and 3.
func newVecFFT(n int, sign float64) *vecFFT {
	f := &vecFFT{n: n, sign: sign}
	var radices []int
	k := n
	for k%4 == 0 {
		radices = append(radices, 4)
		k /= 4
	}
	for _, r := range []int{2, 3} {
		for k%r == 0 {
			radices = append(radices, r)
			k /= r
		}
	}
	if k != 1 {
		panic("conv: vecFFT: size with a prime factor other than 2 and 3")
	}
	cur := n
	for _, r := range radices {
		m := cur / r
		st := vecStage{r: r, m: m, tw: make([]complex128, m*(r-1))}
		for p := 0; p < m; p++ {
			for k := 1; k < r; k++ {
				s, c := math.Sincos(sign * 2 * math.Pi * float64(p*k) / float64(cur))
				st.tw[p*(r-1)+k-1] = complex(c, s)
			}
		}
		f.stages = append(f.stages, st)
		cur = m
	}
	return f
}

// vecFFTOK reports whether newVecFFT accepts n.
func vecFFTOK(n int) bool {
	if n < 1 {
		return false
	}
	for _, r := range []int{2, 3} {
		for n%r == 0 {
			n /= r
		}
	}
	return n == 1
}

// transform transforms the n blocks of L values in x, using y (same length)
// as scratch, and returns the one of x and y that holds the result.
func (f *vecFFT) transform(x, y []complex128, L int) []complex128 {
	x, y = x[:f.n*L], y[:f.n*L]
	s := L // stride of the sub-sequences, in complex values
	for _, st := range f.stages {
		switch st.r {
		case 4:
			f.pass4(x, y, st, s)
		case 2:
			pass2(x, y, st, s)
		default:
			f.pass3(x, y, st, s)
		}
		x, y = y, x
		s *= st.r
	}
	return x
}

// pass2 is a radix-2 pass: y[q+s(2p+k)] = w^{pk} Σ_j x[q+s(p+jm)] (−1)^{jk}.
func pass2(x, y []complex128, st vecStage, s int) {
	m := st.m
	for p := 0; p < m; p++ {
		w := st.tw[p]
		a := x[s*p : s*p+s]
		b := x[s*(p+m) : s*(p+m)+s]
		y0 := y[s*2*p : s*2*p+s]
		y1 := y[s*(2*p+1) : s*(2*p+1)+s]
		if p == 0 {
			for q := range a {
				u, v := a[q], b[q]
				y0[q], y1[q] = u+v, u-v
			}
			continue
		}
		for q := range a {
			u, v := a[q], b[q]
			y0[q], y1[q] = u+v, (u-v)*w
		}
	}
}

// pass4 is a radix-4 pass.
func (f *vecFFT) pass4(x, y []complex128, st vecStage, s int) {
	m := st.m
	// j·i^{±1}: the sign of the exponent picks the rotation.
	for p := 0; p < m; p++ {
		w1, w2, w3 := st.tw[3*p], st.tw[3*p+1], st.tw[3*p+2]
		a := x[s*p : s*p+s]
		b := x[s*(p+m) : s*(p+m)+s]
		c := x[s*(p+2*m) : s*(p+2*m)+s]
		d := x[s*(p+3*m) : s*(p+3*m)+s]
		o := y[s*4*p : s*4*p+4*s]
		y0, y1, y2, y3 := o[:s], o[s:2*s], o[2*s:3*s], o[3*s:4*s]
		if f.sign > 0 {
			if p == 0 {
				for q := range a {
					apc, amc := a[q]+c[q], a[q]-c[q]
					bpd, bmd := b[q]+d[q], b[q]-d[q]
					jbmd := complex(-imag(bmd), real(bmd)) // i(b−d)
					y0[q], y1[q], y2[q], y3[q] = apc+bpd, amc+jbmd, apc-bpd, amc-jbmd
				}
				continue
			}
			for q := range a {
				apc, amc := a[q]+c[q], a[q]-c[q]
				bpd, bmd := b[q]+d[q], b[q]-d[q]
				jbmd := complex(-imag(bmd), real(bmd))
				y0[q], y1[q], y2[q], y3[q] = apc+bpd, (amc+jbmd)*w1, (apc-bpd)*w2, (amc-jbmd)*w3
			}
			continue
		}
		if p == 0 {
			for q := range a {
				apc, amc := a[q]+c[q], a[q]-c[q]
				bpd, bmd := b[q]+d[q], b[q]-d[q]
				jbmd := complex(-imag(bmd), real(bmd))
				y0[q], y1[q], y2[q], y3[q] = apc+bpd, amc-jbmd, apc-bpd, amc+jbmd
			}
			continue
		}
		for q := range a {
			apc, amc := a[q]+c[q], a[q]-c[q]
			bpd, bmd := b[q]+d[q], b[q]-d[q]
			jbmd := complex(-imag(bmd), real(bmd))
			y0[q], y1[q], y2[q], y3[q] = apc+bpd, (amc-jbmd)*w1, (apc-bpd)*w2, (amc+jbmd)*w3
		}
	}
}

// pass3 is a radix-3 pass.
func (f *vecFFT) pass3(x, y []complex128, st vecStage, s int) {
	m := st.m
	h := f.sign * math.Sqrt(3) / 2 // Im e^{±2πi/3}
	for p := 0; p < m; p++ {
		w1, w2 := st.tw[2*p], st.tw[2*p+1]
		a := x[s*p : s*p+s]
		b := x[s*(p+m) : s*(p+m)+s]
		c := x[s*(p+2*m) : s*(p+2*m)+s]
		o := y[s*3*p : s*3*p+3*s]
		y0, y1, y2 := o[:s], o[s:2*s], o[2*s:3*s]
		for q := range a {
			bpc, bmc := b[q]+c[q], b[q]-c[q]
			t := a[q] - bpc*0.5
			u := complex(-h*imag(bmc), h*real(bmc))
			y0[q], y1[q], y2[q] = a[q]+bpc, (t+u)*w1, (t-u)*w2
		}
	}
}
