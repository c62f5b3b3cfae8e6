// Package render will turn a sims.Galaxy into noise-free multi-band images
// per view (SPH projection, stellar population synthesis, cosmological
// dimming, dust), in physical units. It has no code yet: see the render issue.
package render
