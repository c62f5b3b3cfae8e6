package emulate

import (
	"strings"
	"testing"
)

// TestConfigValidate: the defaults pass, and each impossible value is
// reported with its key.
func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []struct {
		want string
		edit func(*Config)
	}{
		{"train.cache_mb = -1: must be 0 (off) or positive", func(c *Config) { c.CacheMB = -1 }},
		{"train.shuffle_buffer = 0: must be positive", func(c *Config) { c.ShuffleBuffer = 0 }},
		{"train.tta = 3: must be 1, 2, 4 or 8", func(c *Config) { c.TTA = 3 }},
		{"train.augment = d3: want none, c2, d2 or d4", func(c *Config) { c.Augment = "d3" }},
		{"train.model.dense_layers = 0: want 1 to 8", func(c *Config) { c.Model.DenseLayers = 0 }},
		{"train.model.dense_layers = 9: want 1 to 8", func(c *Config) { c.Model.DenseLayers = 9 }},
		{"train.model.fovea = 7: want 0 (no fovea branch) or an even side", func(c *Config) { c.Model.Fovea = 7 }},
		{"train.model.fovea = -2", func(c *Config) { c.Model.Fovea = -2 }},
		{"train.model.fovea_widths[1] = 0: must be positive", func(c *Config) { c.Model.Fovea, c.Model.FoveaWidths = 16, []int{8, 0} }},
		{`train.input = "linear": want "asinh", "asinh+linear" or "asinh+linear+quad"`, func(c *Config) { c.Input = "linear" }},
		{"train.transforms.q = sqrt: not one of train.targets", func(c *Config) { c.Transforms = map[string]string{"q": "sqrt"}; c.Targets = []string{"mag"} }},
	} {
		cfg := DefaultConfig()
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
	cfg := DefaultConfig()
	cfg.CacheMB = 0 // off is allowed
	if err := cfg.Validate(); err != nil {
		t.Errorf("cache_mb = 0: %v", err)
	}
}
