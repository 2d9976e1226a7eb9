// GLSL of points layers: the per-pixel half of src/daemon/render/points-draw.ts (vispy's marker signed distances
// of point-markers.ts, its markerColor, and the RGBA8 blend), in float64 with the CPU's operation order. Every
// variable on the way to a result is `precise` (no fma contraction), so each double rounds as JavaScript's does.
// Non-dyadic constants (sqrt 2, the trig values, fdlibm's exp coefficients) come from the TS side as doubles
// (uniform pc, src/daemon/render/gpu/points-job.ts markerConstants): no decimal literal is parsed here.
// exp: GLSL has no float64 exp, and the CPU's Math.exp is V8's port of fdlibm's e_exp.c, so that port is
// repeated below (only +, -, *, / and exponent bits): the same alpha doubles, hence identical pixels. (Measured
// on an H200: float exp() there left 1-of-255 differences in 5 of the 38 GPU scenes of tests/gpu/points.test.ts,
// and dropping `precise` in 2; with both as below every scene is byte-identical.)
#include "shader.h"

static const char* kPointsHead = R"GLSL(#version 450 core
layout(local_size_x = 16, local_size_y = 16) in;
layout(rgba8, binding = 0) uniform image2D frame;
// One record per point, 34 words: 14 doubles (cx, cy, s, edge, lim, inner, face rgb, face alpha, border rgb,
// border alpha), then int32 symbol, c0, c1, r0, r1 and a pad word (points-records.ts).
layout(std430, binding = 1) readonly buffer Records { uint rec[]; };
// tiles[0..ntiles]: where each 16x16 tile's list starts; then the lists (record indices, table order).
layout(std430, binding = 2) readonly buffer Tiles { uint tiles[]; };
uniform ivec2 boxOrigin;
uniform ivec2 boxEnd;
uniform int tilesX;
uniform int ntiles;
uniform double aa;
uniform double opacity;
uniform int blendMode;  // 0 translucent, 1 additive, 2 opaque
uniform double pc[34];

double rd(uint b, uint j) { return packDouble2x32(uvec2(rec[b + 2u * j], rec[b + 2u * j + 1u])); }
)GLSL";

// point-markers.ts, symbol by symbol (POINT_SYMBOLS order); pc[0] sqrt2, pc[1] sqrt3, pc[2] sqrt3/2,
// pc[3] 0.32, pc[4] 0.36/sqrt3, pc[5] -0.05, pc[6..7] cos/sin 18deg, pc[8..13] clobber's cos/sin t_k,
// pc[14..21] star's cos/sin a_i (i = 1..4).
static const char* kMarkers = R"GLSL(
double bars(double x, double y, double s) {
  precise double vbar = max(abs(x) - s / 6.0lf, abs(y) - s / 2.0lf);
  precise double hbar = max(abs(y) - s / 6.0lf, abs(x) - s / 2.0lf);
  return min(vbar, hbar);
}

double arrow(double x, double y, double s) {
  precise double ady = abs(y);
  precise double r1 = abs(x) + ady - s / 2.0lf;
  precise double r2 = x + 0.25lf * s + ady - s / 2.0lf;
  precise double r = max(r1, -r2) / pc[0];
  return r;
}

double triangle(double x, double y, double s, double sign) {
  precise double h = (sign * s * pc[1]) / 2.0lf;
  precise double bottom = sign * (y - h / 2.0lf);
  precise double rotated = pc[2] * x - 0.5lf * (y - h / 6.0lf) + h / 6.0lf;
  precise double ccRotated = (-pc[2]) * x - 0.5lf * (y - h / 6.0lf) + h / 6.0lf;
  precise double r = max(max(sign * (rotated - h / 2.0lf), sign * (ccRotated - h / 2.0lf)), bottom);
  return r;
}

double clobber(double x, double y, double s) {
  precise double radius = pc[3] * s;
  precise double shift = pc[4] * s;
  precise double py = y - 0.25lf * shift;
  double r = 0.0lf;
  for (int k = 0; k < 3; k++) {
    precise double dx = x - pc[8 + 2 * k] * shift;
    precise double dy = py - pc[9 + 2 * k] * shift;
    precise double d = sqrt(dx * dx + dy * dy) - radius;
    r = k == 0 ? d : min(r, d);
  }
  return r;
}

