package conv

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// RealFFT2 is a two-dimensional real-to-complex discrete Fourier transform of
// an Nx×Ny image stored row-major (x fastest, index y*Nx+x). Its half-plane
// spectrum has Ny rows of Nx/2+1 complex values (index ky*(Nx/2+1)+kx), with
// the sign convention X[k] = Σ x[j] exp(-2πi jk/N) in each axis.
//
// A RealFFT2 holds scratch space and must not be used by several goroutines
// at once.
type RealFFT2 struct {
	nx, ny, nkx int
	row         *fourier.FFT
	col         *fourier.CmplxFFT
	rowBuf      []float64
	colBuf      []complex128
	// Inverse transforms of many columns (rows) at once, when Nx is even
	// and both sizes have only the factors 2 and 3 (see vecFFT); nil
	// otherwise.
	colInv, rowInv *vecFFT
	rowTw          []complex128 // e^{2πik/Nx}, k < Nx/2
	work, z, z2    []complex128
}

// NewRealFFT2 returns a RealFFT2 for nx×ny images. nx and ny must be
// positive, otherwise NewRealFFT2 panics. Sizes whose prime factors are 2, 3
// and 5 are fastest.
func NewRealFFT2(nx, ny int) *RealFFT2 {
	if nx <= 0 || ny <= 0 {
		panic(fmt.Sprintf("conv: bad FFT size %d×%d", nx, ny))
	}
	f := &RealFFT2{
		nx: nx, ny: ny, nkx: nx/2 + 1,
		row:    fourier.NewFFT(nx),
		col:    fourier.NewCmplxFFT(ny),
		rowBuf: make([]float64, nx),
		colBuf: make([]complex128, ny),
	}
	if nx%2 == 0 && vecFFTOK(nx) && vecFFTOK(ny) {
		f.colInv = newVecFFT(ny, 1)
		f.rowInv = newVecFFT(nx/2, 1)
		f.rowTw = make([]complex128, nx/2)
		for k := range f.rowTw {
			s, c := math.Sincos(2 * math.Pi * float64(k) / float64(nx))
			f.rowTw[k] = complex(c, s)
		}
	}
	return f
}

// Size returns the image size Nx, Ny.
func (f *RealFFT2) Size() (nx, ny int) { return f.nx, f.ny }

// SpectrumLen returns the length of the half-plane spectrum, Ny*(Nx/2+1).
func (f *RealFFT2) SpectrumLen() int { return f.ny * f.nkx }

// Forward computes the unnormalised spectrum of src (length Nx*Ny) into dst
// (length SpectrumLen). It panics if the lengths are wrong.
func (f *RealFFT2) Forward(dst []complex128, src []float64) {
	if len(src) != f.nx*f.ny || len(dst) != f.ny*f.nkx {
		panic("conv: RealFFT2.Forward: length mismatch")
	}
	for y := 0; y < f.ny; y++ {
		f.row.Coefficients(dst[y*f.nkx:(y+1)*f.nkx], src[y*f.nx:(y+1)*f.nx])
	}
	f.columns(dst, true)
}

// Inverse computes the image whose spectrum is src (unnormalised inverse:
// Inverse(Forward(x)) = Nx*Ny*x) into dst (length Nx*Ny). src is overwritten.
func (f *RealFFT2) Inverse(dst []float64, src []complex128) {
	f.InverseWindow(dst, f.nx, f.nx, f.ny, src)
}

// InverseWindow is Inverse restricted to the window x < wx, y < wy of the
// output, which is written into dst with row stride wx (len(dst) ≥ wx*wy).
// Rows y ≥ wy are not computed, which saves part of the row transforms. src
// is overwritten. wx, wy must not exceed Nx, Ny and stride must equal wx.
func (f *RealFFT2) InverseWindow(dst []float64, wx, stride, wy int, src []complex128) {
	if len(src) != f.ny*f.nkx || wx > f.nx || wy > f.ny || stride < wx || len(dst) < stride*(wy-1)+wx {
		panic("conv: RealFFT2.InverseWindow: length mismatch")
	}
	if f.colInv != nil {
		f.inverseVec(dst, wx, stride, wy, src)
		return
	}
	f.columns(src, false)
	for y := 0; y < wy; y++ {
		f.row.Sequence(f.rowBuf, src[y*f.nkx:(y+1)*f.nkx])
		copy(dst[y*stride:y*stride+wx], f.rowBuf[:wx])
	}
}

// inverseVec is InverseWindow by vecFFT: all columns at once, then the rows
// y < wy at once, each real row of length Nx as a complex sequence of length
// Nx/2 (even samples in the real part, odd in the imaginary part). As in
// gonum's real transform, the imaginary parts of the kx = 0 and kx = Nx/2
// coefficients are ignored.
func (f *RealFFT2) inverseVec(dst []float64, wx, stride, wy int, src []complex128) {
	if len(f.work) < len(src) {
		f.work = make([]complex128, len(src))
	}
	col := f.colInv.transform(src, f.work, f.nkx)
	m := f.nx / 2
	if len(f.z) < m*wy {
		f.z = make([]complex128, m*wy)
		f.z2 = make([]complex128, m*wy)
	}
	z := f.z[:m*wy]
	for y := 0; y < wy; y++ {
		x := col[y*f.nkx : (y+1)*f.nkx]
		// Z[k] = (X[k] + X̄[m−k]) + i e^{2πik/Nx} (X[k] − X̄[m−k]).
		x0, xm := real(x[0]), real(x[m])
		z[y] = complex(x0+xm, x0-xm)
		for k := 1; k < m; k++ {
			a, b := x[k], x[m-k]
			bc := complex(real(b), -imag(b))
			e, o := a+bc, (a-bc)*f.rowTw[k]
			z[k*wy+y] = e + complex(-imag(o), real(o))
		}
	}
	out := f.rowInv.transform(z, f.z2, wy)
	for y := 0; y < wy; y++ {
		d := dst[y*stride : y*stride+wx]
		for t := 0; 2*t < wx; t++ {
			v := out[t*wy+y]
			d[2*t] = real(v)
			if 2*t+1 < wx {
				d[2*t+1] = imag(v)
			}
		}
	}
}

// columns transforms every column of the half-plane spectrum in place.
func (f *RealFFT2) columns(spec []complex128, forward bool) {
	buf := f.colBuf
	for kx := 0; kx < f.nkx; kx++ {
		for y := range buf {
			buf[y] = spec[y*f.nkx+kx]
		}
		if forward {
			f.col.Coefficients(buf, buf)
		} else {
			f.col.Sequence(buf, buf)
		}
		for y, v := range buf {
			spec[y*f.nkx+kx] = v
		}
	}
}

// GoodSize returns the smallest integer ≥ n whose only prime factors are 2,
// 3 and 5.
func GoodSize(n int) int {
	if n < 1 {
		return 1
	}
	for m := n; ; m++ {
		k := m
		for _, p := range []int{2, 3, 5} {
			for k%p == 0 {
				k /= p
			}
		}
		if k == 1 {
			return m
		}
	}
}
