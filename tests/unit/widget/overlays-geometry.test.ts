import assert from "node:assert/strict";
import { test } from "node:test";
import { devicePixelToWorld, worldToScreen } from "../../../src/protocol/camera.js";
import { deviceRays, worldToScreen3d, type Vec3 } from "../../../src/protocol/camera3d.js";
import type { Camera, Canvas } from "../../../src/protocol/state.js";
import { AXIS_COLORS, axesGroup, axisArrows } from "../../../src/widget/overlays/axes.js";
import { boundingBoxGroup, boxCorners, layerWorldBox, projectCorner } from "../../../src/widget/overlays/bounds.js";
import { layersUnit, overlayScene, readOverlays } from "../../../src/widget/overlays/overlays.js";
import type { DimsTrait, LayerTrait } from "../../../src/widget/state/traits.js";
import { layerTrait } from "./layer-fixture.js";

const canvas: Canvas = { width: 800, height: 600, pixel_ratio: 2 }; // 400 x 300 CSS px

const layer = (over: Partial<LayerTrait> & Record<string, unknown> = {}): LayerTrait =>
  layerTrait({ shape: [10, 20], ...over });

const close = (a: readonly number[], b: readonly number[], tol = 1e-9) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol);

test("world box: pixel edges included, scale and translate applied, displayed axes only", () => {
  const l = layer({ shape: [10, 20], scale: [2, 0.5], translate: [5, 1] });
  assert.deepEqual(layerWorldBox(l, 2), { min: [4, 0.75], max: [24, 10.75] });
  // A 2D layer in 3D: flat at z = 0 (napari pads its bounds with 0).
  assert.deepEqual(layerWorldBox(l, 3), { min: [0, 4, 0.75], max: [0, 24, 10.75] });
  const vol = layer({ shape: [3, 4, 10, 20], scale: [1, 2, 1, 1], translate: [0, 10, 0, 0] });
  assert.deepEqual(layerWorldBox(vol, 3), { min: [9, -0.5, -0.5], max: [17, 9.5, 19.5] });
  assert.deepEqual(layerWorldBox(vol, 2), { min: [-0.5, -0.5], max: [9.5, 19.5] });
  assert.equal(layerWorldBox(layer({ shape: [5] }), 2), null);
});

test("box corners and edges: 4 and 4 in 2D, 8 and 12 in 3D, a flat axis collapses", () => {
  const r = boxCorners({ min: [0, 0], max: [1, 2] });
  assert.equal(r.corners.length, 4);
  assert.equal(r.edges.length, 4);
  const b = boxCorners({ min: [0, 0, 0], max: [1, 2, 3] });
  assert.equal(b.corners.length, 8);
  assert.equal(b.edges.length, 12);
  for (const [i, j] of b.edges) {
    assert.equal(b.corners[i]!.filter((v, a) => v !== b.corners[j]![a]).length, 1);
  }
  const flat = boxCorners({ min: [0, 0, 0], max: [0, 2, 3] });
  assert.equal(flat.corners.length, 4);
  assert.equal(flat.edges.length, 4);
});

test("2D projection: exact CSS pixels, and each corner is a pixel edge of the daemon's sampling", () => {
  const cam: Camera = { center: [14, 5.75], zoom: 2, angles: [0, 0, 90] };
  const l = layer({ shape: [10, 20], scale: [2, 0.5], translate: [5, 1] });
  // (y, x) = (4, 0.75) -> x = (0.75 - 5.75) * 2 + 200, y = (4 - 14) * 2 + 150.
  assert.deepEqual(projectCorner(cam, canvas, [4, 0.75]), [190, 130]);
  assert.deepEqual(projectCorner(cam, canvas, [24, 10.75]), [210, 170]);
  const g = boundingBoxGroup(l, 2, cam, canvas)!;
  const dots = g.items.filter((i) => i.kind === "dot").map((i) => (i.kind === "dot" ? i.at : [0, 0]));
  assert.deepEqual(dots.sort(), [
    [190, 130],
    [190, 170],
    [210, 130],
    [210, 170],
  ]);
  assert.equal(g.items.filter((i) => i.kind === "line").length, 4);
  // The daemon samples device pixel centres with devicePixelToWorld: the corner's device coordinate
  // (CSS * ratio) is exactly where world == the box edge, half a pixel before a centre.
  const map = devicePixelToWorld(cam, canvas);
  const [sx, sy] = projectCorner(cam, canvas, [4, 0.75]);
  assert.ok(Math.abs(map.originX + (sx * 2 - 0.5) * map.step - 0.75) < 1e-12);
  assert.ok(Math.abs(map.originY + (sy * 2 - 0.5) * map.step - 4) < 1e-12);
});

