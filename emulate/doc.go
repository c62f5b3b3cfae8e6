// Package emulate trains and applies the CNN emulators: networks that learn,
// from mock stamps, what a classic measurement gives (magnitude, size, Sérsic
// index, axis ratio, position angle) or what only a simulation knows (3D
// half-mass radius, compaction phase, merger stage and mass ratio).
//
// The stage reads training shards (mock/shard), splits them by galaxy id so
// no orientation or snapshot of a held-out galaxy is trained on (OpenData),
// preprocesses every stamp with the one function used for observations too
// (Preprocess: arcsinh in units of the stamp's rms, optionally with a
// linear channel in units of the central peak), augments with a
// group of the pixel grid's symmetries, turning position angles accordingly
// (AugmentGroup, Augmentation: all 8, or only those that keep the PSF's
// shape), and trains a compact CNN (ModelConfig) with GoMLX: Gaussian
// heads (mean and σ; β-NLL) for regressions, softmax for classes, Adam with
// a cosine learning-rate schedule, early stopping and resumable checkpoints
// (Train), and ends by scaling each regression σ so that 68.3 % of the
// validation truths fall within 1σ and each class target's logits by the
// temperature of least validation log loss (Guo et al. 2017;
// Model.Calibrate). Load and Model.PredictStamps apply a trained network; Evaluate
// scores it (emulate/metrics); emulate/fit is the classic Levenberg–Marquardt
// fit it is compared with.
//
// On GoMLX's pure-Go backend convolutions are written as im2col (nine
// shifted copies concatenated, then a dense layer on the SIMD matmul),
// measured 30× faster there than the backend's direct convolution
// (DESIGN.md); the copies and the 2×2 mean pool are cut with negative Pads
// and carry custom gradients (im2col3x3, meanPool2), and the dense layers
// choose their weight layout per layer (ModelConfig.WeightLayout). On XLA
// backends the native convolution is used, with the same variables.
//
// References:
//   - Tuccillo, D., Huertas-Company, M., Decencière, E., et al. 2018, MNRAS
//     475, 894 (DeepLeGATo): CNN Sérsic parameters of HST galaxies against
//     GALFIT.
//   - Huertas-Company, M., Primack, J. R., Dekel, A., et al. 2018, ApJ 858,
//     114: CNNs trained on VELA mocks to find the blue-nugget (compaction)
//     phase in CANDELS.
//   - Nix, D. A. & Weigend, A. S. 1994, ICNN'94, 55: a network predicting the
//     mean and variance of a Gaussian (the regression heads).
//   - Seitzer, M., Tavakoli, A., Antic, D. & Martius, G. 2022, ICLR: β-NLL,
//     the σ^{2β}-weighted likelihood used here.
//   - Lupton, R. H., Gunn, J. E. & Szalay, A. S. 1999, AJ 118, 1406: the
//     arcsinh stretch.
//   - Kuleshov, V., Fenner, N. & Ermon, S. 2018, ICML: recalibrating a
//     regressor's uncertainties on held-out data; Laves, M.-H., Ihler, S.,
//     Fast, J. F., Kahrs, L. A. & Ortmaier, T. 2020, MIDL: one σ scale per
//     output (σ scaling), as here.
//   - Guo, C., Pleiss, G., Sun, Y. & Weinberger, K. Q. 2017, ICML: On
//     calibration of modern neural networks — temperature scaling of the
//     logits and the expected calibration error (ECE).
//   - Kingma, D. P. & Ba, J. 2015, ICLR: Adam; Loshchilov, I. & Hutter, F.
//     2017, ICLR: the cosine schedule (SGDR).
package emulate
