#!/usr/bin/python3
"""Side-by-side peer of galforge's render/sph benchmark: yt's SPH projection.

Reads the particle set written by ``go run ./render/sph/bench/gen`` (the same
galaxy, smoothing lengths and view rotations as BenchmarkProject1eNx10Views256),
loads it with ``yt.load_particles`` (smoothing_length and density given, so yt
never computes its own smoothing lengths), and times 256x256 SPH projections
for the 10 views:

* ``yt.off_axis_projection`` — yt's public off-axis API — of 1 field, and of
  the 4 band fields (the same work as galforge's 4-band ProjectTo);
* yt's inner kernel ``pixelize_sph_kernel_projection`` called directly on
  coordinates rotated with numpy (what off_axis_projection_SPH runs after its
  per-particle rotation loop), for 4 fields: yt's best case.

It then checks the projected totals against the particles' light (sum of w
over particles, and galforge's in-field totals) and compares the images pixel
by pixel with galforge's.

Usage (Debian's python3-yt; 2 OpenMP threads, as galforge uses 2 cores):

    OMP_NUM_THREADS=2 /usr/bin/python3 render/sph/bench/yt_projection.py \
        --dir /tmp/sphbench --n 100000 [--skip-offaxis-4]
"""

import argparse
import os
import sys
import time

import numpy as np

import yt
from yt.utilities.lib.pixelization_routines import pixelize_sph_kernel_projection

yt.set_log_level(40)

