package metrics_test

import (
	"fmt"
	"os"

	"github.com/galforge/galforge/emulate/metrics"
)

func ExampleEvalRegression() {
	truth := []float64{1, 2, 3, 4}
	pred := []float64{1.5, 2, 2.5, 5}
	sigma := []float64{0.5, 0.1, 0.2, 0.6}
	r := metrics.EvalRegression("re", "arcsec", truth, pred, sigma, 0.6)
	fmt.Printf("N=%d R²=%.2f RMSE=%.3f bias=%.2f NMAD=%.3f outliers=%.2f within 1σ=%.2f 2σ=%.2f\n",
		r.N, r.R2, r.RMSE, r.Bias, r.NMAD, r.OutlierFrac, r.Within1Sigma, r.Within2Sigma)

	pa := metrics.EvalAngle("pa", []float64{-89}, []float64{89}, nil, 10)
	fmt.Printf("position angle residual: %.0f°\n", pa.Bias)

	metrics.WriteMarkdown(os.Stdout, []metrics.Regression{r}, nil)
	// Output:
	// N=4 R²=0.70 RMSE=0.612 bias=0.25 NMAD=0.741 outliers=0.25 within 1σ=0.50 2σ=0.75
	// position angle residual: -2°
	// | target | unit | N | R² | RMSE | bias | MAE | NMAD | outliers | within 1σ | within 2σ | mean σ |
	// |---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
	// | re | arcsec | 4 | 0.7000 | 0.6124 | 0.25 | 0.5 | 0.7413 | 0.250 (>0.6) | 0.500 | 0.750 | 0.35 |
}

func ExampleWriteComparison() {
	cnn := metrics.Method{Name: "CNN", SecondsPer1000: 1.2, Regs: []metrics.Regression{
		{Name: "re", Unit: "arcsec", R2: 0.97, RMSE: 0.05},
	}}
	fit := metrics.Method{Name: "GALFIT", SecondsPer1000: 3600, Regs: []metrics.Regression{
		{Name: "re", Unit: "arcsec", R2: 0.95, RMSE: 0.07},
	}}
	metrics.WriteComparison(os.Stdout, []metrics.Method{cnn, fit})
	// Output:
	// | target | unit | CNN: R² / RMSE | GALFIT: R² / RMSE |
	// |---|---|--:|--:|
	// | re | arcsec | **0.9700** / 0.05 | 0.9500 / 0.07 |
	// | wall time per 1000 stamps (s) | | 1.2 | 3600 |
}
