package emulate

import (
	"strings"
	"testing"

	"github.com/galforge/galforge/mock/shard"
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
	cfg.Transforms = map[string]string{"pa_deg": TransformAngle180E}
	if err := cfg.Validate(); err != nil {
		t.Errorf("pa_deg = angle180e: %v", err)
	}
}

// TestResolveAngle180E: angle180e finds the axis-ratio column, and names
// the file and the missing column when there is none.
func TestResolveAngle180E(t *testing.T) {
	c := DefaultConfig()
	c.Targets = []string{"mag", "pa_deg"}
	c.Transforms = map[string]string{"pa_deg": TransformAngle180E}
	h := shard.Header{Truth: []shard.Column{{Name: "mag"}, {Name: "q"}, {Name: "pa_deg"}}}
	ts, err := resolveTargets(c, h, "a.gfs")
	if err != nil || ts[1].Transform != TransformAngle180E || ts[1].Column != 2 || ts[1].QColumn != 1 {
		t.Fatalf("resolved %+v, error %v", ts, err)
	}
	h.Truth = []shard.Column{{Name: "mag"}, {Name: "pa_deg"}}
	_, err = resolveTargets(c, h, "b.gfs")
	if err == nil || !strings.Contains(err.Error(), "train.transforms.pa_deg") || !strings.Contains(err.Error(), "b.gfs") || !strings.Contains(err.Error(), `"q"`) {
		t.Errorf("no q column: error %v", err)
	}
}
