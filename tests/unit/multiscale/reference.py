"""napari's 2D multiscale level rule, transcribed for cross-checks (tests/unit/multiscale/level.test.ts).

Sources (github.com/napari/napari at f9747da7e815dda219ab85f21989f990702c5654):
- src/napari/layers/utils/layer_utils.py: compute_multiscale_level, compute_multiscale_level_and_corners
- src/napari/layers/base/base.py: Layer._update_draw (four corners -> data, floor/ceil bbox)
- src/napari/_vispy/canvas.py: on_draw (corners (0, 0) and the viewbox size; shape_threshold = size[::-1])

Reads a JSON list of cases on stdin; writes a JSON list of {"level", "corners"} on stdout. Each case:
camera {center (y, x), zoom}, canvas {width, height, pixel_ratio} in device pixels, scale/translate of the
two displayed axes, factors and shapes: one (y, x) row per level. shape_threshold is the canvas in device pixels
(the daemon's deliberate choice, see src/daemon/multiscale/level.ts).
"""

import itertools
import json
import sys

import numpy as np


def compute_multiscale_level(requested_shape, shape_threshold, downsample_factors):
    # layer_utils.py, verbatim apart from this comment.
    scaled_shape = requested_shape / downsample_factors
    exceeds_threshold = requested_shape > shape_threshold
    is_downsampled = np.any(downsample_factors > 1, axis=0)
    active_dims = exceeds_threshold & is_downsampled
    if not np.any(active_dims):
        return 0
    locations = np.flatnonzero(
        np.all(
            (scaled_shape > shape_threshold)[:, active_dims],
            axis=1,
        )
    )
    return int(locations[-1]) if locations.size else 0


def compute_multiscale_level_and_corners(corner_pixels, shape_threshold, downsample_factors):
    # layer_utils.py, verbatim.
    requested_shape = corner_pixels[1] - corner_pixels[0]
    level = compute_multiscale_level(requested_shape, shape_threshold, downsample_factors)
    corners = corner_pixels / downsample_factors[level]
    corners = np.array([np.floor(corners[0]), np.ceil(corners[1])]).astype(int)
    return level, corners


def canvas_corners_in_world(case):
    # canvas.py _viewbox_corners_in_world: canvas pixels (0, 0) and (w, h) mapped through the PanZoom
    # camera; world per device pixel = 1 / (zoom * pixel_ratio), centred on camera.center.
    cam, canvas = case["camera"], case["canvas"]
    step = 1 / (cam["zoom"] * canvas["pixel_ratio"])
    cy, cx = cam["center"][-2:]
    hy = (canvas["height"] / 2) * step
    hx = (canvas["width"] / 2) * step
    return np.array([[cy - hy, cx - hx], [cy + hy, cx + hx]])


def update_draw(case):
    # base.py _update_draw: all four corners, inverse world transform, min/max, floor/ceil.
    corners_world = canvas_corners_in_world(case)
    scale = np.asarray(case["scale"], dtype=float)
    translate = np.asarray(case["translate"], dtype=float)
    all_corners = np.array(list(itertools.product(*corners_world.T)))
    data_corners = (all_corners - translate) / scale
    data_bbox = np.stack([np.min(data_corners, axis=0), np.max(data_corners, axis=0)])
    data_bbox_int = np.stack([np.floor(data_bbox[0]), np.ceil(data_bbox[1])]).astype(int)
    shape_threshold = np.array([case["canvas"]["height"], case["canvas"]["width"]])
    factors = np.asarray(case["factors"], dtype=float)
    level, corners = compute_multiscale_level_and_corners(data_bbox_int, shape_threshold, factors)
    # scalar_field.py _update_level_and_corners: clip to the level's (displayed) shape - 1.
    max_coords = np.asarray(case["shapes"][level]) - 1
    corners = np.clip(corners, 0, max_coords)
    return {"level": level, "corners": corners.tolist(), "bbox": data_bbox_int.tolist()}


if __name__ == "__main__":
    cases = json.load(sys.stdin)
    json.dump([update_draw(c) for c in cases], sys.stdout)
