// Package configs loads galforge experiment configs: YAML files with one
// section per pipeline stage, decoded strictly (an unknown or misspelt key is
// an error naming the key and the file, with the nearest known key), with
// documented defaults, single-key overrides (--set key=value, dotted names)
// and validation. Only this package and cmd import viper.
package configs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/galforge/galforge/emulate"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/galforge/galforge/cosmo"
	"github.com/galforge/galforge/mock"
	"github.com/galforge/galforge/render"
	"github.com/galforge/galforge/sims/toy"
)

// Config is a whole experiment. Each stage owns its section.
type Config struct {
	// Seed is the global random seed; every object's seed derives from it and
	// the object's identifiers (sims.SeedFor). Default 42.
	Seed uint64 `mapstructure:"seed"`
	// Out is the output directory; the --out flag overrides it. Default "out".
	Out string `mapstructure:"out"`
	// Workers is the number of parallel workers; 0 means one per CPU core.
	Workers int `mapstructure:"workers"`
	// Cosmology for built-in galaxies and for placing galaxies on the sky.
	Cosmology Cosmology `mapstructure:"cosmology"`
	// Simulate configures the built-in galaxy simulator (galforge simulate).
	Simulate toy.Config `mapstructure:"simulate"`
	// Render configures noise-free imaging (galforge render).
	Render render.Config `mapstructure:"render"`
	// Mock configures observed stamps (galforge mock).
	Mock mock.Config `mapstructure:"mock"`
	// Train configures the emulator: data, network, optimisation
	// (galforge train / evaluate / run).
	Train emulate.Config `mapstructure:"train"`
}

// Cosmology is the `cosmology:` section: flat ΛCDM.
type Cosmology struct {
	// H0 is the Hubble constant in km/s/Mpc. Default 70.
	H0 float64 `mapstructure:"h0"`
	// OmegaM is the matter density parameter. Default 0.3.
	OmegaM float64 `mapstructure:"omega_m"`
}

// FlatLCDM returns the cosmology as a cosmo value.
func (c Cosmology) FlatLCDM() cosmo.FlatLCDM { return cosmo.FlatLCDM{H0: c.H0, OmegaM: c.OmegaM} }

// Default returns the defaults of every key.
func Default() Config {
	c := cosmo.Default()
	return Config{
		Seed:      42,
		Out:       "out",
		Cosmology: Cosmology{H0: c.H0, OmegaM: c.OmegaM},
		Simulate:  toy.DefaultConfig(),
		Render:    render.DefaultConfig(),
		Mock:      mock.DefaultConfig(),
		Train:     emulate.DefaultConfig(),
	}
}

// Validate checks every section; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers = %d: must be ≥ 0 (0 = one per core)", c.Workers))
	}
	if c.Out == "" {
		errs = append(errs, errors.New("out: must not be empty"))
	}
	if err := c.Cosmology.FlatLCDM().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("cosmology: %w", err))
	}
	if err := c.Simulate.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Render.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Mock.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Train.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Load reads the YAML file at path (or only the defaults when path is ""),
// applies the overrides ("key=value", dotted keys, values in YAML syntax),
// decodes strictly and validates. Errors name the file and the key.
func Load(path string, sets []string) (Config, error) {
	def := Default()
	known, mapKeys := keys()
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.MergeConfigMap(toMap(reflect.ValueOf(def))); err != nil {
		return def, fmt.Errorf("configs: defaults: %w", err)
	}
	where := "defaults"
	if path != "" {
		where = path
		b, err := os.ReadFile(path)
		if err != nil {
			return def, fmt.Errorf("configs: %w", err)
		}
		var raw map[string]any
		if err := yaml.Unmarshal(b, &raw); err != nil {
			return def, fmt.Errorf("configs: %s: not valid YAML: %w", path, err)
		}
		if err := checkKeys(raw, "", known, mapKeys, path); err != nil {
			return def, err
		}
		if err := v.MergeConfigMap(raw); err != nil {
			return def, fmt.Errorf("configs: %s: %w", path, err)
		}
	}
	for _, s := range sets {
		k, val, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(strings.ToLower(k))
		if !ok || k == "" {
			return def, fmt.Errorf("configs: --set %q: want key=value", s)
		}
		if _, isLeaf := known[k]; !isLeaf {
			// One entry of a map-valued key: train.loss_weights.pa_deg=2.
			if i := strings.LastIndex(k, "."); i < 0 || !mapKeys[k[:i]] {
				return def, fmt.Errorf("configs: --set %q: %s", s, unknownKey(k, known))
			}
		}
		var parsed any
		if err := yaml.Unmarshal([]byte(val), &parsed); err != nil {
			return def, fmt.Errorf("configs: --set %q: value is not valid YAML: %w", s, err)
		}
		v.Set(k, parsed)
	}
	var c Config
	dec := func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.WeaklyTypedInput = false
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(intToFloat, augmentBool)
	}
	if err := v.Unmarshal(&c, dec); err != nil {
		return def, fmt.Errorf("configs: %s: %w", where, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("configs: %s: %w", where, err)
	}
	return c, nil
}

