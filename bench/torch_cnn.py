#!/usr/bin/env python3
"""Reference PyTorch implementation of galforge's default emulator CNN.

Used for side-by-side speed benchmarks against the GoMLX version
(emulate/model.go, `galforge bench cnn`). Needs only torch, numpy and the
standard library. See bench/README.md.

Architecture (identical parameters to the Go network):

    input [batch, C, S, S]                 (Go: channels last [batch, S, S, C])
    for w in widths:
        convs_per_block x [Conv2d(3x3, padding=1, bias) -> ReLU]
        AvgPool2d(2)                       (odd edges dropped, as in Go)
    flatten -> dense_layers x [Linear(dense) -> ReLU] -> Linear(n_out)

The flatten here is over [C, H, W] (PyTorch's native layout) while Go
flattens [H, W, C]; the two networks compute the same family of functions
(a fixed permutation of the hidden layer's input rows) with the same
parameter count and FLOPs.

Benchmark loss: Gaussian negative log-likelihood on n_out/2 (mean, log sigma)
pairs -- outputs [:, :k] are the means, [:, k:] the log sigmas, k = n_out//2 --
0.5*((y-mu)/sigma)^2 + log sigma, log sigma clipped to [-7, 5], mean over batch
and targets. Optimiser Adam(lr=1e-3).
"""

import argparse
import json
import math
import platform
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:  # reported, not raised
    print(f"torch_cnn.py: {sys.executable}: cannot import {e.name or e} -- needs PyTorch and NumPy "
          "(e.g. Debian's python3-torch, or pip install torch numpy)", file=sys.stderr)
    sys.exit(3)


def build_model(size, bands, widths, convs_per_block, dense, n_out, dense_layers=1):
    layers = []
    c, s = bands, size
    for w in widths:
        for _ in range(convs_per_block):
            layers.append(nn.Conv2d(c, w, kernel_size=3, padding=1, bias=True))
            layers.append(nn.ReLU(inplace=True))
            c = w
        layers.append(nn.AvgPool2d(2))
        s //= 2
        if s < 1:
            raise ValueError(f"{len(widths)} pooling blocks shrink a {size}-pixel input below one pixel")
    layers.append(nn.Flatten())
    fan_in = c * s * s
    for _ in range(dense_layers):
        layers += [nn.Linear(fan_in, dense), nn.ReLU(inplace=True)]
        fan_in = dense
    layers.append(nn.Linear(fan_in, n_out))
    return nn.Sequential(*layers)


def expected_params(size, bands, widths, convs_per_block, dense, n_out, dense_layers=1):
    """Parameter count from the formula (the Go side must report the same)."""
    n, c, s = 0, bands, size
    for w in widths:
        for _ in range(convs_per_block):
            n += 9 * c * w + w
            c = w
        s //= 2
    n += c * s * s * dense + dense
    n += (dense_layers - 1) * (dense * dense + dense)
    n += dense * n_out + n_out
    return n


