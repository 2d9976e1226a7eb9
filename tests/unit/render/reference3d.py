"""numpy reference of the 3D ray caster for axis-aligned views (src/daemon/render/volume-modes.ts).

Used by render3d.test.ts. Usage: python reference3d.py JSON < volume bytes; float64 image on stdout.
JSON: shape, dtype, mode, view [axis, sign], down [axis, sign], right [axis, sign], lo, hi, cutoff,
attenuation, threshold. The image is (rows along `down`, cols along `right`) of the reduced data value
per pixel, NaN where the pixel is transparent; for mode "iso" it is the hit mask (1.0 / 0.0).
"""

import json
import sys

import numpy as np


def reduce(rays, p):
    """Reduce axis 0 of `rays` (samples front to back) as p["mode"] says."""
    lo, hi = p["lo"], p["hi"]
    mode = p["mode"]
    if mode == "mip":
        m = rays.max(axis=0)
        return np.where(m > p["cutoff"], m, np.nan)
    if mode == "minip":
        m = rays.min(axis=0)
        return np.where(m < p["cutoff"], m, np.nan)
    if mode == "average":
        return rays.sum(axis=0) / rays.shape[0]
    if mode == "iso":
        return (rays > p["threshold"]).any(axis=0).astype(np.float64)
    if mode == "attenuated_mip":
        # vispy's _ATTENUATED_MIP_SNIPPETS in_loop, vectorised over rays; step size 1 voxel.
        maxval = np.full(rays.shape[1:], p["cutoff"], dtype=np.float64)
        sumval = np.zeros(rays.shape[1:])
        found = np.zeros(rays.shape[1:], dtype=bool)
        active = np.ones(rays.shape[1:], dtype=bool)
        for val in rays:
            sumval = np.where(active, sumval + np.clip((val - lo) / (hi - lo), 0.0, 1.0), sumval)
            scale = np.exp(-p["attenuation"] * (sumval - 1))
            active &= ~(maxval > scale * hi)
            update = active & (val * scale > maxval)
            maxval = np.where(update, val * scale, maxval)
            found |= update
        return np.where(found, maxval, np.nan)
    raise ValueError(f"unknown mode {mode}")


def main():
    p = json.loads(sys.argv[1])
    vol = np.frombuffer(sys.stdin.buffer.read(), dtype=p["dtype"]).reshape(p["shape"]).astype(np.float64)
    k, sign = p["view"]
    rays = np.moveaxis(vol, k, 0)
    if sign < 0:
        rays = rays[::-1]
    img = reduce(rays, p)
    others = [a for a in range(3) if a != k]
    if others != [p["down"][0], p["right"][0]]:
        img = img.T
    if p["down"][1] < 0:
        img = img[::-1, :]
    if p["right"][1] < 0:
        img = img[:, ::-1]
    sys.stdout.buffer.write(np.ascontiguousarray(img, dtype="<f8").tobytes())


if __name__ == "__main__":
    main()
