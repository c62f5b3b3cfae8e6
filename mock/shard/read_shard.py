#!/usr/bin/env python3
"""Read a galforge training shard (format version 1, see FORMAT.md) with numpy + zstandard.

    from read_shard import read_shard
    header, ex = read_shard("train-000.shard")
    ex["images"]   # (n, planes, bands, S, S) float32, e.g. ex["images"][:, 0] is SCI
    ex["truth"]    # (n, len(header["truth"])) float32
    ex["id"], ex["snapshot"], ex["view"], ex["row"]

Command line: read_shard.py SHARD [--dump DIR] prints a summary; --dump writes each field as raw
little-endian bytes (DIR/id.bin, ...) for comparison with other readers.
"""
import json, struct, sys

import numpy as np
import zstandard

INDEX = np.dtype([("offset", "<u8"), ("length", "<u8"), ("count", "<u8"), ("xxh64", "<u8")])


def read_shard(path, verify=True):
    """Return (header dict, structured array of all examples)."""
    buf = open(path, "rb").read()
    magic, version, hlen = struct.unpack_from("<8sII", buf, 0)
    assert magic == b"GALFSHRD" and version == 1, f"{path}: not a version-1 galforge shard"
    header = json.loads(buf[16:16 + hlen])
    ioff, nblocks, n = struct.unpack_from("<QQQ", buf, len(buf) - 48)
    index = np.frombuffer(buf, INDEX, nblocks, ioff)
    rec = np.dtype([(name, t, tuple(shape)) for name, t, shape in header["record"]])
    # zstd itself checks each frame's content checksum (low 32 bits of XXH64).
    blocks = [zstandard.ZstdDecompressor().decompress(buf[o:o + l]) for o, l, _, _ in index]
    if verify:
        verify_blocks(path, index, blocks)
    return header, np.frombuffer(b"".join(blocks), rec, n)


def verify_blocks(path, index, blocks):
    """Check each block's full XXH64 against the index, if the xxhash package is installed."""
    try:
        import xxhash
    except ImportError:
        return
    bad = [k for k, b in enumerate(blocks) if xxhash.xxh64_intdigest(b) != int(index["xxh64"][k])]
    assert not bad, f"{path}: checksum mismatch in blocks {bad}"


if __name__ == "__main__":
    header, ex = read_shard(sys.argv[1])
    print(f"{sys.argv[1]}: {len(ex)} examples, images {ex['images'].shape[1:]} "
          f"planes={header['planes']} bands={header['bands']} truth={[c['name'] for c in header['truth']]}")
    if len(sys.argv) == 4 and sys.argv[2] == "--dump":
        for name in ex.dtype.names:
            np.ascontiguousarray(ex[name]).tofile(f"{sys.argv[3]}/{name}.bin")
