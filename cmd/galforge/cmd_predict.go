package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/emulate"
	"github.com/galforge/galforge/internal/atomic"
	"github.com/galforge/galforge/internal/progress"
)

type predictOptions struct {
	model   string
	stamps  []string
	out     string
	backend string
	tta     int
}

func newPredictCommand() *cobra.Command {
	var o predictOptions
	cmd := &cobra.Command{
		Use:   "predict --model DIR --stamps FILE [--stamps FILE2 ...] --out FILE.csv [--backend go|cuda|xla:PLUGIN] [--tta 8]",
		Short: "Run a trained network on a stamps file (mock's format): one row per stamp with every prediction and σ",
		Long: `predict reads stamps in galforge mock's format (SCI and RMS cubes, one plane per stamp, with
FILTER and PIXSCALE cards), preprocesses them exactly as in training and writes one CSV row per
stamp: id and row (from the catalogue beside the stamps when there is one, else the plane index),
and for every target its prediction and σ, or the predicted class and each class probability.
A model trained on several bands takes one --stamps file per band (matched by FILTER). The
band, stamp size and pixel scale must match what the model was trained on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.model == "" || len(o.stamps) == 0 || o.out == "" {
				return usageError{fmt.Errorf("predict: --model, --stamps and --out are required")}
			}
			if o.tta != 1 && o.tta != 2 && o.tta != 4 && o.tta != 8 {
				return usageError{fmt.Errorf("predict: --tta %d: want 1, 2, 4 or 8", o.tta)}
			}
			if err := ensureBackendLibs(o.backend); err != nil {
				return err
			}
			return runPredict(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&o.model, "model", "", "trained model directory (galforge train's MODEL)")
	cmd.Flags().StringArrayVar(&o.stamps, "stamps", nil, "stamps FITS file (SCI and RMS cubes); one per band of the model")
	cmd.Flags().StringVar(&o.out, "out", "", "output CSV")
	cmd.Flags().StringVar(&o.backend, "backend", "", "GoMLX backend: go (default), go:OPTIONS, cuda, or xla:PLUGIN")
	cmd.Flags().IntVar(&o.tta, "tta", 1, "predict every stamp in this many symmetries of the model's augmentation group (at most its size) and combine (1 = off, 2, 4, 8)")
	return cmd
}

func runPredict(ctx context.Context, o predictOptions, stdout, stderr io.Writer) error {
	m, err := emulate.Load(o.model, o.backend)
	if err != nil {
		return err
	}
	m.TTA = o.tta
	defer m.Close()
	spec := m.Spec
	byBand := map[string]*stampsFile{}
	for _, p := range o.stamps {
		sf, err := readStampsFile(p)
		if err != nil {
			return usageError{fmt.Errorf("predict: %s", strings.TrimPrefix(err.Error(), "fit: "))}
		}
		byBand[strings.ToUpper(sf.band)] = sf
	}
	files := make([]*stampsFile, len(spec.Bands))
	for i, b := range spec.Bands {
		sf, ok := byBand[strings.ToUpper(b)]
		if !ok {
			var have []string
			for k := range byBand {
				have = append(have, k)
			}
			return usageError{fmt.Errorf("predict: the model in %s was trained on bands %v; no --stamps file has FILTER = %s (given: %v)", o.model, spec.Bands, b, have)}
		}
		if sf.nx != spec.StampSize || sf.ny != spec.StampSize {
			return usageError{fmt.Errorf("predict: %s: stamps are %d×%d, the model takes %d×%d", sf.path, sf.nx, sf.ny, spec.StampSize, spec.StampSize)}
		}
		if spec.PixelScaleArcsec > 0 && math.Abs(sf.scale-spec.PixelScaleArcsec) > 1e-4*spec.PixelScaleArcsec {
			return usageError{fmt.Errorf("predict: %s: card PIXSCALE = %g″, the model was trained at %g″/pixel", sf.path, sf.scale, spec.PixelScaleArcsec)}
		}
		if i > 0 && sf.n != files[0].n {
			return usageError{fmt.Errorf("predict: %s has %d stamps, %s has %d", sf.path, sf.n, files[0].path, files[0].n)}
		}
		files[i] = sf
	}
	// Stamps go to the network emulate.PredictChunk at a time, bands
	// interleaved per stamp: past reading, what holds every stamp is the
	// decoded SCI and RMS cubes alone.
	n, S := files[0].n, spec.StampSize
	pix := S * S
	chunk := max(1, emulate.PredictChunk)
	bar := progress.New(stderr, "predict", n)
	t0 := time.Now()
	preds := make([][]emulate.Prediction, 0, n)
	var sci, rms []float32
	for i0 := 0; i0 < n; i0 += chunk {
		k := min(chunk, n-i0)
		sci, rms = interleaveStamps(files, i0, k, pix, sci, rms)
		p, err := m.PredictStamps(sci, rms, k)
		if err != nil {
			return err
		}
		preds = append(preds, p...)
		bar.Add(k)
	}
	sec := time.Since(t0).Seconds()
	metas := make([]emulate.Meta, n)
	for k := range metas {
		metas[k] = emulate.Meta{ID: int64(k), Row: int64(k)}
		if len(files[0].catIDs) == n {
			metas[k].ID, metas[k].Row = files[0].catIDs[k], files[0].catRows[k]
		}
	}
	if err := atomic.WriteFile(o.out, func(w io.Writer) error { return emulate.WritePredictionsTo(w, spec.Targets, metas, preds) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "predict: %d stamps in %.2f s (%.0f stamps/s) with %s; wrote %s\n", n, sec, float64(n)/sec, filepath.Clean(o.model), o.out)
	return nil
}

// interleaveStamps returns the SCI and RMS planes of stamps i0 … i0+k−1 of
// files (one per band, pix values a plane), stamp by stamp with the bands
// in the files' order, as Model.PredictStamps takes them. One file's planes
// are returned as sub-slices of its cubes; several are copied into sci and
// rms, reused.
func interleaveStamps(files []*stampsFile, i0, k, pix int, sci, rms []float32) ([]float32, []float32) {
	if len(files) == 1 {
		return files[0].sci[i0*pix : (i0+k)*pix], files[0].rms[i0*pix : (i0+k)*pix]
	}
	sci, rms = sci[:0], rms[:0]
	for s := i0; s < i0+k; s++ {
		for _, sf := range files {
			sci = append(sci, sf.sci[s*pix:(s+1)*pix]...)
			rms = append(rms, sf.rms[s*pix:(s+1)*pix]...)
		}
	}
	return sci, rms
}
