// Package metrics scores the predictions of the emulate stage against the
// truth of held-out mock stamps, writes the scores as Markdown and CSV tables,
// and draws the diagnostic plots (loss curves, truth against prediction,
// confusion matrices, uncertainty calibration) as PNG files.
//
// It is pure Go (gonum and gonum.org/v1/plot) and knows nothing of the network
// that made the predictions: inputs are plain slices, one entry per stamp.
//
// # Regression
//
// For a target with truth y_i, prediction f_i and, optionally, a predicted
// 1σ uncertainty σ_i, EvalRegression uses the residuals Δ_i = f_i − y_i of the
// N entries where y_i, f_i (and σ_i, when given) are finite:
//
//	R²        = 1 − Σ Δ_i² / Σ (y_i − ȳ)²        (coefficient of determination)
//	RMSE      = √(Σ Δ_i² / N)
//	bias      = Σ Δ_i / N
//	MAE       = Σ |Δ_i| / N
//	NMAD      = 1.4826 · median_i |Δ_i − median_j Δ_j|
//	outliers  = #{|Δ_i| > threshold} / N
//	within kσ = #{|Δ_i| ≤ k σ_i} / N,  k = 1, 2
//
// NMAD is the normalised median absolute deviation used for photometric
// redshifts by Brammer et al. (2008); the factor 1.4826 = 1/Φ⁻¹(3/4) makes it
// equal to the standard deviation for Gaussian residuals while ignoring
// outliers. For well calibrated Gaussian uncertainties the fractions within
// 1σ and 2σ are erf(1/√2) ≈ 0.6827 and erf(2/√2) ≈ 0.9545.
//
// Position angles are defined modulo 180°; EvalAngle (and EvalPeriodic for
// any period P) wraps every residual to [−P/2, P/2) and uses the circular
// mean ȳ = P/(2π) · atan2(Σ sin(2πy_i/P), Σ cos(2πy_i/P)) with wrapped
// deviations in the denominator of R².
//
// # Classification
//
// EvalClassification and EvalClassificationPred build the confusion matrix
// C[truth][pred] and from it the accuracy Σ_k C_kk / N, the recall (true
// positive rate) C_kk / Σ_j C_kj and the precision C_kk / Σ_i C_ik of each
// class. Given class probabilities p_ik they also give the mean log-loss
// (cross-entropy) −Σ_i ln p_i,y_i / N, with p clipped below at 1e-15 as in
// scikit-learn.
//
// # Tables and plots
//
// WriteMarkdown, WriteCSV and WriteConfusionMarkdown write the scores;
// WriteComparison puts several methods side by side on the same targets,
// with the wall time per 1000 stamps, in the manner of Tuccillo et al.
// (2018), who compared a CNN (DeepLeGATo) with GALFIT. The Plot
// functions write PNG images atomically: to a temporary file in the target
// directory, renamed over the target only when complete.
//
// References:
//
//   - Brammer, G. B., van Dokkum, P. G., & Coppi, P. 2008, ApJ, 686, 1503
//     (EAZY; σ_NMAD of photometric redshifts).
//   - Tuccillo, D., Huertas-Company, M., Decencière, E., et al. 2018, MNRAS,
//     475, 894 (DeepLeGATo; CNN against GALFIT, accuracy and speed).
//   - Hoaglin, D. C., Mosteller, F., & Tukey, J. W. 1983, Understanding
//     Robust and Exploratory Data Analysis (median absolute deviation).
//   - Fisher, N. I. 1993, Statistical Analysis of Circular Data (circular
//     mean; axial data of period 180° by angle doubling).
package metrics