double star(double x, double y, double s) {
  precise double yy = y + pc[5] * s;
  precise double top = (-s) / 2.0lf;
  double out_ = 0.0lf;
  for (int i = 0; i <= 4; i++) {
    precise double sx = x;
    precise double sy = yy;
    if (i > 0) {
      double c = pc[12 + 2 * i];
      double sn = pc[13 + 2 * i];
      sx = c * x - sn * yy;
      sy = sn * x + c * yy;
    }
    precise double left = pc[6] * sx - pc[7] * (sy - top);
    precise double right = pc[6] * sx + pc[7] * (sy - top);
    precise double spike = max(sy - s / 10.0lf, max(left, -right));
    out_ = i == 0 ? spike : min(out_, spike);
  }
  return out_;
}

double tailedArrow(double x, double y, double s) {
  precise double ady = abs(y);
  precise double head = max(abs(x) + ady - s / 2.0lf, -(x + 0.25lf * s + ady - s / 2.0lf));
  precise double tail = max(ady - s / 8.0lf / pc[0], -x - s / 2.0lf);
  double scale = 1.0lf;
  precise double right = x + ady - s / 2.0lf;
  if (right >= tail) {
    tail = right;
    scale = pc[0];
  }
  precise double r = head <= tail ? head / pc[0] : tail / scale;
  return r;
}

double marker(int symbol, double x, double y, double s) {
  precise double r;
  switch (symbol) {
    case 0: r = arrow(x, y, s); break;
    case 1: r = clobber(x, y, s); break;
    case 2: r = bars(x, y, s); break;
    case 3: r = (abs(x) + abs(y) - s / 2.0lf) / pc[0]; break;
    case 5: r = max(abs(y) - s / 6.0lf, abs(x) - s / 2.0lf); break;
    case 6: {
      precise double q = sqrt(x * x + y * y);
      r = max(q - s / 2.0lf, -(q - s / 4.0lf));
      break;
    }
    case 7: r = max(abs(x), abs(y)) - s / 2.0lf; break;
    case 8: r = star(x, y, s); break;
    case 9: r = tailedArrow(x, y, s); break;
    case 10: r = triangle(x, y, s, -1.0lf); break;
    case 11: r = triangle(x, y, s, 1.0lf); break;
    case 12: r = max(abs(x) - s / 6.0lf, abs(y) - s / 2.0lf); break;
    case 13: {
      precise double u = (x + y) / pc[0];
      precise double v = (y - x) / pc[0];
      r = bars(u, v, s);
      break;
    }
    default: r = sqrt(x * x + y * y) - s / 2.0lf; break;  // 4: disc
  }
  return r;
}
)GLSL";

// V8's Math.exp (src/base/ieee754.cc, fdlibm e_exp.c): pc[22] ln2HI, pc[23] ln2LO, pc[24] invln2, pc[25..29]
// P1..P5, pc[30] 2^-1000, pc[31] o_threshold, pc[32] u_threshold, pc[33] e.
static const char* kExp = R"GLSL(
double fdlibmExp(double x0) {
  precise double x = x0;
  uint hx = unpackDouble2x32(x).y;
  int xsb = int(hx >> 31);
  hx &= 0x7fffffffu;
  precise double hi = 0.0lf;
  precise double lo = 0.0lf;
  int k = 0;
  if (hx >= 0x40862E42u) {
    if (hx >= 0x7ff00000u) return isnan(x) ? x : (xsb == 0 ? x : 0.0lf);
    if (x > pc[31]) return packDouble2x32(uvec2(0u, 0x7ff00000u));
    if (x < pc[32]) return 0.0lf;
  }
  if (hx > 0x3FD62E42u) {
    if (hx < 0x3FF0A2B2u) {
      if (x == 1.0lf) return pc[33];
      hi = x - (xsb == 0 ? pc[22] : -pc[22]);
      lo = xsb == 0 ? pc[23] : -pc[23];
      k = 1 - xsb - xsb;
    } else {
      precise double kk = pc[24] * x + (xsb == 0 ? 0.5lf : -0.5lf);
      k = int(kk);
      precise double t = double(k);
      hi = x - t * pc[22];
      lo = t * pc[23];
    }
    x = hi - lo;
  } else if (hx < 0x3E300000u) {
    precise double r = 1.0lf + x;
    return r;
  }
  precise double t = x * x;
  int e = k >= -1021 ? k : k + 1000;
  double twopk = packDouble2x32(uvec2(0u, uint(0x3FF00000 + (e << 20))));
  precise double c = x - t * (pc[25] + t * (pc[26] + t * (pc[27] + t * (pc[28] + t * pc[29]))));
  if (k == 0) {
    precise double r = 1.0lf - ((x * c) / (c - 2.0lf) - x);
    return r;
  }
  precise double y = 1.0lf - ((lo - (x * c) / (2.0lf - c)) - hi);
  if (k >= -1021) {
    precise double r = k == 1024 ? y * 2.0lf * packDouble2x32(uvec2(0u, 0x7fe00000u)) : y * twopk;
    return r;
  }
  precise double r = y * twopk * pc[30];
  return r;
}
)GLSL";

