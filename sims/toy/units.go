package toy

import "github.com/galforge/galforge/cosmo"

// Internal units: kpc, Gyr and M☉, so velocities are kpc/Gyr inside the
// integrator and converted to km/s at the output.
const (
	// kmsToKpcGyr converts km/s to kpc/Gyr (1 km/s ≈ 1.0227 kpc/Gyr).
	kmsToKpcGyr = cosmo.GyrS / (cosmo.MpcKm / 1e3)
	// gravity is Newton's constant in kpc³ M☉⁻¹ Gyr⁻² (≈ 4.4985e-6).
	gravity = cosmo.GravityKpcKmS2Msun * kmsToKpcGyr * kmsToKpcGyr
)
