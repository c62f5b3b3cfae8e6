package emulate

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Input kinds (train.input): what the network sees of each band.
const (
	// InputAsinh is one plane per band, asinh(sci / (stretch·σ)).
	InputAsinh = "asinh"
	// InputAsinhLinear adds a second plane per band, the stamp in linear
	// units of its central peak (or of stretch·σ when that is larger).
	InputAsinhLinear = "asinh+linear"
	// InputAsinhLinearQuad adds a third plane per band to InputAsinhLinear:
	// the quadrupole of the asinh plane (quadGain × its part that changes
	// sign under a quarter turn about the stamp centre).
	InputAsinhLinearQuad = "asinh+linear+quad"
)

// quadGain scales the quadrupole plane. Before it, the plane's sky noise is
// half the asinh plane's (¼ of four independent pixels: about 0.17 with
// the default stretch of 3) and the quadrupole of a bright galaxy with
// q = 0.95 a few 0.01; after it, about 0.7 and 0.1–0.2, nearer the scale
// of the other planes' structure.
const quadGain = 4

// Preprocessing is what Preprocess needs: the settings train.stretch and
// train.input, stored in model.json so that observations are preprocessed
// as the training mocks were.
type Preprocessing struct {
	Stretch float64 // asinh softening in units of the band's median rms
	Input   string  // InputAsinh ("" too), InputAsinhLinear or InputAsinhLinearQuad
}

// Planes is the number of input channels per band: 1, 2 with the linear
// plane, 3 with the quadrupole plane too.
func (p Preprocessing) Planes() int {
	switch p.Input {
	case InputAsinhLinear:
		return 2
	case InputAsinhLinearQuad:
		return 3
	}
	return 1
}

// newPreprocessing returns the preprocessing of a stretch and an input kind,
// with "" (models and configs from before train.input) read as InputAsinh,
// so that equal preprocessings compare equal (the input cache's key).
func newPreprocessing(stretch float64, input string) Preprocessing {
	if input == "" {
		input = InputAsinh
	}
	return Preprocessing{Stretch: stretch, Input: input}
}

// checkInput returns an error for an unknown train.input.
func checkInput(in string) error {
	switch in {
	case "", InputAsinh, InputAsinhLinear, InputAsinhLinearQuad:
		return nil
	}
	return fmt.Errorf("want %q, %q or %q", InputAsinh, InputAsinhLinear, InputAsinhLinearQuad)
}

// Preprocess is the one preprocessing of mocks and observations alike. It
// turns one stamp's science and rms planes, each nb bands of s×s pixels in
// the shard's order (band, y, x), into the network's input written to dst in
// channels-last order (y, x, channel), p.Planes() channels per band (channel
// b·Planes + k):
//
//	x₀ = asinh(sci / (stretch · σ_b))
//	x₁ = sci / max(stretch · σ_b, P_b)         (InputAsinhLinear, …Quad)
//	x₂ = g · ¼ (x₀ − R x₀ + R² x₀ − R³ x₀)      (InputAsinhLinearQuad)
//
// with σ_b the median of the band's positive finite rms pixels, so x₀ is in
// units of the stamp's own noise: bright cores are compressed
// logarithmically, the noise stays linear. P_b is the band's brightest valid
// pixel in the central s/2 × s/2 box (where the object is), so x₁ keeps a
// bright galaxy's light profile linear, with its peak at 1 — the precision
// of its inner isophotes, which the logarithm compresses — while a faint one
// stays in noise units. Pixels that are not finite, or whose rms is not
// positive and finite, are set to 0 (masked) in every plane. Bands without
// any valid rms (noise-free renders) use σ_b = 10⁻³ × the band's peak
// |sci|.
//
// x₂ is the quadrupole plane: R turns the plane by a quarter turn about the
// stamp's centre (the centre of a mock's galaxy, give or take its jitter),
// and the combination keeps exactly the azimuthal modes m ≡ 2 (mod 4) of
// x₀: a round profile (m = 0), boxiness (m = 4) and an offset centre to
// first order (m = 1; its second order, (offset/r)² of the profile's
// slope, stays) cancel, and the galaxy's ellipticity, in both
// orientations, is what remains. A convolution sees only 3×3 pixels and
// could compare a pixel with its quarter-turned partner only deep in the
// network; this hands the network the small ellipticity of a nearly round
// galaxy, which fixes its position angle, without the monopole around it. The plane
// turns with the stamp under every symmetry of the pixel grid (it commutes
// with quarter turns and mirrors), so augmentation stays exact. g =
// quadGain.
//
// dst must hold nb·Planes·s·s values; scratch (may be nil) is reused.
func Preprocess(dst, sci, rms []float32, s, nb int, p Preprocessing, scratch []float32) []float32 {
	n := s * s
	np := p.Planes()
	nc := nb * np
	lo, hi := s/4, s-s/4 // the central box, [lo, hi) on both axes
	for b := range nb {
		sb := sci[b*n : (b+1)*n]
		var rb []float32
		if rms != nil {
			rb = rms[b*n : (b+1)*n]
		}
		scratch = scratch[:0]
		for _, r := range rb {
			if r > 0 && !math.IsInf(float64(r), 0) {
				scratch = append(scratch, r)
			}
		}
		var sigma float64
		if len(scratch) > 0 {
			sigma = median32(scratch)
		} else {
			peak := 0.0
			for _, v := range sb {
				if a := math.Abs(float64(v)); a > peak && !math.IsInf(a, 0) {
					peak = a
				}
			}
			sigma = 1e-3 * peak
		}
		valid := func(i int) bool {
			x := float64(sb[i])
			ok := !math.IsNaN(x) && !math.IsInf(x, 0)
			if rb != nil {
				r := float64(rb[i])
				ok = ok && (len(scratch) == 0 || (r > 0 && !math.IsInf(r, 0)))
			}
			return ok
		}
		inv := 0.0
		if sigma > 0 {
			inv = 1 / (p.Stretch * sigma)
		}
		invLin := inv
		if np >= 2 {
			peak := p.Stretch * sigma
			for y := lo; y < hi; y++ {
				for x := lo; x < hi; x++ {
					if i := y*s + x; valid(i) && float64(sb[i]) > peak {
						peak = float64(sb[i])
					}
				}
			}
			invLin = 0
			if peak > 0 {
				invLin = 1 / peak
			}
		}
		for i, v := range sb {
			c := i*nc + b*np
			if !valid(i) {
				for k := range np {
					dst[c+k] = 0
				}
				continue
			}
			x := float64(v)
			dst[c] = float32(math.Asinh(x * inv))
			if np >= 2 {
				dst[c+1] = float32(x * invLin)
			}
		}
		if np == 3 {
			quadPlane(dst, s, nc, b*np, b*np+2)
			for i := range sb {
				if !valid(i) {
					dst[i*nc+b*np+2] = 0
				}
			}
		}
	}
	return scratch
}

