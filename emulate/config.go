package emulate

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Config is the `train:` section of an experiment config: what to learn from
// which shards, the network, and the optimisation. Keys are documented with
// their defaults; `galforge config print` lists them all.
type Config struct {
	// Shards are the training shard files (globs allowed). Empty means every
	// shard that `galforge mock` wrote under the run's output directory
	// (OUT/mock/shards/*.gfs for `galforge run`, OUT/shards/*.gfs otherwise).
	Shards []string `mapstructure:"shards"`
	// Targets are the truth columns to learn, by shard column name, e.g.
	// [mag, re_arcsec, n, q, pa_deg] or [phase, merger_stage, mass_ratio,
	// re3d_kpc]. The kind of each follows from its name: `phase` and
	// `merger_stage` are classes (sims.Phases, sims.MergerStages), every other
	// column a regression. Default [mag, re_arcsec, n, q, pa_deg].
	Targets []string `mapstructure:"targets"`
	// Transforms overrides the transform of a regression target: "none",
	// "log10" or "angle180" (an angle in degrees with period 180°, learnt as
	// cos 2θ, sin 2θ). By default sizes (`re*`) and `mass_ratio` take log10,
	// `pa_deg` takes angle180, everything else none.
	Transforms map[string]string `mapstructure:"transforms"`
	// Bands are the shard bands fed to the network, in order; empty means all
	// of the shard's bands.
	Bands []string `mapstructure:"bands"`
	// Stretch is the arcsinh softening of the preprocessing, in units of the
	// stamp's median rms: x = asinh(sci / (Stretch·rms)). Default 3.
	Stretch float64 `mapstructure:"stretch"`
	// BetaNLLTargets overrides BetaNLL for the named regression targets,
	// e.g. {pa_deg: 1}: β = 1 trains that target's means like a mean squared
	// error, which does not discount the examples the network is unsure of
	// (for a position angle, the nearly round galaxies that dominate its R²).
	// Default none.
	BetaNLLTargets map[string]float64 `mapstructure:"beta_nll_targets" json:",omitempty"`
	// LossWeights multiplies a target's term of the training loss, by
	// target name (default 1 each), e.g. {pa_deg: 2}: where targets compete
	// for the network's capacity, a larger weight trades the others'
	// accuracy for that target's. The validation score stays unweighted, so
	// that runs compare. Default none.
	LossWeights map[string]float64 `mapstructure:"loss_weights" json:",omitempty"`
	// Input is what the network sees of each band: "asinh" (the stretched
	// stamp) or "asinh+linear" (also the stamp in linear units of its
	// central peak, a second channel per band; see Preprocess). Default
	// "asinh".
	Input string `mapstructure:"input" json:",omitempty"`
	// Model is the network.
	Model ModelConfig `mapstructure:"model"`
	// BatchSize is the number of stamps per optimisation step. Default 64.
	BatchSize int `mapstructure:"batch_size"`
	// Epochs is the maximum number of passes over the training split. Default 20.
	Epochs int `mapstructure:"epochs"`
	// LearningRate is Adam's initial learning rate. Default 1e-3.
	LearningRate float64 `mapstructure:"learning_rate"`
	// Schedule is the learning-rate schedule: "cosine" (one cosine decay to
	// MinLearningRate over all Epochs, after WarmupSteps linear warm-up
	// steps) or "constant". Default "cosine".
	Schedule string `mapstructure:"schedule"`
	// MinLearningRate is the floor of the cosine schedule. Default 1e-5.
	MinLearningRate float64 `mapstructure:"min_learning_rate"`
	// WarmupSteps is the number of linear warm-up steps. Default 100.
	WarmupSteps int `mapstructure:"warmup_steps"`
	// BetaNLL is β of the β-NLL loss of regression targets (Seitzer et al.
	// 2022): each Gaussian negative log-likelihood term is weighted by
	// σ^{2β}, held constant. 0 is the plain likelihood, 1 trains the means
	// like a mean squared error. Default 0.5.
	BetaNLL float64 `mapstructure:"beta_nll"`
	// Patience stops training after this many epochs without a better
	// validation loss; 0 never stops early. Default 5.
	Patience int `mapstructure:"patience"`
	// ValFraction and TestFraction are the fractions of galaxies (objects for
	// analytic stamps) held out for validation and test: every view and every
	// snapshot of a galaxy lands in one split. Defaults 0.15 and 0.15.
	ValFraction  float64 `mapstructure:"val_fraction"`
	TestFraction float64 `mapstructure:"test_fraction"`
	// Augment is the group of the pixel grid's symmetries training stamps are
	// turned by at random, with the matching transform of position angles:
	// "d4" (90° rotations and mirrors; YAML true), "d2" (half turn and the
	// mirrors along the axes), "c2" (half turn) or "none" (YAML false). A
	// symmetry that changes the stamps' PSF (see AugmentGroup) costs
	// accuracy on shapes: DeepLeGATo uses c2. Default "d4".
	Augment AugmentGroup `mapstructure:"augment"`
	// Fresh trains every epoch after the first on new stamps drawn from the
	// analytic mock's priors (the mock: section; new galaxies and new noise,
	// as many as the training split holds), rather than on the shards'
	// training split again: the network cannot memorise the noise of a
	// stamp it sees once. Validation and test stay the shards'. Needs
	// analytic priors (not mock.profile.table or particle snapshots) and
	// shards made with the same mock section. Default false.
	Fresh bool `mapstructure:"fresh" json:",omitempty"`
	// ShuffleBuffer is the number of examples mixed at a time when streaming
	// shards (blocks are also read in random order). Default 4096.
	ShuffleBuffer int `mapstructure:"shuffle_buffer"`
	// CacheMB is how many MiB of preprocessed inputs training keeps in
	// memory, so that epochs after the first do not read, decompress and
	// preprocess the shards again (the results are identical); 0 turns the
	// cache off. Inputs past the cap are recomputed each epoch. Default 2048.
	CacheMB int `mapstructure:"cache_mb"`
	// MaxExamples caps the examples read from the shards (0 = all), for quick
	// trials; the cap keeps whole galaxies.
	MaxExamples int `mapstructure:"max_examples"`
	// Backend is the GoMLX backend: "go" (pure Go, no set-up; "go:OPTIONS"
	// passes the Go backend's options, e.g. go:ops_sequential or
	// go:parallelism=8), "cuda" (XLA
	// with the CUDA PJRT plugin that JAX installs, found automatically) or
	// "xla:PLUGIN" (a PJRT plugin name or path). The GOMLX_BACKEND environment
	// variable is used when this is empty. Default "go".
	Backend string `mapstructure:"backend"`
	// Fit runs the classic Sérsic fit on the test stamps of analytic runs
	// (`galforge run`), for the side-by-side table. Default true.
	Fit bool `mapstructure:"fit"`
	// FitMax caps the number of test stamps fitted (0 = all). Default 1000.
	FitMax int `mapstructure:"fit_max"`
	// TTA is the number of the pixel grid's symmetries each held-out stamp
	// is predicted in by `galforge evaluate` (test-time augmentation: 1 =
	// off, 2, 4 or 8; see Model.TTA). Default 1.
	TTA int `mapstructure:"tta"`
}

