package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/emulate"
)

func newBenchCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure speeds (for side-by-side comparisons with peers)"}
	var o emulate.SpeedOptions
	var widths string
	var asJSON bool
	var conv string
	var dense, denseLayers int
	cnn := &cobra.Command{
		Use:   "cnn [--backend go|cuda|xla:PLUGIN] [--batch 64] [--steps 20] [--size 64] [--bands 1] [--widths 32,64,128] [--dense 256] [--dense-layers 1] [--conv auto|im2col|native] [--from-host] [--json]",
		Short: "Training and inference images/s of the emulator network on synthetic stamps (bench/torch_cnn.py is the PyTorch twin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Model = emulate.DefaultModelConfig()
			switch conv {
			case "auto", "im2col", "native":
				o.Model.Conv = conv
			default:
				return usageError{fmt.Errorf("bench cnn: --conv %q: want auto, im2col or native", conv)}
			}
			if widths != "" {
				o.Model.Widths = nil
				for _, w := range strings.Split(widths, ",") {
					v, err := strconv.Atoi(strings.TrimSpace(w))
					if err != nil || v <= 0 {
						return usageError{fmt.Errorf("bench cnn: --widths %q: want positive integers separated by commas", widths)}
					}
					o.Model.Widths = append(o.Model.Widths, v)
				}
			}
			if dense < 0 || denseLayers < 0 {
				return usageError{fmt.Errorf("bench cnn: --dense %d, --dense-layers %d: want positive sizes", dense, denseLayers)}
			}
			if dense > 0 {
				o.Model.Dense = dense
			}
			if denseLayers > 0 {
				o.Model.DenseLayers = denseLayers
			}
			if err := ensureBackendLibs(o.Backend); err != nil {
				return err
			}
			r, err := emulate.MeasureSpeed(o)
			if err != nil {
				return err
			}
			if asJSON {
				b, _ := json.Marshal(r)
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "galforge %s backend (%s convolutions), %d×%d×%d, dense %d×%d, %d parameters: train %.1f images/s (batch %d), inference %.1f images/s (batch %d)\n",
				r.Backend, r.Conv, r.Size, r.Size, r.Bands, r.Dense, r.DenseLayers, r.Parameters, r.TrainImagesPerSec, r.Batch, r.InferImagesPerSec, r.InferBatch)
			return nil
		},
	}
	cnn.Flags().StringVar(&o.Backend, "backend", "", "GoMLX backend: go (default), go:OPTIONS, cuda, or xla:PLUGIN")
	cnn.Flags().IntVar(&o.Batch, "batch", 64, "training batch")
	cnn.Flags().IntVar(&o.InferBatch, "infer-batch", 256, "inference batch")
	cnn.Flags().IntVar(&o.Steps, "steps", 20, "timed training steps")
	cnn.Flags().IntVar(&o.Warmup, "warmup", 2, "untimed steps first (compilation)")
	cnn.Flags().IntVar(&o.Size, "size", 64, "stamp side, pixels")
	cnn.Flags().IntVar(&o.Bands, "bands", 1, "input bands")
	cnn.Flags().StringVar(&widths, "widths", "", "convolution widths (default 32,64,128)")
	cnn.Flags().IntVar(&dense, "dense", 0, "hidden dense width (default 256; configs/deeplegato.yaml: 1024)")
	cnn.Flags().IntVar(&denseLayers, "dense-layers", 0, "hidden dense layers (default 1; configs/deeplegato.yaml: 2)")
	cnn.Flags().StringVar(&conv, "conv", "auto", "convolutions: auto (im2col on the Go backend, native elsewhere), im2col or native")
	cnn.Flags().BoolVar(&o.FromHost, "from-host", false, "copy each batch from host memory (as real training does); by default it stays on the device, as in bench/torch_cnn.py")
	cnn.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.AddCommand(cnn)
	return cmd
}