// quadPlane writes into channel out of the s×s×nc image dst (channels last)
// quadGain · ¼ (a − R a + R² a − R³ a) of its channel in, R the quarter turn
// about the image centre. A pixel and its three turned partners form one
// orbit (the centre pixel of an odd s is its own, and gets 0); the plane
// is v at the first, −v at the second, and so on.
func quadPlane(dst []float32, s, nc, in, out int) {
	at := func(x, y int) int { return (y*s+x)*nc + in }
	for y := range (s + 1) / 2 {
		for x := range s / 2 {
			// The orbit of (x, y) under (x, y) → (s−1−y, x), in order.
			x1, y1 := s-1-y, x
			x2, y2 := s-1-x, s-1-y
			x3, y3 := y, s-1-x
			v := 0.25 * quadGain * (float64(dst[at(x, y)]) - float64(dst[at(x1, y1)]) + float64(dst[at(x2, y2)]) - float64(dst[at(x3, y3)]))
			dst[at(x, y)-in+out] = float32(v)
			dst[at(x1, y1)-in+out] = float32(-v)
			dst[at(x2, y2)-in+out] = float32(v)
			dst[at(x3, y3)-in+out] = float32(-v)
		}
	}
	if s%2 == 1 {
		dst[at(s/2, s/2)-in+out] = 0
	}
}

// Augmentation is one of the 8 symmetries of the square pixel grid: Rot
// quarter turns counter-clockwise (as the image is displayed with y up, FITS
// convention), after a left-right mirror when Flip is set. Images are
// (y, x, band) with y = 0 the first FITS row.
type Augmentation struct {
	Rot  int  // 0..3 quarter turns counter-clockwise
	Flip bool // mirror x → −x first
}

// AugmentGroup names a group of the pixel grid's symmetries (train.augment):
// training stamps are turned by a random member of the group, and
// test-time augmentation uses its members. The groups differ in what they
// do to the point-spread function of the stamps: a mock's PSF has one
// orientation on every stamp, as on real data taken at one roll angle, and
// a symmetry that changes it hands the network stamps whose PSF it can no
// longer tell from the galaxy's shape. The WFC3/IR F160W PSF of the
// DeepLeGATo stamps has an ellipticity (Qxx − Qyy)/(Qxx + Qyy) of −0.056 to
// −0.068 along the pixel axes and 2Qxy/(Qxx + Qyy) of at most 0.004 across
// them (Gaussian weights of 3–8 of the PSF file's pixels): a quarter turn
// flips the first, a mirror the second, and a half turn neither.
type AugmentGroup string