// DefaultConfig returns the defaults of the `train:` section.
func DefaultConfig() Config {
	return Config{
		Targets:         []string{"mag", "re_arcsec", "n", "q", "pa_deg"},
		Stretch:         3,
		Input:           InputAsinh,
		Model:           DefaultModelConfig(),
		BatchSize:       64,
		Epochs:          20,
		LearningRate:    1e-3,
		Schedule:        "cosine",
		MinLearningRate: 1e-5,
		WarmupSteps:     100,
		BetaNLL:         0.5,
		Patience:        5,
		ValFraction:     0.15,
		TestFraction:    0.15,
		Augment:         AugmentD4,
		ShuffleBuffer:   4096,
		CacheMB:         2048,
		Backend:         "go",
		Fit:             true,
		FitMax:          1000,
		TTA:             1,
	}
}

// Prep is the preprocessing the section asks for.
func (c Config) Prep() Preprocessing { return newPreprocessing(c.Stretch, c.Input) }

// Validate checks the section; errors name the key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key string, v any, why string) {
		errs = append(errs, fmt.Errorf("train.%s = %v: %s", key, v, why))
	}
	if len(c.Targets) == 0 {
		bad("targets", c.Targets, "need at least one target")
	}
	seen := map[string]bool{}
	for _, t := range c.Targets {
		if seen[t] {
			bad("targets", c.Targets, fmt.Sprintf("%q given twice", t))
		}
		seen[t] = true
	}
	for k, v := range c.Transforms {
		if !seen[k] {
			bad("transforms."+k, v, "not one of train.targets")
		}
		switch v {
		case TransformNone, TransformLog10, TransformAngle180:
		default:
			bad("transforms."+k, v, "want none, log10 or angle180")
		}
	}
	for k, v := range c.BetaNLLTargets {
		if !seen[k] {
			bad("beta_nll_targets."+k, v, "not one of train.targets")
		}
		if !(v >= 0 && v <= 1) {
			bad("beta_nll_targets."+k, v, "must be in [0, 1]")
		}
	}
	for k, v := range c.LossWeights {
		if !seen[k] {
			bad("loss_weights."+k, v, "not one of train.targets")
		}
		if !(v > 0) || math.IsInf(v, 0) {
			bad("loss_weights."+k, v, "must be a positive number")
		}
	}
	if !(c.Stretch > 0) || math.IsInf(c.Stretch, 0) {
		bad("stretch", c.Stretch, "must be a positive number")
	}
	if err := checkInput(c.Input); err != nil {
		bad("input", fmt.Sprintf("%q", c.Input), err.Error())
	}
	if c.Model.DenseLayers < 1 { // 0 is only for model.json files older than the key
		errs = append(errs, fmt.Errorf("train.model.dense_layers = %d: want 1 to 8", c.Model.DenseLayers))
	}
	if err := c.Model.Validate(0); err != nil {
		errs = append(errs, err)
	}
	if c.BatchSize <= 0 {
		bad("batch_size", c.BatchSize, "must be positive")
	}
	if c.Epochs <= 0 {
		bad("epochs", c.Epochs, "must be positive")
	}
	if !(c.LearningRate > 0) || c.LearningRate > 1 {
		bad("learning_rate", c.LearningRate, "must be in (0, 1]")
	}
	switch c.Schedule {
	case "cosine", "constant":
	default:
		bad("schedule", c.Schedule, "want cosine or constant")
	}
	if c.MinLearningRate < 0 || c.MinLearningRate > c.LearningRate {
		bad("min_learning_rate", c.MinLearningRate, "must be in [0, learning_rate]")
	}
	if c.WarmupSteps < 0 {
		bad("warmup_steps", c.WarmupSteps, "must be ≥ 0")
	}
	if !(c.BetaNLL >= 0 && c.BetaNLL <= 1) {
		bad("beta_nll", c.BetaNLL, "must be in [0, 1]")
	}
	if c.Patience < 0 {
		bad("patience", c.Patience, "must be ≥ 0")
	}
	if !(c.ValFraction > 0 && c.ValFraction < 1) {
		bad("val_fraction", c.ValFraction, "must be in (0, 1)")
	}
	if !(c.TestFraction >= 0 && c.TestFraction < 1) {
		bad("test_fraction", c.TestFraction, "must be in [0, 1)")
	}
	if c.ValFraction+c.TestFraction >= 1 {
		bad("val_fraction", c.ValFraction, fmt.Sprintf("val_fraction + test_fraction = %g leaves nothing to train on", c.ValFraction+c.TestFraction))
	}
	if c.CacheMB < 0 {
		bad("cache_mb", c.CacheMB, "must be 0 (off) or positive")
	}
	if c.ShuffleBuffer <= 0 {
		bad("shuffle_buffer", c.ShuffleBuffer, "must be positive")
	}
	if c.MaxExamples < 0 {
		bad("max_examples", c.MaxExamples, "must be ≥ 0")
	}
	if _, err := c.Augment.Symmetries(); err != nil || c.Augment == "" {
		bad("augment", c.Augment, "want none, c2, d2 or d4 (or true = d4, false = none)")
	}
	if c.TTA != 1 && c.TTA != 2 && c.TTA != 4 && c.TTA != 8 {
		bad("tta", c.TTA, "must be 1, 2, 4 or 8")
	}
	if c.FitMax < 0 {
		bad("fit_max", c.FitMax, "must be ≥ 0")
	}
	if _, err := parseBackend(c.Backend); err != nil {
		errs = append(errs, fmt.Errorf("train.backend: %w", err))
	}
	for _, b := range c.Bands {
		if strings.TrimSpace(b) == "" {
			bad("bands", c.Bands, "empty band name")
		}
	}
	return errors.Join(errs...)
}
