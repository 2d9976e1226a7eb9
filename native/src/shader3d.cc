// GLSL source of the 3D ray-casting compute shader: the CPU ray caster (render3d.ts, volume-geometry.ts,
// raycast-sample.ts, volume-modes.ts, raycast-iso.ts, volume-blend.ts) transcribed. Same float64 ray set-up,
// slab clipping, one sample per index of the dominant axis, nearest by truncation or trilinear x-then-y-then-z,
// and every napari rendering mode, plus labels (mode 8: the first shown label along the ray, nearest). Axis
// order (z, y, x) is component (0, 1, 2); the texture's (x, y, z) is the data's (2, 1, 0). `precise` keeps the
// compiler from fusing a*b+c into an fma, so float64 results round like the CPU reference's (JavaScript numbers).
#include "shader.h"

static const char* kFetch3d[] = {
    "layout(binding = 0) uniform usampler3D data;\n"
    "double fetch(ivec3 p) { return double(texelFetch(data, p, 0).r); }\n",
    "layout(binding = 0) uniform isampler3D data;\n"
    "double fetch(ivec3 p) { return double(texelFetch(data, p, 0).r); }\n",
    "layout(binding = 0) uniform sampler3D data;\n"
    "double fetch(ivec3 p) { return double(texelFetch(data, p, 0).r); }\n",
    "layout(binding = 0) uniform usampler3D data;\n"
    "double fetch(ivec3 p) { return packDouble2x32(texelFetch(data, p, 0).rg); }\n",
};

// Uniforms, the colour index and the two ways of reading values (along a ray, at a point).
static const char* kCommon3d = R"GLSL(
layout(local_size_x = 16, local_size_y = 16) in;
layout(rgba8, binding = 0) uniform image2D frame;
layout(std430, binding = 3) readonly buffer Lut { uint lut[]; };
uniform ivec2 boxOrigin;
uniform ivec2 boxEnd;
uniform dvec3 origin;
uniform dvec3 stepRight;
uniform dvec3 stepDown;
uniform dvec3 bdir;
uniform dvec3 rdir;
uniform dvec3 translate;
uniform dvec3 scale;
uniform dvec3 unitDir;
uniform ivec3 size;
uniform int kAxis;
uniform int mode;
uniform int linearMode;
uniform int lutOffset;
uniform double hi;
uniform double cutoff;
uniform double attenuation;
uniform double stepVoxels;
uniform double isoThreshold;
// JavaScript's 0.001, 0.99 and 0.2, set from C++ literals: no doubt about how GLSL parses a decimal.
uniform double alphaFloor;
uniform double alphaStop;
uniform double ambient;
)GLSL";

// Ray sampling and colour helpers (after the shared colour index).
static const char* kRays3d = R"GLSL(
dvec3 lutRgb(int i) {
  uint c = lut[i];
  return dvec3(double(c & 255u), double((c >> 8) & 255u), double((c >> 16) & 255u));
}

double voxel(int i0, int i1, int i2) { return fetch(ivec3(i2, i1, i0)); }

// Per-axis values live in arrays, not dvec3: NVIDIA's GLSL compiler cannot index a dvec3 dynamically
// ("can't find __setVectorIndex").
double R[3];
int S[3];

// raycast-sample.ts valueAt: nearest is floor(c + 0.5), linear trilinear x, then y, then z; clamped to the edge.
double valueAt(double c[3]) {
  if (linearMode == 0) {
    int i[3];
    for (int m = 0; m < 3; m++) {
      precise double h = c[m] + 0.5lf;
      i[m] = clamp(int(floor(h)), 0, S[m] - 1);
    }
    return voxel(i[0], i[1], i[2]);
  }
  int a[3];
  int b[3];
  double w[3];
  for (int m = 0; m < 3; m++) {
    double f = floor(c[m]);
    precise double wm = c[m] - f;
    w[m] = wm;
    a[m] = clamp(int(f), 0, S[m] - 1);
    b[m] = clamp(int(f) + 1, 0, S[m] - 1);
  }
  precise double p00 = voxel(a[0], a[1], a[2]) + (voxel(a[0], a[1], b[2]) - voxel(a[0], a[1], a[2])) * w[2];
  precise double p01 = voxel(a[0], b[1], a[2]) + (voxel(a[0], b[1], b[2]) - voxel(a[0], b[1], a[2])) * w[2];
  precise double p10 = voxel(b[0], a[1], a[2]) + (voxel(b[0], a[1], b[2]) - voxel(b[0], a[1], a[2])) * w[2];
  precise double p11 = voxel(b[0], b[1], a[2]) + (voxel(b[0], b[1], b[2]) - voxel(b[0], b[1], a[2])) * w[2];
  precise double z0 = p00 + (p01 - p00) * w[1];
  precise double z1 = p10 + (p11 - p10) * w[1];
  precise double v = z0 + (z1 - z0) * w[0];
  return v;
}

