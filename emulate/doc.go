// Package emulate will train and evaluate GoMLX networks on mock stamps and
// apply them to observations. It has no code yet: see the emulate issue.
package emulate
