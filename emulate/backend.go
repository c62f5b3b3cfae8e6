package emulate

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend"  // the pure-Go backend, "go"
	_ "github.com/gomlx/go-xla/compute/xla" // XLA through a PJRT plugin, "xla:PLUGIN"
)

// ErrNoCUDA is returned (wrapped, with what was searched) when backend
// "cuda" finds no CUDA PJRT plugin.
var ErrNoCUDA = errors.New("no CUDA PJRT plugin found")

// parseBackend turns the train.backend / --backend value into a GoMLX
// backend configuration string: "" (then GOMLX_BACKEND or "go"), "go",
// "go:OPTIONS" (the Go backend's options), "cuda" (resolved by NewBackend) or
// "xla:PLUGIN".
func parseBackend(s string) (string, error) {
	switch {
	case s == "", s == "go", s == "cuda":
		return s, nil
	case strings.HasPrefix(s, "go:") && len(s) > 3: // Go backend options, e.g. go:parallelism=4
		return s, nil
	case strings.HasPrefix(s, "xla:") && len(s) > 4:
		return s, nil
	case s == "xla":
		return "", fmt.Errorf("%q needs a plugin: xla:cuda, xla:cpu or xla:/path/to/pjrt_plugin.so (or use cuda)", s)
	}
	return "", fmt.Errorf("%q: want go, go:OPTIONS, cuda or xla:PLUGIN", s)
}

// BackendConfig resolves a backend name to the GoMLX configuration string it
// stands for. "" means $GOMLX_BACKEND when set, else "go". "cuda" finds the
// CUDA PJRT plugin that JAX installs (see FindCUDAPlugin) and returns
// "xla:/path/to/xla_cuda_plugin.so"; libDirs are the NVIDIA library folders
// that must be on LD_LIBRARY_PATH for it to load.
func BackendConfig(name string) (config string, libDirs []string, err error) {
	if _, err := parseBackend(name); err != nil {
		return "", nil, err
	}
	if name == "" {
		if env := os.Getenv(compute.ConfigEnvVar); env != "" {
			name = env
		} else {
			name = "go"
		}
	}
	switch name {
	case "go":
		return "go", nil, nil
	case "cuda", "xla:cuda":
		plugin, dirs, err := FindCUDAPlugin()
		if err != nil {
			return "", nil, err
		}
		return "xla:" + plugin, dirs, nil
	}
	return name, nil, nil
}

// NewBackend creates the GoMLX backend for a configuration string from
// BackendConfig. GoMLX panics on some failures; they are returned as errors.
func NewBackend(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("emulate: backend %q: %v", config, r)
		}
	}()
	if _, err := feedDepthFromEnv(); err != nil {
		return nil, err
	}
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1") // never download anything
	b, err = compute.NewWithConfig(config)
	if err != nil {
		return nil, fmt.Errorf("emulate: backend %q: %w", config, err)
	}
	return b, nil
}

// sitePackages lists the Python package folders to search for JAX's plugin:
// $GALFORGE_SITE_PACKAGES (colon-separated) first, then the folders of every
// python3.* under /usr/lib, /usr/local/lib, /opt/conda/lib, ~/.local/lib,
// $VIRTUAL_ENV, $CONDA_PREFIX and ~/.pyenv/versions/*, then those that the
// python3 on PATH reports.
func sitePackages() []string {
	var out []string
	if s := os.Getenv("GALFORGE_SITE_PACKAGES"); s != "" {
		out = append(out, filepath.SplitList(s)...)
	}
	home, _ := os.UserHomeDir()
	roots := []string{"/usr/lib", "/usr/local/lib", "/opt/conda/lib"}
	if home != "" {
		roots = append(roots, filepath.Join(home, ".local/lib"))
	}
	for _, env := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if v := os.Getenv(env); v != "" {
			roots = append(roots, filepath.Join(v, "lib"))
		}
	}
	if home != "" {
		m, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", "*", "lib"))
		roots = append(roots, m...)
	}
	for _, r := range roots {
		for _, sub := range []string{"site-packages", "dist-packages"} {
			m, _ := filepath.Glob(filepath.Join(r, "python3*", sub))
			out = append(out, m...)
		}
	}
	// Last, ask the python3 on PATH where its packages live.
	if b, err := exec.Command("python3", "-c", "import site; print('\\n'.join(site.getsitepackages()))").Output(); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// FindCUDAPlugin searches the Python package folders for the CUDA PJRT
// plugin that JAX installs (jax_plugins/xla_cuda*/xla_cuda_plugin.so) and
// returns it with the NVIDIA library folders beside it
// (site-packages/nvidia/*/lib), which must be on LD_LIBRARY_PATH before the
// process starts. The error lists where it looked.
func FindCUDAPlugin() (plugin string, libDirs []string, err error) {
	searched := sitePackages()
	for _, sp := range searched {
		m, _ := filepath.Glob(filepath.Join(sp, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so"))
		if len(m) == 0 {
			continue
		}
		slices.Sort(m)
		plugin = m[len(m)-1] // the newest CUDA major version
		libDirs, _ = filepath.Glob(filepath.Join(sp, "nvidia", "*", "lib"))
		return plugin, libDirs, nil
	}
	return "", nil, fmt.Errorf("%w: looked for jax_plugins/xla_cuda*/xla_cuda_plugin.so in %s; install JAX with CUDA "+
		"(pip install 'jax[cuda13]') or set GALFORGE_SITE_PACKAGES, or pass --backend xla:/path/to/plugin.so",
		ErrNoCUDA, strings.Join(searched, ", "))
}

// MissingLibDirs returns the folders of dirs that are not on
// LD_LIBRARY_PATH: when non-empty, the process has to be restarted with them
// added (the dynamic loader reads LD_LIBRARY_PATH only at start).
func MissingLibDirs(dirs []string) []string {
	have := filepath.SplitList(os.Getenv("LD_LIBRARY_PATH"))
	var out []string
	for _, d := range dirs {
		if !slices.Contains(have, d) {
			out = append(out, d)
		}
	}
	return out
}