// drawPoints' pixel loop: the tile's points in table order; markerColor, then blendPixel, rounded per point.
static const char* kPointsMain = R"GLSL(
void main() {
  ivec2 p = boxOrigin + ivec2(gl_GlobalInvocationID.xy);
  if (p.x >= boxEnd.x || p.y >= boxEnd.y) return;
  uint tile = uint((p.y >> 4) * tilesX + (p.x >> 4));
  uint j0 = tiles[tile];
  uint j1 = tiles[tile + 1u];
  if (j0 == j1) return;
  uint lists = uint(ntiles) + 1u;
  dvec3 dst = dvec3(round(imageLoad(frame, p).rgb * 255.0));
  bool changed = false;
  for (uint j = j0; j < j1; j++) {
    uint b = tiles[lists + j] * 34u;
    if (p.x < int(rec[b + 29u]) || p.x >= int(rec[b + 30u]) || p.y < int(rec[b + 31u]) || p.y >= int(rec[b + 32u]))
      continue;
    precise double dx = double(p.x) - rd(b, 0u);
    precise double dy = double(p.y) - rd(b, 1u);
    double r = marker(int(rec[b + 28u]), dx, dy, rd(b, 2u));
    double edge = rd(b, 3u);
    if (r > rd(b, 4u)) continue;  // r > 0.5*edge + aa: outside
    precise double d = abs(r) - rd(b, 5u);
    dvec3 face = dvec3(rd(b, 6u), rd(b, 7u), rd(b, 8u));
    double faceA = rd(b, 9u);
    dvec3 border = dvec3(rd(b, 10u), rd(b, 11u), rd(b, 12u));
    precise double edgeA = min(edge, 1.0lf) * rd(b, 13u);
    precise dvec3 src;
    precise double alpha;
    if (d < 0.0lf) {
      src = border;
      alpha = edgeA;
    } else if (edge == 0.0lf) {
      src = face;
      alpha = faceA;
      if (r > -aa) {
        precise double k = aa > 0.0lf ? 1.0lf + r / aa : 1.0lf;
        alpha = fdlibmExp((-k) * k) * faceA;
      }
    } else {
      precise double k = d / aa;
      precise double a = aa > 0.0lf ? fdlibmExp((-k) * k) : 0.0lf;
      if (r > 0.0lf) {
        src = border;
        alpha = a * edgeA;
      } else {
        src = face + (border - face) * a;
        alpha = faceA + (edgeA - faceA) * a;
      }
    }
    precise double A = alpha * opacity;
    if (!(A > 0.0lf)) continue;
    precise dvec3 o;
    if (blendMode == 0) {
      o = floor(src * A + dst * (1.0lf - A) + 0.5lf);
    } else if (blendMode == 1) {
      o = min(floor(dst + src * A + 0.5lf), dvec3(255.0lf));
    } else {
      // Math.round: the nearest integer, halves up.
      dvec3 f = floor(src);
      o = f + dvec3(greaterThanEqual(src - f, dvec3(0.5lf)));
    }
    // The CPU stores into a Uint8Array after clamping: NaN becomes 0. (Whole-vector ops: NVIDIA's compiler
    // fails on a dvec3 written through a dynamic index.)
    dst = mix(clamp(o, dvec3(0.0lf), dvec3(255.0lf)), dvec3(0.0lf), isnan(o));
    changed = true;
  }
  if (changed) imageStore(frame, p, vec4(vec3(dst) / 255.0, 1.0));
}
)GLSL";

std::string pointsShaderSource() { return std::string(kPointsHead) + kMarkers + kExp + kPointsMain; }