def gaussian_nll(out, y):
    k = out.shape[1] // 2
    mu = out[:, :k]
    log_sigma = out[:, k:2 * k].clamp(-7.0, 5.0)
    z = (y - mu) * torch.exp(-log_sigma)
    return (0.5 * z * z + log_sigma).mean()


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--size", type=int, default=64, help="stamp size S (pixels)")
    p.add_argument("--bands", type=int, default=1, help="input channels C")
    p.add_argument("--widths", default="32,64,128", help="channels of each conv block, comma-separated")
    p.add_argument("--convs-per-block", type=int, default=1)
    p.add_argument("--dense", type=int, default=256, help="hidden dense width")
    p.add_argument("--dense-layers", type=int, default=1, help="hidden dense layers")
    p.add_argument("--outputs", type=int, default=10, help="n_out (even: mean, log sigma pairs)")
    p.add_argument("--batch", type=int, default=64, help="training batch size")
    p.add_argument("--steps", type=int, default=30, help="timed training steps")
    p.add_argument("--warmup", type=int, default=3, help="untimed warm-up steps (training and inference)")
    p.add_argument("--infer-batch", type=int, default=256, help="inference batch size")
    p.add_argument("--infer-steps", type=int, default=0, help="timed inference batches (0: max(5, steps/2))")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads on CPU")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--channels-last", action="store_true",
                   help="use torch.channels_last memory format (NHWC, like Go; often faster with cuDNN)")
    p.add_argument("--from-host", action="store_true",
                   help="copy each batch from host memory every step (as real training does); "
                        "by default the batches stay on the device")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="also print one JSON object on the last line")
    a = p.parse_args(argv)

    widths = [int(w) for w in a.widths.split(",") if w.strip()]
    if not widths or any(w <= 0 for w in widths):
        p.error("--widths: need positive integers, e.g. 32,64,128")
    if a.outputs < 2 or a.outputs % 2:
        p.error("--outputs must be even and >= 2 (mean, log sigma pairs)")
    for name in ("size", "bands", "convs_per_block", "dense", "dense_layers", "batch", "steps", "infer_batch", "threads"):
        if getattr(a, name) <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive")
    if a.size >> len(widths) < 1:
        p.error(f"--widths: {len(widths)} pooling blocks shrink a {a.size}-pixel input below one pixel")
    if a.warmup < 0:
        p.error("--warmup must be >= 0")
    infer_steps = a.infer_steps if a.infer_steps > 0 else max(5, a.steps // 2)

    if a.device == "cuda":
        if not torch.cuda.is_available():
            print(f"torch_cnn.py: --device cuda, but torch {torch.__version__} sees no CUDA device "
                  f"(built with CUDA: {torch.version.cuda})", file=sys.stderr)
            return 4
        device = torch.device("cuda")
        device_name = torch.cuda.get_device_name(device)
        torch.backends.cudnn.benchmark = True  # autotuning happens in the warm-up steps
    else:
        device = torch.device("cpu")
        torch.set_num_threads(a.threads)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        device_name = cpu_name()

    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    model = build_model(a.size, a.bands, widths, a.convs_per_block, a.dense, a.outputs, a.dense_layers)
    n_params = sum(t.numel() for t in model.parameters())
    want = expected_params(a.size, a.bands, widths, a.convs_per_block, a.dense, a.outputs, a.dense_layers)
    if n_params != want:
        print(f"torch_cnn.py: internal error: {n_params} parameters, formula says {want}", file=sys.stderr)
        return 1
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = model.to(device=device, memory_format=fmt)

    x_host = torch.from_numpy(rng.random((a.batch, a.bands, a.size, a.size), dtype=np.float32))
    x_host = x_host.contiguous(memory_format=fmt)
    y_host = torch.from_numpy(rng.standard_normal((a.batch, a.outputs // 2)).astype(np.float32))
    xi_host = torch.from_numpy(rng.random((a.infer_batch, a.bands, a.size, a.size), dtype=np.float32))
    xi_host = xi_host.contiguous(memory_format=fmt)
    x, y, xi = x_host.to(device), y_host.to(device), xi_host.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def batch():
        if a.from_host:
            return x_host.to(device), y_host.to(device)
        return x, y

    def infer_input():
        return xi_host.to(device) if a.from_host else xi

    def step():
        opt.zero_grad(set_to_none=True)
        bx, by = batch()
        loss = gaussian_nll(model(bx), by)
        loss.backward()
        opt.step()
        return loss

    # Training.
    model.train()
    for _ in range(a.warmup):
        step()
    sync(device)
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    sync(device)
    train_s = time.perf_counter() - t0
    last_loss = float(loss.detach().cpu())
    train_ips = a.batch * a.steps / train_s

    # Inference.
    model.eval()
    with torch.no_grad():
        for _ in range(a.warmup):
            model(infer_input())
        sync(device)
        t0 = time.perf_counter()
        for _ in range(infer_steps):
            out = model(infer_input())
        sync(device)
        infer_s = time.perf_counter() - t0
        assert out.shape == (a.infer_batch, a.outputs)
    infer_ips = a.infer_batch * infer_steps / infer_s

    threads = torch.get_num_threads()
    print(f"pytorch {torch.__version__} on {a.device} ({device_name}), {threads} threads: "
          f"CNN {a.size}x{a.size}x{a.bands} widths {widths} x{a.convs_per_block} dense {a.dense}x{a.dense_layers} -> {a.outputs}, "
          f"{n_params} parameters")
    print(f"  train: batch {a.batch}, {a.steps} steps in {train_s:.3f} s = {train_ips:.1f} images/s "
          f"({1e3 * train_s / a.steps:.1f} ms/step, last loss {last_loss:.4f})")
    print(f"  infer: batch {a.infer_batch}, {infer_steps} batches in {infer_s:.3f} s = {infer_ips:.1f} images/s")
    if not math.isfinite(last_loss):
        print("torch_cnn.py: warning: loss is not finite", file=sys.stderr)
    if a.json:
        print(json.dumps({
            "framework": "pytorch",
            "torch": torch.__version__,
            "device": a.device,
            "device_name": device_name,
            "threads": threads,
            "size": a.size,
            "bands": a.bands,
            "widths": widths,
            "convs_per_block": a.convs_per_block,
            "dense": a.dense,
            "dense_layers": a.dense_layers,
            "outputs": a.outputs,
            "params": n_params,
            "batch": a.batch,
            "steps": a.steps,
            "infer_batch": a.infer_batch,
            "infer_steps": infer_steps,
            "channels_last": a.channels_last,
            "from_host": a.from_host,
            "train_seconds": round(train_s, 6),
            "infer_seconds": round(infer_s, 6),
            "train_images_per_s": round(train_ips, 2),
            "infer_images_per_s": round(infer_ips, 2),
            "loss": last_loss,
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