FIELD_KPC = 40.0
NPIX = 256
BANDS = 4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/sphbench")
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--skip-offaxis-4", action="store_true",
                    help="time off_axis_projection with 1 field only (it is slow)")
    args = ap.parse_args()

    parts = np.load(os.path.join(args.dir, f"particles_{args.n}.npy"))
    views = np.load(os.path.join(args.dir, "views.npy"))
    gf = np.load(os.path.join(args.dir, f"galforge_{args.n}.npy"))
    gf_tot = np.load(os.path.join(args.dir, f"totals_{args.n}.npy"))
    n = parts.shape[0]
    x, y, z, h = (np.ascontiguousarray(parts[:, i]) for i in range(4))
    w = parts[:, 4:]
    print(f"yt {yt.__version__}, numpy {np.__version__}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    print(f"{n} particles, h/pixel median {np.median(h) / (FIELD_KPC / NPIX):.2f}")

    # Code units: 1 code_length = 1 cm (length_unit=1) so that yt's
    # path-length conversion of the projection is a factor 1; positions are
    # numerically kpc. mass = density = 1, so yt's prefactor m/(rho h^2)
    # times the smoothed quantity L gives sum_j L_j F(q)/h_j^2: surface
    # brightness, whose sum times the pixel area is the projected light.
    data = {
        "particle_position_x": x, "particle_position_y": y, "particle_position_z": z,
        "particle_mass": np.ones(n), "density": np.ones(n), "smoothing_length": h,
    }
    for b in range(BANDS):
        data[f"L{b}"] = np.ascontiguousarray(w[:, b])
    t0 = time.perf_counter()
    ds = yt.load_particles(data, length_unit=1.0, mass_unit=1.0,
                           bbox=np.array([[-32.0, 32.0]] * 3), periodicity=(False, False, False))
    ad = ds.all_data()
    _ = ad["io", "smoothing_length"]  # builds yt's particle index
    t_load = time.perf_counter() - t0
    print(f"yt load_particles + index: {t_load:.2f} s (not in the timings below)")

    pix_area = (FIELD_KPC / NPIX) ** 2
    width = ds.arr([FIELD_KPC, FIELD_KPC, 2 * 32.0], "code_length")
    centre = ds.arr([0.0, 0.0, 0.0], "code_length")

    def offaxis(v, field):
        img = yt.off_axis_projection(ad, centre, views[v, 2], width, (NPIX, NPIX), ("io", field),
                                     north_vector=views[v, 1])
        # yt's buffer is [x, y]; galforge's images are [y, x].
        return np.asarray(img.d).T

    # Warm-up (kernel table construction, field detection).
    offaxis(0, "L0")

    t0 = time.perf_counter()
    yt1 = [offaxis(v, "L0") for v in range(len(views))]
    t_off1 = time.perf_counter() - t0
    print(f"yt off_axis_projection, 10 views x 1 field: {t_off1:.3f} s")
    t_off4 = None
    if not args.skip_offaxis_4:
        t0 = time.perf_counter()
        for v in range(len(views)):
            for b in range(BANDS):
                offaxis(v, f"L{b}")
        t_off4 = time.perf_counter() - t0
        print(f"yt off_axis_projection, 10 views x 4 fields: {t_off4:.3f} s")

    # yt's kernel on numpy-rotated coordinates.
    ones = np.ones(n)
    bounds = [-FIELD_KPC / 2, FIELD_KPC / 2, -FIELD_KPC / 2, FIELD_KPC / 2]
    t0 = time.perf_counter()
    ker = []
    pos = np.stack([x, y, z], axis=1)
    for v in range(len(views)):
        xr = np.ascontiguousarray(pos @ views[v, 0])
        yr = np.ascontiguousarray(pos @ views[v, 1])
        for b in range(BANDS):
            buf = np.zeros((NPIX, NPIX))
            pixelize_sph_kernel_projection(buf, xr, yr, h, ones, ones, data[f"L{b}"], bounds,
                                           kernel_name="cubic", check_period=0)
            if b == 0:
                ker.append(buf.T.copy())
    t_ker4 = time.perf_counter() - t0
    print(f"yt pixelize_sph_kernel_projection (numpy rotation), 10 views x 4 fields: {t_ker4:.3f} s")

    # Light: yt totals vs particles' light and galforge's in-field totals.
    wsum = w[:, 0].sum()
    print("view  sum(w0)  galforge_in_field  yt_offaxis  yt/galforge  median|yt-gf|/gf (gf>1e-3 max)")
    for v in range(len(views)):
        tot_yt = yt1[v].sum() * pix_area
        g = gf[v, 0]
        sel = g > 1e-3 * g.max()
        med = np.median(np.abs(yt1[v][sel] * pix_area - g[sel]) / g[sel])
        print(f"{v:4d} {wsum:9.2f} {gf_tot[v, 0]:12.4f} {tot_yt:14.4f} {tot_yt / gf_tot[v, 0]:10.5f} {med:10.4f}")
    # yt's pixelize_sph_kernel_projection (pixelization_routines.pyx, lines
    # 1160-1163 in 4.1.4) evaluates the kernel with h clamped to >= one
    # pixel but keeps the prefactor 1/h^2: a particle smaller than a pixel
    # deposits ~ (pixel/h)^2 times its light (on average over sub-pixel
    # offsets). Predicted total for view 0 (particles inside the field):
    pix = FIELD_KPC / NPIX
    xr, yr = pos @ views[0, 0], pos @ views[0, 1]
    he = np.maximum(h, pix)
    inside = (np.abs(xr) + he < FIELD_KPC / 2) & (np.abs(yr) + he < FIELD_KPC / 2)
    pred = (w[inside, 0] * np.maximum(1.0, (pix / h[inside]) ** 2)).sum()
    print(f"view 0, particles wholly inside: sum(w0) = {w[inside, 0].sum():.2f}; "
          f"yt's clamp predicts {pred:.2f} (x{pred / w[inside, 0].sum():.3f}); "
          f"yt gives {yt1[0].sum() * pix_area:.2f} for all particles")
    kd = max(abs(ker[v].sum() * pix_area - yt1[v].sum() * pix_area) / (yt1[v].sum() * pix_area)
             for v in range(len(views)))
    print(f"(direct kernel totals agree with off_axis_projection's to {kd:.1e} relative)")

    print(f"RESULT n={n} yt_offaxis_1field_s={t_off1:.3f} yt_offaxis_4fields_s="
          f"{t_off4 if t_off4 is None else round(t_off4, 3)} yt_kernel_4fields_s={t_ker4:.3f}")


if __name__ == "__main__":
    sys.exit(main())
