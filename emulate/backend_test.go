package emulate

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFindCUDAPlugin finds JAX's CUDA plugin and the NVIDIA library folders
// in a site-packages laid out as pip installs them, and says where it looked
// when there is none.
func TestFindCUDAPlugin(t *testing.T) {
	sp := t.TempDir()
	plugin := filepath.Join(sp, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so")
	for _, d := range []string{filepath.Dir(plugin), filepath.Join(sp, "nvidia", "cublas", "lib"), filepath.Join(sp, "nvidia", "cudnn", "lib")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(plugin, []byte("not really"), 0o644)
	t.Setenv("GALFORGE_SITE_PACKAGES", sp)
	cfg, dirs, err := BackendConfig("cuda")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != "xla:"+plugin || len(dirs) != 2 || !slices.Contains(dirs, filepath.Join(sp, "nvidia", "cublas", "lib")) {
		t.Errorf("cuda: config %q, lib dirs %v", cfg, dirs)
	}
	t.Setenv("LD_LIBRARY_PATH", dirs[0])
	if m := MissingLibDirs(dirs); len(m) != 1 || m[0] != dirs[1] {
		t.Errorf("missing lib dirs %v", m)
	}
	os.Remove(plugin)
	if _, _, err := BackendConfig("cuda"); !errors.Is(err, ErrNoCUDA) || !contains(err.Error(), sp) {
		t.Errorf("no plugin: %v", err)
	}
	if cfg, _, err := BackendConfig("go:ops_sequential"); err != nil || cfg != "go:ops_sequential" {
		t.Errorf("go:ops_sequential: %q, %v", cfg, err)
	}
	if be, err := NewBackend("go:no_such_option"); err == nil {
		be.Finalize()
		t.Error("an unknown Go backend option was accepted")
	}
	for _, bad := range []string{"tpu", "xla", "xla:", "go:"} {
		if _, _, err := BackendConfig(bad); err == nil {
			t.Errorf("backend %q accepted", bad)
		}
	}
}
