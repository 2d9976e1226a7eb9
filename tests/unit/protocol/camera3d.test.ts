import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  anglesFromFrame,
  cssSize,
  cameraFrame,
  deviceRays,
  devicePixelToWorld,
  fitCamera3d,
  orbit,
  pan3d,
  upDirection,
  viewDirection,
  worldToScreen3d,
  type Camera,
  type Canvas,
  type Vec3,
} from "../../../src/protocol/index.js";
import { PYTHON, pythonHas, runPython } from "../render/python.js";

const BRIDGE = fileURLToPath(new URL("../../../kernel-bridge", import.meta.url));

const close = (a: readonly number[], b: readonly number[], tol = 1e-12, msg = ""): void => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol, `${msg} [${a.join(", ")}] vs [${b.join(", ")}]`));
};
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

const SAMPLE_ANGLES: Vec3[] = [
  [0, 0, 90],
  [0, 0, 0],
  [12, -34, 56],
  [-170, 80, 5],
  [45, 45, 45],
  [90, 30, -120],
  [3, -89, 181],
];

describe("camera3d frame (napari 0.6-0.8 Camera.view_direction / up_direction)", () => {
  it("default angles look along -z with y down and x right, exactly", () => {
    const f = cameraFrame([0, 0, 90]);
    assert.deepEqual(
      f.view.map((v) => v + 0),
      [-1, 0, 0],
    );
    assert.deepEqual(
      f.up.map((v) => v + 0),
      [0, -1, 0],
    );
    assert.deepEqual(
      f.right.map((v) => v + 0),
      [0, 0, 1],
    );
  });

  it(
    "matches napari's formulas (scipy Rotation 'yzx', z flipped) for arbitrary angles",
    { skip: !pythonHas("scipy") },
    () => {
      const code = [
        "import json, sys, numpy as np",
        "from scipy.spatial.transform import Rotation as R",
        "out = []",
        "for a in json.loads(sys.argv[1]):",
        "    ang = np.deg2rad(a)",
        "    view = [-np.sin(ang[2]) * np.cos(ang[1]), np.cos(ang[2]) * np.cos(ang[1]), -np.sin(ang[1])]",
        "    m = R.from_euler(seq='yzx', angles=a, degrees=True).as_matrix()",
        "    out.append([view, [-m[2, 2], m[1, 2], m[0, 2]]])",
        "print(json.dumps(out))",
      ].join("\n");
      const want = JSON.parse(runPython(code, "", [JSON.stringify(SAMPLE_ANGLES)]).toString()) as number[][][];
      SAMPLE_ANGLES.forEach((a, i) => {
        close(viewDirection(a), want[i]![0]!, 1e-12, `view ${a.join(",")}`);
        close(upDirection(a), want[i]![1]!, 1e-12, `up ${a.join(",")}`);
      });
    },
  );

  it("is orthonormal and right-handed in (z, y, x): right = view x up", () => {
    for (const a of SAMPLE_ANGLES) {
      const { view, up, right } = cameraFrame(a);
      for (const v of [view, up, right]) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-12);
      assert.ok(Math.abs(dot(view, up)) < 1e-12);
      close(right, cross(view, up), 1e-12, `right ${a.join(",")}`);
    }
  });

  it("anglesFromFrame inverts cameraFrame (gimbal lock included)", () => {
    for (const a of [...SAMPLE_ANGLES, [30, 90, 10] as Vec3, [-20, -90, 40] as Vec3]) {
      const f = cameraFrame(a);
      const g = cameraFrame(anglesFromFrame(f.view, f.up));
      close(g.view, f.view, 1e-9, `view ${a.join(",")}`);
      close(g.up, f.up, 1e-9, `up ${a.join(",")}`);
    }
    close(anglesFromFrame([-1, 0, 0], [0, -1, 0]), [0, 0, 90], 1e-12);
  });
});

