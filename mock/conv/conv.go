package conv

import "fmt"

// Convolver convolves Nx×Ny images by a fixed kernel with FFTs. The result
// has the size of the image ("same" mode) and is the linear, not circular,
// convolution: the image is zero-padded to at least (Nx+Kx-1)×(Ny+Ky-1)
// pixels, rounded up to a size with prime factors 2, 3 and 5, so no light
// wraps around.
//
// The kernel centre is pixel (Kx/2, Ky/2) (0-indexed, integer division): the
// middle pixel for odd sizes and the pixel just above and right of the middle
// for even sizes, as in scipy.signal.fftconvolve(mode="same") and GalSim. A
// kernel that is a single 1 at its centre leaves images unchanged.
//
// A Convolver caches the kernel's transform and scratch buffers; it must not
// be used by several goroutines at once (build one per worker, or Clone it).
type Convolver struct {
	nx, ny, kx, ky int
	px, py         int // padded size
	fft            *RealFFT2
	kernel         []complex128 // kernel spectrum / (px*py)
	pad            []float64
	spec           []complex128
	out            []float64
}

// NewConvolver returns a Convolver for nx×ny images and the kx×ky kernel
// (row-major, x fastest). It returns an error if a size is not positive or
// len(kernel) != kx*ky.
func NewConvolver(nx, ny int, kernel []float64, kx, ky int) (*Convolver, error) {
	if nx <= 0 || ny <= 0 || kx <= 0 || ky <= 0 {
		return nil, fmt.Errorf("conv: bad sizes: image %d×%d, kernel %d×%d", nx, ny, kx, ky)
	}
	if len(kernel) != kx*ky {
		return nil, fmt.Errorf("conv: kernel has %d values, want %d×%d", len(kernel), kx, ky)
	}
	c := &Convolver{nx: nx, ny: ny, kx: kx, ky: ky}
	c.px = GoodSize(nx + kx - 1)
	c.py = GoodSize(ny + ky - 1)
	c.fft = NewRealFFT2(c.px, c.py)
	c.pad = make([]float64, c.px*c.py)
	c.spec = make([]complex128, c.fft.SpectrumLen())
	c.kernel = make([]complex128, c.fft.SpectrumLen())
	// Place the kernel with its centre at the origin, wrapping negative
	// offsets to the far end of the padded array.
	cx, cy := kx/2, ky/2
	for j := 0; j < ky; j++ {
		yy := (j - cy + c.py) % c.py
		for i := 0; i < kx; i++ {
			xx := (i - cx + c.px) % c.px
			c.pad[yy*c.px+xx] += kernel[j*kx+i]
		}
	}
	c.fft.Forward(c.kernel, c.pad)
	norm := 1 / float64(c.px*c.py)
	for i := range c.kernel {
		c.kernel[i] *= complex(norm, 0)
	}
	return c, nil
}

// Clone returns a Convolver sharing c's kernel transform with its own scratch
// space, for use in another goroutine.
func (c *Convolver) Clone() *Convolver {
	d := *c
	d.fft = NewRealFFT2(c.px, c.py)
	d.pad = make([]float64, len(c.pad))
	d.spec = make([]complex128, len(c.spec))
	return &d
}

// PaddedSize returns the FFT size used.
func (c *Convolver) PaddedSize() (px, py int) { return c.px, c.py }

// ConvolveTo writes the convolution of src by the kernel into dst. Both have
// Nx*Ny values; dst and src may be the same slice. It panics if a length is
// wrong.
func (c *Convolver) ConvolveTo(dst, src []float64) {
	n := c.nx * c.ny
	if len(dst) != n || len(src) != n {
		panic(fmt.Sprintf("conv: ConvolveTo: lengths %d, %d, want %d", len(dst), len(src), n))
	}
	for i := range c.pad {
		c.pad[i] = 0
	}
	for y := 0; y < c.ny; y++ {
		copy(c.pad[y*c.px:y*c.px+c.nx], src[y*c.nx:(y+1)*c.nx])
	}
	c.fft.Forward(c.spec, c.pad)
	for i, k := range c.kernel {
		c.spec[i] *= k
	}
	c.fft.InverseWindow(dst, c.nx, c.nx, c.ny, c.spec)
}
