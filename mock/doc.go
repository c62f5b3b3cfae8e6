// Package mock will turn render.Image values and analytic profiles into
// HST/CANDELS-like stamps (PSF, pixels, noise, real sky), FITS files,
// truth catalogues and training shards. It has no code yet: see the mock issue.
package mock