test("3D projection: the default camera draws what 2D draws; any angle lies on the daemon's rays", () => {
  const vol = layer({ shape: [4, 10, 20], scale: [1, 1, 1], translate: [0, 0, 0] });
  const cam: Camera = { center: [1.5, 4.5, 9.5], zoom: 10, angles: [0, 0, 90] };
  const g = boundingBoxGroup(vol, 3, cam, canvas)!;
  const dots = g.items.filter((i) => i.kind === "dot");
  assert.equal(dots.length, 8);
  assert.equal(g.items.filter((i) => i.kind === "line").length, 12);
  // Looking along -z: the box's outline is the (y, x) rectangle, x = (-0.5 - 9.5) * 10 + 200 = 100, ...
  const xs = new Set(dots.map((d) => (d.kind === "dot" ? d.at[0] : NaN)));
  const ys = new Set(dots.map((d) => (d.kind === "dot" ? d.at[1] : NaN)));
  assert.deepEqual(
    [...xs].sort((a, b) => a - b),
    [100, 300],
  );
  assert.deepEqual(
    [...ys].sort((a, b) => a - b),
    [100, 200],
  );
  for (const angles of [
    [0, 0, 90],
    [30, -20, 75],
    [-45, 60, 10],
    [90, 0, 0],
    [12.5, 33.3, 170],
  ]) {
    const c: Camera = { center: [2, 3, 4], zoom: 7, angles: angles as [number, number, number] };
    const rays = deviceRays(c, canvas);
    for (const corner of boxCorners(layerWorldBox(vol, 3)!).corners) {
      const [sx, sy] = projectCorner(c, canvas, corner);
      assert.deepEqual([sx, sy], worldToScreen3d(c, canvas, corner as Vec3));
      // The ray through that screen point (device coords = CSS * ratio - 0.5 from pixel centres) passes through the corner.
      const col = sx * canvas.pixel_ratio - 0.5;
      const row = sy * canvas.pixel_ratio - 0.5;
      const start = [0, 1, 2].map((i) => rays.origin[i]! + col * rays.stepRight[i]! + row * rays.stepDown[i]!);
      const d = corner.map((v, i) => v - start[i]!);
      const t = d.reduce((s, v, i) => s + v * rays.direction[i]!, 0);
      const miss = d.map((v, i) => v - t * rays.direction[i]!);
      assert.ok(
        Math.hypot(...miss) < 1e-9,
        `angles ${angles}: corner ${corner} misses its ray by ${Math.hypot(...miss)}`,
      );
    }
  }
});

test("axes: napari's colours from the last axis (x cyan, y magenta, z yellow) and labels", () => {
  const dims2: DimsTrait = { ndisplay: 2, current_step: [0, 0, 0], axis_labels: ["z", "y", "x"] };
  const a2 = axisArrows(dims2, [0, 0, 90]);
  assert.deepEqual(
    a2.map((a) => [a.axis, a.label, a.color, a.dir]),
    [
      [1, "y", AXIS_COLORS[1], [0, 1]],
      [2, "x", AXIS_COLORS[0], [1, 0]],
    ],
  );
  const dims3: DimsTrait = { ndisplay: 3, current_step: [0, 0, 0, 0], axis_labels: [] };
  const a3 = axisArrows(dims3, [0, 0, 90]);
  assert.deepEqual(
    a3.map((a) => [a.label, a.color]),
    [
      ["1", "#ffff00"],
      ["2", "#ff00ff"],
      ["3", "#00ffff"],
    ],
  );
  // Default 3D view: z points at the viewer (no length on screen), y down, x right.
  assert.ok(close(a3[0]!.dir, [0, 0]) && a3[0]!.depth === -1);
  assert.ok(close(a3[1]!.dir, [0, 1]) && close(a3[2]!.dir, [1, 0]));
});

