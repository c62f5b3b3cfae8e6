#!/usr/bin/python3
"""Ellipticity bias of a DeepLeGATo run, network beside the fit.

Reads DIR/evaluate/predictions.csv (the network on every test stamp) and
DIR/evaluate/fit.csv (the Sersic LM fit on the first fit_max of them), as
`galforge run -c configs/deeplegato.yaml --out DIR` writes them, and prints,
for small galaxies (true Re < 0.35") in two magnitude bins, the mean and RMS
of predicted minus true ellipticity components

    e1 = eps cos 2theta,  e2 = eps sin 2theta,  eps = (1 - q) / (1 + q),

theta the position angle from +y (so e1 is the elongation along the pixel
axes, e2 across them), with the standard error of each mean; then the RMS
errors of PA and q of both on the fit's stamps, by true axis ratio.

A PSF elongated along the pixel axes that the network cannot see in its
training stamps' orientation (quarter-turn augmentation) shows up as a mean
e1 error; the fit, which knows the PSF, shows none.

Usage: scripts/ellipticity_bias.py DIR   (numpy; e.g. Debian's python3-numpy)
"""
import csv
import sys

import numpy as np


def load(path):
    rows = list(csv.DictReader(open(path)))
    if not rows:
        sys.exit(f"{path}: no rows")
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def ell(q, pa):
    t = np.radians(pa)
    eps = (1 - q) / (1 + q)
    return eps * np.cos(2 * t), eps * np.sin(2 * t)


def wrap(d):
    return (d + 90) % 180 - 90


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    net = load(d + "/evaluate/predictions.csv")
    fit = load(d + "/evaluate/fit.csv")
    print("small galaxies (Re < 0.35\"): mean ± s.e. and RMS of predicted − true e1, e2")
    for name, t in (("network", net), ("fit", fit)):
        t1, t2 = ell(t["q_true"], t["pa_deg_true"])
        p1, p2 = ell(t["q_pred"], t["pa_deg_pred"])
        for lo, hi in ((18, 21), (21, 24)):
            s = (t["re_arcsec_true"] < 0.35) & (t["mag_true"] >= lo) & (t["mag_true"] < hi)
            n = s.sum()
            d1, d2 = p1[s] - t1[s], p2[s] - t2[s]
            print(f"  {name:8s} mag {lo}-{hi} N={n:4d}  e1 {d1.mean():+.4f} ± {d1.std() / np.sqrt(n):.4f} (RMS {d1.std():.4f})"
                  f"  e2 {d2.mean():+.4f} ± {d2.std() / np.sqrt(n):.4f} (RMS {d2.std():.4f})")
    idx = {v: i for i, v in enumerate(net["id"])}
    sel = [idx[i] for i in fit["id"]]
    on = {k: v[sel] for k, v in net.items()}
    print("on the fit's stamps, RMS error network / fit, by true q")
    for lo, hi in ((0, 0.7), (0.7, 0.85), (0.85, 1.01)):
        s = (fit["q_true"] >= lo) & (fit["q_true"] < hi)
        rms = lambda x: np.sqrt(np.mean(x ** 2))
        print(f"  q {lo:.2f}-{min(hi, 1):.2f} N={s.sum():3d}  PA {rms(wrap(on['pa_deg_pred'][s] - on['pa_deg_true'][s])):5.1f}° / "
              f"{rms(wrap(fit['pa_deg_pred'][s] - fit['pa_deg_true'][s])):5.1f}°   q {rms(on['q_pred'][s] - on['q_true'][s]):.4f} / "
              f"{rms(fit['q_pred'][s] - fit['q_true'][s]):.4f}")


if __name__ == "__main__":
    main()
