package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeYAML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "exp.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	p := writeYAML(t, "seed: 7\ncosmology:\n  h0: 68\nsimulate:\n  n_particles: 5000\n")
	c, err := Load(p, []string{"simulate.n_merger=3", "cosmology.omega_m=0.31", "out=elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	if c.Seed != 7 || c.Cosmology.H0 != 68 || c.Cosmology.OmegaM != 0.31 || c.Simulate.NParticles != 5000 ||
		c.Simulate.NMerger != 3 || c.Out != "elsewhere" || c.Simulate.NCompaction != def.Simulate.NCompaction {
		t.Errorf("effective config %+v", c)
	}
	if c.SimulateHash() == def.SimulateHash() {
		t.Error("different configs share a hash")
	}
	c2, _ := Load(p, []string{"simulate.n_merger=3", "cosmology.omega_m=0.31", "out=other"})
	if c2.SimulateHash() != c.SimulateHash() {
		t.Error("the simulate hash depends on the output directory")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		yaml string
		sets []string
		want []string
	}{
		{"misspelt key", "simulate:\n  n_partcles: 10\n", nil, []string{"exp.yaml", `unknown key "simulate.n_partcles"`, `did you mean "simulate.n_particles"`}},
		{"unknown section", "simulat:\n  n_particles: 10\n", nil, []string{"exp.yaml", `unknown key "simulat"`}},
		{"section given a value", "simulate: 3\n", nil, []string{"exp.yaml", `"simulate" is a section`}},
		{"wrong type", "seed: hello\n", nil, []string{"exp.yaml", "seed"}},
		{"impossible value", "cosmology:\n  omega_m: 1.5\n", nil, []string{"exp.yaml", "OmegaM = 1.5"}},
		{"negative particles", "simulate:\n  n_particles: -3\n", nil, []string{"exp.yaml", "n_particles"}},
		{"bad yaml", "seed: [1,\n", nil, []string{"exp.yaml", "not valid YAML"}},
		{"unknown --set key", "", []string{"simulate.nparticles=4"}, []string{`unknown key "simulate.nparticles"`, "did you mean"}},
		{"--set without =", "", []string{"seed"}, []string{"want key=value"}},
		{"negative workers", "workers: -2\n", nil, []string{"workers = -2"}},
		{"unknown augmentation group", "train:\n  augment: d8\n", nil, []string{"exp.yaml", "train.augment = d8", "want none, c2, d2 or d4"}},
	}
	for i, c := range cases {
		p := writeYAML(t, c.yaml)
		_, err := Load(p, c.sets)
		if err == nil {
			t.Errorf("case %d (%s): no error", i, c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d (%s): error %q does not mention %q", i, c.name, err, w)
			}
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestAugmentBool: train.augment takes the group names and, as configs wrote
// it before the groups existed, true (d4) and false (none).
func TestAugmentBool(t *testing.T) {
	t.Parallel()
	for yaml, want := range map[string]string{"true": "d4", "false": "none", "c2": "c2", "d2": "d2"} {
		c, err := Load(writeYAML(t, "train:\n  augment: "+yaml+"\n"), nil)
		if err != nil {
			t.Fatalf("augment: %s: %v", yaml, err)
		}
		if string(c.Train.Augment) != want {
			t.Errorf("augment: %s read as %q, want %q", yaml, c.Train.Augment, want)
		}
	}
	c, err := Load(writeYAML(t, ""), []string{"train.augment=false"})
	if err != nil || c.Train.Augment != "none" {
		t.Errorf("--set train.augment=false: %q, %v", c.Train.Augment, err)
	}
	if Default().Train.Augment != "d4" {
		t.Errorf("default augmentation %q, want d4", Default().Train.Augment)
	}
}

// TestYAMLRoundTrip checks that the printed effective config loads back to
// the same config.
func TestYAMLRoundTrip(t *testing.T) {
	t.Parallel()
	c, err := Load("", []string{"seed=99"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Load(writeYAML(t, string(b)), nil)
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, b)
	}
	if back.SimulateHash() != c.SimulateHash() || back.Seed != 99 {
		t.Errorf("round trip changed the config:\n%s", b)
	}
}

// TestShippedConfigs loads every config in this folder.
func TestShippedConfigs(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("*.yaml")
	if len(files) == 0 {
		t.Fatal("no configs shipped")
	}
	for _, f := range files {
		if _, err := Load(f, nil); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestPSFFilesPerBand: per-band PSF files written with upper-case band names
// are found after loading (the loader lowercases map keys).
func TestPSFFilesPerBand(t *testing.T) {
	t.Parallel()
	p := writeYAML(t, "mock:\n  psf:\n    files:\n      F160W: psf160.fits\n      f125w: psf125.fits\n")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for band, want := range map[string]string{"F160W": "psf160.fits", "F125W": "psf125.fits"} {
		if f, ok := c.Mock.PSF.FileFor(band); !ok || f != want {
			t.Errorf("FileFor(%s) = %q, %v; want %q", band, f, ok, want)
		}
	}
	if _, ok := c.Mock.PSF.FileFor("F814W"); ok {
		t.Error("a band without a file got one")
	}
}

// TestTrainHashDenseLayers: a second hidden layer changes the train hash; the
// default single layer hashes as configs did before train.model.dense_layers
// existed, so their finished runs are kept.
func TestTrainHashDenseLayers(t *testing.T) {
	t.Parallel()
	p := writeYAML(t, "seed: 7\n")
	one, err := Load(p, []string{"train.model.dense_layers=1"})
	if err != nil {
		t.Fatal(err)
	}
	two, err := Load(p, []string{"train.model.dense_layers=2"})
	if err != nil {
		t.Fatal(err)
	}
	if one.TrainHash() == two.TrainHash() {
		t.Error("dense_layers 1 and 2 share a train hash")
	}
	old := one
	old.Train.Model.DenseLayers = 0 // a config decoded before the key existed
	if old.TrainHash() != one.TrainHash() {
		t.Error("the default dense_layers changes the train hash of older configs")
	}
}

// TestTrainHashInput: the linear input plane changes the train hash; the
// default input hashes as configs did before train.input existed.
func TestTrainHashInput(t *testing.T) {
	t.Parallel()
	p := writeYAML(t, "seed: 7\n")
	def, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	lin, err := Load(p, []string{"train.input=asinh+linear"})
	if err != nil {
		t.Fatal(err)
	}
	if lin.Train.Input != "asinh+linear" || def.TrainHash() == lin.TrainHash() {
		t.Errorf("input %q: asinh and asinh+linear share a train hash", lin.Train.Input)
	}
	old := def
	old.Train.Input = "" // a config decoded before the key existed
	if old.TrainHash() != def.TrainHash() {
		t.Error("the default input changes the train hash of older configs")
	}
	if _, err := Load(p, []string{"train.input=linear"}); err == nil || !strings.Contains(err.Error(), "train.input") {
		t.Errorf("train.input=linear: got %v, want an error naming train.input", err)
	}
}

// TestSetMapEntry: --set reaches one entry of a map-valued key, beside the
// entries the file gives; a key under a leaf that is not a map is still unknown.
func TestSetMapEntry(t *testing.T) {
	t.Parallel()
	p := writeYAML(t, "train:\n  loss_weights:\n    q: 1.5\n")
	c, err := Load(p, []string{"train.loss_weights.pa_deg=2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Train.LossWeights) != 2 || c.Train.LossWeights["pa_deg"] != 2 || c.Train.LossWeights["q"] != 1.5 {
		t.Errorf("train.loss_weights = %v, want q 1.5 and pa_deg 2", c.Train.LossWeights)
	}
	def, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.TrainHash() == def.TrainHash() {
		t.Error("loss weights do not change the train hash")
	}
	if _, err := Load("", []string{"train.epochs.x=2"}); err == nil || !strings.Contains(err.Error(), "unknown key") {
		t.Errorf("a key under a plain leaf: %v", err)
	}
}