describe("camera3d projection", () => {
  const canvas: Canvas = { width: 64, height: 48, pixel_ratio: 2 };
  const camera: Camera = { center: [5, 7, 9], zoom: 1.5, angles: [0, 0, 90] };

  it("default-angle rays start exactly where devicePixelToWorld puts 2D pixels, on z = center z", () => {
    const rays = deviceRays(camera, canvas);
    const v2 = devicePixelToWorld(camera, canvas);
    for (const [c, r] of [
      [0, 0],
      [17, 33],
      [63, 47],
    ] as const) {
      const p = [0, 1, 2].map((i) => rays.origin[i]! + c * rays.stepRight[i]! + r * rays.stepDown[i]!);
      assert.deepEqual(p, [5, v2.originY + r * v2.step, v2.originX + c * v2.step]);
    }
    assert.deepEqual(
      rays.direction.map((v) => v + 0),
      [-1, 0, 0],
    );
  });

  it("worldToScreen3d maps each ray origin to its pixel centre (CSS px) for rotated cameras", () => {
    for (const angles of SAMPLE_ANGLES) {
      const cam = { ...camera, angles };
      const rays = deviceRays(cam, canvas);
      for (const [c, r] of [
        [0, 0],
        [40, 11],
      ] as const) {
        const p = [0, 1, 2].map((i) => rays.origin[i]! + c * rays.stepRight[i]! + r * rays.stepDown[i]!) as Vec3;
        // Moving along the ray does not move the projection (orthographic).
        const q = p.map((v, i) => v + 7 * rays.direction[i]!) as Vec3;
        const want = [(c + 0.5) / canvas.pixel_ratio, (r + 0.5) / canvas.pixel_ratio];
        close(worldToScreen3d(cam, canvas, p), want, 1e-9);
        close(worldToScreen3d(cam, canvas, q), want, 1e-9);
      }
    }
  });

  it("pan3d keeps the world point under the pointer under it", () => {
    for (const angles of SAMPLE_ANGLES) {
      const cam = { ...camera, angles };
      const p: Vec3 = [3, -4, 11];
      const [x, y] = worldToScreen3d(cam, canvas, p);
      close(worldToScreen3d(pan3d(cam, 12, -7), canvas, p), [x + 12, y - 7], 1e-9);
    }
  });

  it("fitCamera3d centres the box, fits hypot(y, z) / hypot(x, z) and resets the angles", () => {
    const cam = fitCamera3d({ ...camera, angles: [10, 20, 30] }, canvas, [-0.5, -0.5, -0.5], [99.5, 19.5, 39.5]);
    assert.deepEqual(cam.center, [49.5, 9.5, 19.5]);
    assert.deepEqual(cam.angles, [0, 0, 90]);
    assert.ok(Math.abs(cam.zoom - Math.min(32 / Math.hypot(40, 100), 24 / Math.hypot(20, 100)) * 0.95) < 1e-12);
  });

  it("fitCamera3d equals the kernel's fit_camera_3d (napari_cuda._camera)", { skip: !PYTHON }, () => {
    const lo: Vec3 = [9, -0.5, -0.25];
    const hi: Vec3 = [33, 29.5, 19.75];
    const code = [
      "import json, sys",
      "sys.path.insert(0, sys.argv[2])",
      "from napari_cuda._camera import fit_camera_3d",
      "print(json.dumps(fit_camera_3d((400.0, 300.0), *json.loads(sys.argv[1]), 0.05)))",
    ].join("\n");
    const [center, zoom] = JSON.parse(runPython(code, "", [JSON.stringify([lo, hi]), BRIDGE]).toString()) as [
      number[],
      number,
    ];
    const cam = fitCamera3d(camera, { width: 800, height: 600, pixel_ratio: 2 }, lo, hi, 0.05);
    close(cam.center, center);
    assert.ok(Math.abs(cam.zoom - zoom) < 1e-12);
  });

  it("fitCamera3d keeps every corner of the box on the canvas at the default angles and after orbits", () => {
    const big: Canvas = { width: 1600, height: 1200, pixel_ratio: 2 }; // 800 x 600 CSS
    const { width, height } = cssSize(big);
    const boxes: [Vec3, Vec3][] = [
      [
        [-0.5, -0.5, -0.5],
        [511.5, 511.5, 511.5],
      ], // the demo cube
      [
        [0, -0.5, -0.5],
        [5, 2047.5, 2047.5],
      ], // a flat stack
      [
        [-0.5, -0.5, -0.5],
        [499.5, 63.5, 63.5],
      ], // a deep, narrow one
    ];
    const corners = (lo: Vec3, hi: Vec3): Vec3[] =>
      [0, 1, 2, 3, 4, 5, 6, 7].map((k) => [0, 1, 2].map((i) => ((k >> i) & 1 ? hi[i]! : lo[i]!)) as Vec3);
    const inside = (cam: Camera, lo: Vec3, hi: Vec3): boolean =>
      corners(lo, hi).every((p) => {
        const [x, y] = worldToScreen3d(cam, big, p);
        return x >= -1e-9 && x <= width + 1e-9 && y >= -1e-9 && y <= height + 1e-9;
      });
    for (const [lo, hi] of boxes) {
      const fit = fitCamera3d(camera, big, lo, hi);
      assert.ok(inside(fit, lo, hi), "at the default angles");
      // A drag turns about one screen axis: any amount keeps the box whole.
      for (let deg = 0; deg < 360; deg += 15) {
        const px = deg / 0.25;
        assert.ok(inside({ ...fit, angles: orbit(fit.angles, px, 0) }, lo, hi), `yaw ${deg}`);
        assert.ok(inside({ ...fit, angles: orbit(fit.angles, 0, px) }, lo, hi), `pitch ${deg}`);
      }
    }
    // The example notebook's view of the cube.
    const [lo, hi] = boxes[0]!;
    assert.ok(inside({ ...fitCamera3d(camera, big, lo, hi), angles: [0, 30, 60] }, lo, hi));
  });
});

describe("camera3d orbit", () => {
  const canvas: Canvas = { width: 200, height: 100, pixel_ratio: 1 };

  it("the near side of the volume follows the pointer", () => {
    for (const angles of SAMPLE_ANGLES) {
      const cam: Camera = { center: [0, 0, 0], zoom: 10, angles };
      const near = cameraFrame(angles).view.map((v) => -v) as Vec3; // one unit towards the viewer
      const [x0, y0] = worldToScreen3d(cam, canvas, near);
      const right = worldToScreen3d({ ...cam, angles: orbit(angles, 20, 0) }, canvas, near);
      const down = worldToScreen3d({ ...cam, angles: orbit(angles, 0, 20) }, canvas, near);
      assert.ok(right[0] > x0 + 0.5 && Math.abs(right[1] - y0) < 1e-6, `drag right at ${angles.join(",")}`);
      assert.ok(down[1] > y0 + 0.5 && Math.abs(down[0] - x0) < 1e-6, `drag down at ${angles.join(",")}`);
    }
  });

  it("turns by degreesPerPixel per pixel and a zero drag keeps the frame", () => {
    const a = orbit([0, 0, 90], 360, 0, 0.25); // 90 degrees about screen up (-y)
    const f = cameraFrame(a);
    close(f.up, [0, -1, 0], 1e-12);
    close(f.view, [0, 0, 1], 1e-12); // the view swings from -z to +x (the near side moved right)
    const b = cameraFrame(orbit([12, -34, 56], 0, 0));
    const c = cameraFrame([12, -34, 56]);
    close(b.view, c.view, 1e-12);
    close(b.up, c.up, 1e-12);
  });
});