test("axes in 3D turn with the camera exactly as the volume projects", () => {
  const dims3: DimsTrait = { ndisplay: 3, current_step: [0, 0, 0], axis_labels: ["z", "y", "x"] };
  for (const angles of [
    [30, -20, 75],
    [-45, 60, 10],
    [12.5, 33.3, 170],
  ]) {
    const cam: Camera = { center: [0, 0, 0], zoom: 1, angles: angles as [number, number, number] };
    const o = worldToScreen3d(cam, canvas, [0, 0, 0]);
    for (const a of axisArrows(dims3, angles)) {
      const unit: Vec3 = [0, 0, 0];
      unit[a.axis] = 1;
      const p = worldToScreen3d(cam, canvas, unit);
      assert.ok(close(a.dir, [p[0] - o[0], p[1] - o[1]], 1e-12), `${angles} axis ${a.label}`);
    }
  }
  // Drawn back to front, in the bottom-left corner, every label present.
  const g = axesGroup(dims3, [30, -20, 75], 300);
  const texts = g.items.filter((i) => i.kind === "text").map((i) => (i.kind === "text" ? i.text : ""));
  assert.deepEqual([...texts].sort(), ["x", "y", "z"]);
  for (const i of g.items) {
    const pts = i.kind === "line" || i.kind === "polygon" ? i.points : [i.at];
    for (const [x, y] of pts) assert.ok(x >= 0 && x < 200 && y > 100 && y <= 300, `${i.kind} at ${x},${y}`);
  }
});

test("scene: trait reading, unit choice, what shows when", () => {
  assert.deepEqual(readOverlays(undefined), { scaleBar: { visible: false, unit: null }, axes: { visible: false } });
  assert.deepEqual(readOverlays({ scale_bar: { visible: true, unit: " " }, axes: { visible: 1 } }), {
    scaleBar: { visible: true, unit: null },
    axes: { visible: false },
  });
  const bottom = layer({ id: "b", units: ["", "micrometer", "micrometer"] });
  const top = layer({ id: "t", units: ["", "nm"] });
  assert.equal(layersUnit([bottom, top]), "nm");
  assert.equal(layersUnit([bottom, { ...top, visible: false }]), "micrometer");
  assert.equal(layersUnit([layer({ units: ["", ""] })]), null);
  const cam: Camera = { center: [4.5, 9.5], zoom: 2, angles: [0, 0, 90] };
  const dims: DimsTrait = { ndisplay: 2, current_step: [0, 0], axis_labels: ["y", "x"] };
  const none = overlayScene({ overlays: readOverlays({}), camera: cam, dims, layers: [bottom], canvas });
  assert.deepEqual(none, []);
  const boxed = { ...bottom, bounding_box: { visible: true } } as LayerTrait;
  const all = overlayScene({
    overlays: readOverlays({ scale_bar: { visible: true, unit: null }, axes: { visible: true } }),
    camera: cam,
    dims,
    layers: [boxed, { ...boxed, id: "hidden", visible: false }],
    canvas,
  });
  assert.deepEqual(
    all.map((g) => g.name),
    ["napari-cuda-bounding-box", "napari-cuda-axes", "napari-cuda-scale-bar"],
  );
  assert.equal(all[2]!.data.label, "50 µm"); // 75 µm at zoom 2 -> 50 µm, the layer's unit
  const own = overlayScene({
    overlays: readOverlays({ scale_bar: { visible: true, unit: "nm" } }),
    camera: cam,
    dims,
    layers: [boxed],
    canvas,
  });
  assert.equal(own.at(-1)!.data.label, "50 nm");
  // The 2D box matches worldToScreen.
  const corner = worldToScreen(cam, canvas, [-0.5, -0.5]);
  const dot = all[0]!.items.find((i) => i.kind === "dot" && close(i.at, corner));
  assert.ok(dot !== undefined);
});