// Sample j of the ray: sampleNearest's truncation of (off + 0.5) + j*r, or sampleLinear's valueAt(off + j*r).
double sampleAt(double off[3], int j) {
  double c[3];
  if (linearMode == 0) {
    int idx[3];
    for (int m = 0; m < 3; m++) {
      if (m == kAxis) {
        idx[m] = j;
        continue;
      }
      precise double cm = (off[m] + 0.5lf) + double(j) * R[m];
      idx[m] = clamp(int(cm), 0, S[m] - 1);
    }
    return voxel(idx[0], idx[1], idx[2]);
  }
  for (int m = 0; m < 3; m++) {
    precise double cm = off[m] + double(j) * R[m];
    c[m] = cm;
  }
  return valueAt(c);
}
)GLSL";

// raycast-iso.ts isoValue: the shaded value at sample j; false when a read is NaN (colourOf(NaN) is transparent).
static const char* kIso3d = R"GLSL(
// V8's Math.hypot: Kahan-summed squares of the values divided by the largest one.
double hypot3(double g[3]) {
  double x[3] = double[3](abs(g[0]), abs(g[1]), abs(g[2]));
  double mx = max(max(x[0], x[1]), x[2]);
  if (mx == 0.0lf || isinf(mx)) return mx;
  precise double sum = 0.0lf;
  precise double comp = 0.0lf;
  for (int m = 0; m < 3; m++) {
    precise double n = x[m] / mx;
    precise double summand = n * n - comp;
    precise double pre = sum + summand;
    comp = (pre - sum) - summand;
    sum = pre;
  }
  precise double r = sqrt(sum) * mx;
  return r;
}

bool isoValue(double off[3], int j, out double value) {
  double p[3];
  for (int m = 0; m < 3; m++) {
    precise double pm = off[m] + double(j) * R[m];
    p[m] = pm;
  }
  double better = valueAt(p);
  bool nan = isnan(better);
  double g[3];
  for (int m = 0; m < 3; m++) {
    double q[3] = p;
    precise double qm = p[m] - 1.5lf;
    q[m] = qm;
    double minus = valueAt(q);
    precise double qp = p[m] + 1.5lf;
    q[m] = qp;
    double plus = valueAt(q);
    precise double gm = minus - plus;
    g[m] = gm;
    nan = nan || isnan(minus) || isnan(plus);
    better = max(better, max(minus, plus));
  }
  if (nan) return false;
  double gm = hypot3(g);
  double lambert = 1.0lf;
  if (gm > 0.0lf) {
    precise double dot = g[0] * unitDir.x + g[1] * unitDir.y + g[2] * unitDir.z;
    precise double d = abs(dot) / gm;
    lambert = d > 1.0lf ? 1.0lf : d;
  }
  // lambert^40 by squaring: within a few ulps of Math.pow, far below a colormap step of the sum.
  precise double l2 = lambert * lambert;
  precise double l4 = l2 * l2;
  precise double l8 = l4 * l4;
  precise double l16 = l8 * l8;
  precise double l32 = l16 * l16;
  precise double spec = l32 * l8;
  precise double v = better * (ambient + lambert) + spec;
  value = v;
  return true;
}
)GLSL";

