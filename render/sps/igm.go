package sps

import "math"

// Lyman-series lines of Madau (1995), eq. 15 and Table 2: vacuum wavelengths
// in Å (Lyα, Lyβ, Lyγ, Lyδ) and the coefficients A_j of τ_j = A_j (λ_obs/λ_j)^3.46.
var (
	lymanWaveAA = [...]float64{1215.67, 1025.72, 972.537, 949.743}
	lymanCoeff  = [...]float64{3.6e-3, 1.7e-3, 1.2e-3, 9.3e-4}
)

// LymanLimitAA is the wavelength of the Lyman limit used by the photoelectric
// term of Madau (1995), in Å.
const LymanLimitAA = 912.0

// MadauTransmission returns the mean transmission exp(−τ_eff) of the
// intergalactic medium at observed wavelength waveObsAA (Å) for a source at
// redshift z, after Madau (1995): line blanketing by Lyα–Lyδ,
// τ = Σ_j A_j (λ_obs/λ_j)^3.46 for λ_obs < λ_j (1+z) (eqs. 12 and 15), plus
// photoelectric absorption by optically thin clouds below the Lyman limit,
// with xc = λ_obs/912 Å and xem = 1+z (footnote 3, valid for xc ≥ 1; smaller
// xc are taken as 1):
//
//	τ = 0.25 xc³ (xem^0.46 − xc^0.46) + 9.4 xc^1.5 (xem^0.18 − xc^0.18)
//	    − 0.7 xc³ (xc^−1.32 − xem^−1.32) − 0.023 (xem^1.68 − xc^1.68).
//
// Metal lines (eq. 13: τ ≈ 0.0017 (λ_obs/1216 Å)^1.68, 2–7 % of the Lyα term
// at z = 2–6) and Lyman lines above Lyδ are neglected, as in most uses of
// the model. The transmission is exactly 1 redward of Lyα, λ_obs ≥ 1215.67 Å (1+z),
// and 1 for z ≤ 0.
func MadauTransmission(waveObsAA, z float64) float64 {
	if !(z > 0) {
		return 1
	}
	return newMadau(z).transmission(waveObsAA)
}

// madau evaluates the Madau (1995) attenuation for one source redshift, with
// the powers of 1+z computed once.
type madau struct {
	xem                     float64 // 1+z
	e046, e018, em132, e168 float64 // xem^0.46, xem^0.18, xem^−1.32, xem^1.68
	lineEdge, lineCoef      [len(lymanWaveAA)]float64
}

// lymanNorm[j] = A_j λ_j^−3.46, so that τ_j = lymanNorm[j] λ^3.46.
var lymanNorm = func() (n [len(lymanWaveAA)]float64) {
	for j, l := range lymanWaveAA {
		n[j] = lymanCoeff[j] * math.Pow(l, -3.46)
	}
	return n
}()

func newMadau(z float64) *madau {
	xem := 1 + z
	m := &madau{
		xem: xem, e046: math.Pow(xem, 0.46), e018: math.Pow(xem, 0.18),
		em132: math.Pow(xem, -1.32), e168: math.Pow(xem, 1.68),
	}
	for j, l := range lymanWaveAA {
		m.lineEdge[j] = l * xem
	}
	return m
}

// transmission returns exp(−τ_eff) at observed wavelength lam (Å).
func (m *madau) transmission(lam float64) float64 {
	if lam >= m.lineEdge[0] {
		return 1
	}
	return math.Exp(-m.tau(lam))
}

// tau returns τ_eff of Madau (1995) at observed wavelength lam (Å).
func (m *madau) tau(lam float64) float64 {
	var tau float64
	p := math.Pow(lam, 3.46)
	for j, edge := range m.lineEdge {
		if lam < edge {
			tau += lymanNorm[j] * p
		}
	}
	if lam < LymanLimitAA*m.xem {
		xc := math.Max(lam/LymanLimitAA, 1)
		lxc := math.Log(xc)
		xc3 := xc * xc * xc
		tau += 0.25*xc3*(m.e046-math.Exp(0.46*lxc)) +
			9.4*math.Exp(1.5*lxc)*(m.e018-math.Exp(0.18*lxc)) -
			0.7*xc3*(math.Exp(-1.32*lxc)-m.em132) -
			0.023*(m.e168-math.Exp(1.68*lxc))
	}
	return math.Max(tau, 0)
}

// madauEdgesAA returns the observed wavelengths (Å) where MadauTransmission
// for a source at redshift z is discontinuous (or has a kink): the Lyman
// lines and the Lyman limit times 1+z.
func madauEdgesAA(z float64) []float64 {
	s := 1 + z
	out := make([]float64, 0, len(lymanWaveAA)+1)
	for _, l := range lymanWaveAA {
		out = append(out, l*s)
	}
	return append(out, LymanLimitAA*s)
}