// augmentBool reads train.augment: true and false, as configs wrote it before
// the augmentation groups existed, as the groups d4 and none.
func augmentBool(from, to reflect.Type, data any) (any, error) {
	if to == reflect.TypeFor[emulate.AugmentGroup]() {
		if b, ok := data.(bool); ok {
			if b {
				return string(emulate.AugmentD4), nil
			}
			return string(emulate.AugmentNone), nil
		}
	}
	return data, nil
}

// intToFloat lets YAML integers fill float fields (h0: 70).
func intToFloat(from, to reflect.Type, data any) (any, error) {
	if to.Kind() == reflect.Float64 {
		switch x := data.(type) {
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case uint64:
			return float64(x), nil
		}
	}
	return data, nil
}

// keys holds every key of Config (true: a leaf) and the map-valued leaves,
// computed once.
var keys = sync.OnceValues(func() (map[string]bool, map[string]bool) {
	maps := map[string]bool{}
	return keysOf(reflect.TypeOf(Config{}), "", maps), maps
})

// keysOf returns every key ("simulate.n_particles") of a config struct: true
// for leaves, false for sections; map-valued leaves are also put in maps.
func keysOf(t reflect.Type, prefix string, maps map[string]bool) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		k := prefix + tag
		if f.Type.Kind() == reflect.Struct {
			for kk, leaf := range keysOf(f.Type, k+".", maps) {
				out[kk] = leaf
			}
			out[k] = false // a section, not a leaf
			continue
		}
		out[k] = true
		if f.Type.Kind() == reflect.Map { // e.g. mock.psf.files: its own keys are free-form
			maps[k] = true
		}
	}
	return out
}

// toMap turns a config struct into nested maps keyed by mapstructure tags.
func toMap(v reflect.Value) map[string]any {
	out := map[string]any{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			out[tag] = toMap(v.Field(i))
		} else {
			out[tag] = v.Field(i).Interface()
		}
	}
	return out
}

// checkKeys reports the first unknown key of a decoded YAML document.
func checkKeys(m map[string]any, prefix string, known, mapKeys map[string]bool, file string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		full := prefix + strings.ToLower(k)
		leaf, ok := known[full]
		if !ok {
			return fmt.Errorf("configs: %s: %s", file, unknownKey(full, known))
		}
		sub, isMap := m[k].(map[string]any)
		if !leaf && !isMap {
			return fmt.Errorf("configs: %s: key %q is a section; it needs keys below it", file, full)
		}
		if leaf && isMap && !mapKeys[full] {
			return fmt.Errorf("configs: %s: key %q takes a value, not a section", file, full)
		}
		if mapKeys[full] {
			continue
		}
		if isMap {
			if err := checkKeys(sub, full+".", known, mapKeys, file); err != nil {
				return err
			}
		}
	}
	return nil
}

// unknownKey words the error for an unknown key, suggesting the nearest known one.
func unknownKey(k string, known map[string]bool) string {
	best, bd := "", 1<<30
	for kk := range known {
		if d := levenshtein(k, kk); d < bd || (d == bd && kk < best) {
			best, bd = kk, d
		}
	}
	msg := fmt.Sprintf("unknown key %q", k)
	if bd <= max(2, len(k)/3) {
		msg += fmt.Sprintf(" (did you mean %q?)", best)
	}
	return msg
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// YAML renders the effective config (defaults filled in) as YAML.
func (c Config) YAML() ([]byte, error) {
	return yaml.Marshal(toMap(reflect.ValueOf(c)))
}

// Hash returns a short hex SHA-256 of the canonical JSON of the given config
// sections (pass the parts a stage's output depends on), so a rerun can tell
// whether an existing output was made with the same settings.
func Hash(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			panic(fmt.Sprintf("configs: Hash: %v", err)) // config types are plain data
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// SimulateHash is the hash of everything simulate's outputs depend on.
func (c Config) SimulateHash() string { return Hash(c.Seed, c.Cosmology, c.Simulate) }

// MockHash is the hash of the settings mock's outputs depend on.
func (c Config) MockHash() string {
	m := c.Mock
	m.Preview, m.PerObject = false, false
	if m.Source == "particles" { // the stamps also depend on how snapshots are rendered
		r := c.Render
		r.Input, r.Preview = "", false
		return Hash(c.Seed, c.Cosmology, r, m)
	}
	return Hash(c.Seed, m)
}

// RenderHash is the hash of the settings render's outputs depend on (the
// input snapshots are named in the outputs themselves).
func (c Config) RenderHash() string {
	r := c.Render
	r.Input, r.Preview = "", false
	return Hash(c.Seed, c.Cosmology, r)
}

// TrainHash is the hash of everything that changes a trained model: the
// seed, the data it is trained on (the mock's hash) and the train section
// without the keys that only say where and how fast it runs.
func (c Config) TrainHash() string {
	t := c.Train
	t.Backend, t.Fit, t.FitMax, t.CacheMB = "", false, 0, 0
	if t.Model.DenseLayers == 1 {
		t.Model.DenseLayers = 0 // omitted: the hash of runs from before the key existed
	}
	if t.Input == emulate.InputAsinh {
		t.Input = "" // likewise train.input
	}
	return Hash(c.MockHash(), t)
}