// The augmentation groups.
const (
	// AugmentNone turns augmentation off.
	AugmentNone AugmentGroup = "none"
	// AugmentC2 is the identity and the half turn, which keeps every second
	// moment of the PSF (and the whole PSF of a real, unaberrated pupil,
	// which is point-symmetric).
	AugmentC2 AugmentGroup = "c2"
	// AugmentD2 adds the mirrors along x and y to C2: it keeps the PSF's
	// ellipticity along the pixel axes and negates the one across them.
	AugmentD2 AugmentGroup = "d2"
	// AugmentD4 is all 8 symmetries: quarter turns and mirrors.
	AugmentD4 AugmentGroup = "d4"
)

// Symmetries returns the members of g, the identity first; an empty group
// name means D4 (models trained before the groups existed). For D4 the
// order is that of Augmentations.
func (g AugmentGroup) Symmetries() ([]Augmentation, error) {
	switch g {
	case AugmentNone:
		return []Augmentation{{}}, nil
	case AugmentC2:
		return []Augmentation{{}, {Rot: 2}}, nil
	case AugmentD2:
		return []Augmentation{{}, {Rot: 2}, {Flip: true}, {Rot: 2, Flip: true}}, nil
	case AugmentD4, "":
		return Augmentations(8), nil
	}
	return nil, fmt.Errorf("augmentation group %q: want none, c2, d2 or d4", string(g))
}

// drawAugmentation picks the augmentation of one training example, a
// member of syms, from its own generator. D4 (8 members) draws the quarter
// turns and the mirror separately, as galforge did before the groups
// existed, so that those runs reproduce.
func drawAugmentation(r *rand.Rand, syms []Augmentation) Augmentation {
	if len(syms) == 8 {
		return Augmentation{Rot: r.IntN(4), Flip: r.IntN(2) == 1}
	}
	return syms[r.IntN(len(syms))]
}

// Apply writes the transformed s×s×nb image src into dst (which must not
// alias src).
func (a Augmentation) Apply(dst, src []float32, s, nb int) {
	for y := range s {
		for x := range s {
			// Destination pixel (x, y) comes from the source pixel that the
			// inverse transform maps it to: undo the rotation, then the flip.
			u, v := x, y
			for range a.Rot & 3 {
				// inverse of a CCW quarter turn (x,y)→(s−1−y, x) is (x,y)→(y, s−1−x)
				u, v = v, s-1-u
			}
			if a.Flip {
				u = s - 1 - u
			}
			copy(dst[(y*s+x)*nb:(y*s+x+1)*nb], src[(v*s+u)*nb:(v*s+u+1)*nb])
		}
	}
}

// PA returns the position angle (degrees counter-clockwise from +y, period
// 180°) of a shape of position angle pa after the augmentation: a mirror in
// x negates it, a quarter turn adds 90°. The result is in [−90, 90).
func (a Augmentation) PA(pa float64) float64 {
	if a.Flip {
		pa = -pa
	}
	pa += 90 * float64(a.Rot&3)
	return wrap180(pa)
}

// InversePA undoes PA: the position angle, in the original stamp's frame,
// of a shape seen at position angle pa in the augmented stamp.
func (a Augmentation) InversePA(pa float64) float64 {
	pa -= 90 * float64(a.Rot&3)
	if a.Flip {
		pa = -pa
	}
	return wrap180(pa)
}

// wrap180 wraps an angle in degrees to [−90, 90).
func wrap180(d float64) float64 {
	d = math.Mod(d+90, 180)
	if d < 0 {
		d += 180
	}
	return d - 90
}

// median32 returns the median of v (the mean of the two middle values when
// len(v) is even), reordering v. It selects in expected linear time
// (Hoare's quickselect with a median-of-three pivot) rather than sorting;
// the result is the same value a sort would give.
func median32(v []float32) float64 {
	m := len(v) / 2
	hi := selectK(v, m)
	if len(v)%2 == 1 {
		return float64(hi)
	}
	// After selectK, v[:m] holds the m smallest values: the largest of them
	// is the other middle value.
	lo := v[0]
	for _, x := range v[1:m] {
		lo = max(lo, x)
	}
	return 0.5 * (float64(lo) + float64(hi))
}

// selectK reorders v so that v[k] is the value a sort would put there, with
// v[:k] ≤ v[k] ≤ v[k+1:], and returns v[k]. v must hold no NaN. The
// three-way partition keeps runs of equal values (a constant rms map) linear.
func selectK(v []float32, k int) float32 {
	lo, hi := 0, len(v)-1
	for hi > lo {
		// Median of three as the pivot.
		a, b, c := v[lo], v[lo+(hi-lo)/2], v[hi]
		p := max(min(a, b), min(max(a, b), c))
		// Dutch-flag partition: v[lo:lt] < p, v[lt:i] == p, v[gt+1:hi+1] > p.
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch x := v[i]; {
			case x < p:
				v[lt], v[i] = v[i], v[lt]
				lt++
				i++
			case x > p:
				v[i], v[gt] = v[gt], v[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return p
		}
	}
	return v[k]
}