static const char* kMain3d = R"GLSL(
void main() {
  ivec2 p = boxOrigin + ivec2(gl_GlobalInvocationID.xy);
  if (p.x >= boxEnd.x || p.y >= boxEnd.y) return;
  R = double[3](rdir.x, rdir.y, rdir.z);
  S = int[3](size.x, size.y, size.z);
  double Bv[3] = double[3](bdir.x, bdir.y, bdir.z);
  double O[3] = double[3](origin.x, origin.y, origin.z);
  double SR[3] = double[3](stepRight.x, stepRight.y, stepRight.z);
  double SD[3] = double[3](stepDown.x, stepDown.y, stepDown.z);
  double T[3] = double[3](translate.x, translate.y, translate.z);
  double SC[3] = double[3](scale.x, scale.y, scale.z);
  double a[3];
  for (int m = 0; m < 3; m++) {
    precise double d = double(p.y) * SD[m];
    precise double wm = (O[m] + double(p.x) * SR[m]) + d;
    precise double am = (wm - T[m]) / SC[m];
    a[m] = am;
  }
  double tIn = 0.0lf, tOut = 0.0lf;
  bool hasIn = false, hasOut = false;
  for (int m = 0; m < 3; m++) {
    double n = double(S[m]);
    if (Bv[m] == 0.0lf) {
      if (!(a[m] >= -0.5lf && a[m] < n - 0.5lf)) return;
      continue;
    }
    precise double t1 = (-0.5lf - a[m]) / Bv[m];
    precise double t2 = (n - 0.5lf - a[m]) / Bv[m];
    double tn = min(t1, t2), tf = max(t1, t2);
    if (!hasIn || tn > tIn) { tIn = tn; hasIn = true; }
    if (!hasOut || tf < tOut) { tOut = tf; hasOut = true; }
  }
  if (!(tIn <= tOut)) return;
  double ak = a[kAxis];
  double bk = Bv[kAxis];
  precise double e0 = ak + tIn * bk;
  precise double e1 = ak + tOut * bk;
  int jMin = max(0, int(ceil(min(e0, e1))));
  int jMax = min(S[kAxis] - 1, int(floor(max(e0, e1))));
  if (jMin > jMax) return;
  int count = jMax - jMin + 1;
  int j = bk > 0.0lf ? jMin : jMax;
  int dj = bk > 0.0lf ? 1 : -1;
  double off[3];
  for (int m = 0; m < 3; m++) {
    precise double om = a[m] - ak * R[m];
    off[m] = m == kAxis ? 0.0lf : om;
  }

  // Modes: 1 mip, 2 minip, 3 average, 4 attenuated_mip, 5 translucent, 6 additive, 7 iso (volume-modes.ts).
  double best = cutoff;
  bool found = false;
  precise double sum = 0.0lf;
  double atten = double(exp(float(attenuation)));
  precise dvec3 C = dvec3(0.0lf);
  precise double ca = 0.0lf;
  int hit = 0;
  uint label = 0u;
  for (int n = 0; n < count; n++, j += dj) {
    double v = sampleAt(off, j);
    if (mode == 8) {
      // label-palette.ts firstLabel: the first sample the CPU takes for a label ends the ray.
      bool stop;
      label = labelColor(v, stop);
      if (stop) break;
    } else if (mode == 1) {
      if (v > best) { best = v; found = true; if (best >= hi) break; }
    } else if (mode == 2) {
      if (v < best) { best = v; found = true; if (best <= lo) break; }
    } else if (mode == 3) {
      sum += v;
    } else if (mode == 4) {
      precise double t = (v - lo) / range;
      t = t < 0.0lf ? 0.0lf : t > 1.0lf ? 1.0lf : t;
      if (t != 0.0lf) {
        sum += stepVoxels * t;
        atten = double(exp(float(-attenuation * (sum - 1.0lf))));
      }
      if (best > atten * hi) break;
      if (v * atten > best) { best = v * atten; found = true; }
    } else if (mode == 7) {
      if (v > isoThreshold) { hit = j; found = true; break; }
    } else {
      int ci = colorIndex(v);
      if (ci < 0) continue;
      dvec3 rgb = lutRgb(ci);
      found = true;
      if (mode == 6) {
        C = 1.0lf - (1.0lf - C) * (1.0lf - rgb / 255.0lf);
      } else {
        // vispy's front-to-back update; the sample's alpha is its normalized value ci / 255.
        precise double a2 = (double(ci) / 255.0lf) * (1.0lf - ca);
        precise double grown = ca + a2;
        double an = max(grown, alphaFloor);
        precise double keep = ca / an;
        precise double add = a2 / an / 255.0lf;
        C = C * keep + rgb * add;
        ca = an;
        if (ca > alphaStop) break;
      }
    }
  }
  if (mode == 3) found = true;  // average: NaN samples make the mean NaN, transparent below
  if (mode == 8) found = label != 0u;
  if (!found) return;
  uvec3 s;
  double pixelA = 1.0lf;  // translucent: the pixel's own alpha (byte / 255), volume-blend.ts
  if (mode == 5 || mode == 6) {
    precise dvec3 c8 = floor(C * 255.0lf + 0.5lf);
    s = uvec3(c8);
    if (mode == 5) {
      precise double a8 = floor(ca * 255.0lf + 0.5lf);
      if (a8 == 0.0lf) return;
      pixelA = a8 / 255.0lf;
    }
  } else if (mode == 8) {
    s = uvec3(label & 255u, (label >> 8) & 255u, (label >> 16) & 255u);
  } else {
    if (mode == 3) best = sum / double(count);
    if (mode == 7 && !isoValue(off, hit, best)) return;
    int i = colorIndex(best);
    if (i < 0) return;
    s = uvec3(lutRgb(i));
  }
  if (blendMode != 0) {
    vec4 dv = imageLoad(frame, p);
    dvec3 dst = dvec3(round(dv.rgb * 255.0));
    dvec3 src = dvec3(s);
    precise double wa = mode == 5 ? pixelA * alpha : alpha;
    precise double wb = mode == 5 ? 1.0lf - wa : beta;
    precise dvec3 o;
    if (blendMode == 1) o = floor(src * wa + dst * wb + 0.5lf);
    else o = floor(dst + src * wa + 0.5lf);
    s = uvec3(min(o, dvec3(255.0lf)));
  }
  imageStore(frame, p, vec4(vec3(s) / 255.0, 1.0));
}
)GLSL";

std::string layer3dShaderSource(int kind) {
  return std::string("#version 450 core\n") + kFetch3d[kind] + kCommon3d + kColorGlsl + kLabelGlsl + kRays3d + kIso3d + kMain3d;
}
