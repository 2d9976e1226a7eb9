"""numpy reference of the CPU renderer's documented semantics (src/daemon/render/*.ts).

Used by reference.test.ts: it must agree with renderLayers2D bit for bit.
Usage: python reference.py SCENE_DIR  (scene.json + <layer id>.bin), RGBA bytes on stdout.
"""

import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from support.colormaps import lut


def axis_coords(origin, step, n, translate, scale):
    return (origin + np.arange(n, dtype=np.float64) * step - translate) / scale


def sample(plane, ys, xs, interpolation):
    """Values (float64) at data coords ys (rows) x xs (cols); NaN outside the data."""
    h, w = plane.shape
    plane = plane.astype(np.float64)
    ny, nx = np.floor(ys + 0.5), np.floor(xs + 0.5)
    iny, inx = (ny >= 0) & (ny < h), (nx >= 0) & (nx < w)
    out = np.full((len(ys), len(xs)), np.nan)
    if interpolation == "nearest":
        vals = plane[np.clip(ny, 0, h - 1).astype(int)][:, np.clip(nx, 0, w - 1).astype(int)]
    else:
        y0, x0 = np.floor(ys), np.floor(xs)
        fy, fx = ys - y0, xs - x0
        ylo, yhi = np.clip(y0, 0, h - 1).astype(int), np.clip(y0 + 1, 0, h - 1).astype(int)
        xlo, xhi = np.clip(x0, 0, w - 1).astype(int), np.clip(x0 + 1, 0, w - 1).astype(int)
        v00, v01 = plane[ylo][:, xlo], plane[ylo][:, xhi]
        v10, v11 = plane[yhi][:, xlo], plane[yhi][:, xhi]
        top = v00 + (v01 - v00) * fx[None, :]
        bottom = v10 + (v11 - v10) * fx[None, :]
        vals = top + (bottom - top) * fy[:, None]
    mask = iny[:, None] & inx[None, :]
    out[mask] = vals[mask]
    return out


def render(scene, folder):
    cam, canvas, dims = scene["camera"], scene["canvas"], scene["dims"]
    width, height = canvas["width"], canvas["height"]
    step = 1 / (cam["zoom"] * canvas["pixel_ratio"])
    cy, cx = cam["center"][-2:]
    origin_y = cy + (0.5 - height / 2) * step
    origin_x = cx + (0.5 - width / 2) * step
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    for layer in scene["layers"]:
        if not layer["visible"]:
            continue
        data = np.fromfile(folder / f"{layer['id']}.bin", dtype=layer["dtype"]).reshape(layer["shape"])
        nd = data.ndim
        steps = dims["current_step"]
        shift = len(steps) - nd
        index = tuple(
            min(max(steps[i + shift] if 0 <= i + shift < len(steps) else 0, 0), data.shape[i] - 1)
            for i in range(nd - 2)
        )
        plane = data[index]
        scale = layer["scale"] + [1] * (nd - len(layer["scale"]))
        translate = layer["translate"] + [0] * (nd - len(layer["translate"]))
        ys = axis_coords(origin_y, step, height, translate[nd - 2], scale[nd - 2])
        xs = axis_coords(origin_x, step, width, translate[nd - 1], scale[nd - 1])
        v = sample(plane, ys, xs, layer["interpolation"])
        lo, hi = layer["contrast_limits"]
        g = layer["gamma"]
        with np.errstate(invalid="ignore"):
            t = np.clip((v - lo) / (hi - lo), 0, 1)
            t = t if g == 1 else t**g
        valid = ~np.isnan(t)
        idx = np.minimum(255, np.floor(np.where(valid, t, 0) * 256)).astype(int)
        src = lut(layer["colormap"])[idx].astype(np.float64)
        dst = frame.astype(np.float64)
        a = layer["opacity"]
        if layer["blending"] == "opaque":
            new = src
        elif layer["blending"] == "additive":
            new = np.minimum(255, np.floor(dst + src * a + 0.5))
        else:
            new = np.floor(src * a + dst * (1 - a) + 0.5)
        if layer["blending"] != "opaque" and a <= 0:
            continue
        frame = np.where(valid[:, :, None], new, dst).astype(np.uint8)
    rgba = np.concatenate([frame, np.full((height, width, 1), 255, np.uint8)], axis=2)
    return rgba


if __name__ == "__main__":
    folder = pathlib.Path(sys.argv[1])
    scene = json.loads((folder / "scene.json").read_text())
    sys.stdout.buffer.write(render(scene, folder).tobytes())
