// Command galforge is the galforge command-line interface: one command per
// pipeline step, each driven by a YAML config (-c FILE) with single-key
// overrides (--set key=value).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the module build info.
var version = ""

func galforgeVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += "+" + s.Value[:12]
			}
		}
		if v != "" && v != "(devel)" {
			return v
		}
	}
	return "dev"
}

// usageError marks errors caused by the invocation or the config (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "galforge",
		Short:         "Forward-model simulated galaxies into HST/CANDELS-like images and learn what only simulations know",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newVersionCommand(), newConfigCommand(), newSimulateCommand(), newSimsCommand(), newRenderCommand(), newMockCommand(), newShardsCommand(), newFitCommand(),
		newTrainCommand(), newEvaluateCommand(), newPredictCommand(), newRunCommand(), newBenchCommand())
	return root
}

// exitCode maps an error to the process exit status: 0 success, 2 usage or
// config errors, 1 anything else.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := newRootCommand()
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "galforge:", err)
	}
	os.Exit(exitCode(err))
}
