#include "shader.h"

int samplerKind(DType dtype) {
  switch (dtype) {
    case DType::U8:
    case DType::U16:
    case DType::U32:
      return 0;
    case DType::I8:
    case DType::I16:
    case DType::I32:
      return 1;
    case DType::F32:
      return 2;
    case DType::F64:
      return 3;
  }
  return 0;
}

static const char* kFetch[] = {
    "layout(binding = 0) uniform usampler2D data;\n"
    "double fetch(int x, int y) { return double(texelFetch(data, ivec2(x, y), 0).r); }\n"
    "int fetchInt(int x, int y) { return int(texelFetch(data, ivec2(x, y), 0).r); }\n",
    "layout(binding = 0) uniform isampler2D data;\n"
    "double fetch(int x, int y) { return double(texelFetch(data, ivec2(x, y), 0).r); }\n"
    "int fetchInt(int x, int y) { return texelFetch(data, ivec2(x, y), 0).r; }\n",
    "layout(binding = 0) uniform sampler2D data;\n"
    "double fetch(int x, int y) { return double(texelFetch(data, ivec2(x, y), 0).r); }\n"
    "int fetchInt(int x, int y) { return 0; }\n",
    "layout(binding = 0) uniform usampler2D data;\n"
    "double fetch(int x, int y) { return packDouble2x32(texelFetch(data, ivec2(x, y), 0).rg); }\n"
    "int fetchInt(int x, int y) { return 0; }\n",
};

// `precise` keeps the compiler from fusing a*b+c into an fma, so the float64 results round like the
// CPU reference's (JavaScript numbers).
static const char* kBody = R"GLSL(
layout(local_size_x = 16, local_size_y = 16) in;
layout(rgba8, binding = 0) uniform image2D frame;
struct Tap { int lo; int hi; uint flo; uint fhi; };
layout(std430, binding = 1) readonly buffer Cols { Tap cols[]; };
layout(std430, binding = 2) readonly buffer Rows { Tap rows[]; };
layout(std430, binding = 3) readonly buffer Lut { uint lut[]; };
uniform ivec2 boxOrigin;
uniform ivec2 boxEnd;
uniform int linearMode;
uniform int folded;
uniform int lutOffset;
uniform double lo;
uniform double range;
uniform int gammaMode;
uniform float gammaF;
uniform int blendMode;
uniform double alpha;
uniform double beta;

int colorIndex(double v) {
  if (isnan(v)) return -1;
  precise double t = (v - lo) / range;
  if (isnan(t)) return -1;
  if (t < 0.0lf) t = 0.0lf;
  else if (t > 1.0lf) t = 1.0lf;
  if (gammaMode == 1) t = t * t;
  else if (gammaMode == 2) t = sqrt(t);
  else if (gammaMode == 3) t = double(pow(float(t), gammaF));
  precise double i = floor(t * 256.0lf);
  return i > 255.0lf ? 255 : int(i);
}

void main() {
  ivec2 p = boxOrigin + ivec2(gl_GlobalInvocationID.xy);
  if (p.x >= boxEnd.x || p.y >= boxEnd.y) return;
  Tap cx = cols[p.x];
  Tap ry = rows[p.y];
  if (cx.lo < 0 || ry.lo < 0) return;
  uint c;
  if (folded == 1) {
    c = lut[fetchInt(cx.lo, ry.lo) + lutOffset];
  } else {
    precise double v;
    if (linearMode == 1) {
      double fx = packDouble2x32(uvec2(cx.flo, cx.fhi));
      double fy = packDouble2x32(uvec2(ry.flo, ry.fhi));
      double v00 = fetch(cx.lo, ry.lo);
      double v01 = fetch(cx.hi, ry.lo);
      double v10 = fetch(cx.lo, ry.hi);
      double v11 = fetch(cx.hi, ry.hi);
      precise double vt = v00 + (v01 - v00) * fx;
      precise double vb = v10 + (v11 - v10) * fx;
      v = vt + (vb - vt) * fy;
    } else {
      v = fetch(cx.lo, ry.lo);
    }
    int i = colorIndex(v);
    if (i < 0) return;
    c = lut[i];
  }
  uvec3 s = uvec3(c & 255u, (c >> 8) & 255u, (c >> 16) & 255u);
  if (blendMode != 0) {
    vec4 d = imageLoad(frame, p);
    dvec3 dst = dvec3(round(d.rgb * 255.0));
    dvec3 src = dvec3(s);
    precise dvec3 o;
    if (blendMode == 1) o = floor(src * alpha + dst * beta + 0.5lf);
    else o = floor(dst + src * alpha + 0.5lf);
    s = uvec3(min(o, dvec3(255.0lf)));
  }
  imageStore(frame, p, vec4(vec3(s) / 255.0, 1.0));
}
)GLSL";

std::string layerShaderSource(int kind) {
  return std::string("#version 450 core\n") + kFetch[kind] + kBody;
}

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

// The CPU ray caster (render3d.ts, volume-geometry.ts, raycast-sample.ts, volume-modes.ts) transcribed:
// same float64 ray set-up, slab clipping, one sample per index of the dominant axis, nearest by truncation
// or trilinear x-then-y-then-z, and the mip/minip/average/attenuated_mip reductions. Axis order (z, y, x)
// is component (0, 1, 2); the texture's (x, y, z) is the data's (2, 1, 0).
static const char* kBody3d = R"GLSL(
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
uniform ivec3 size;
uniform int kAxis;
uniform int mode;
uniform int linearMode;
uniform double lo;
uniform double range;
uniform double hi;
uniform double cutoff;
uniform double attenuation;
uniform double stepVoxels;
uniform int gammaMode;
uniform float gammaF;
uniform int blendMode;
uniform double alpha;
uniform double beta;

int colorIndex(double v) {
  if (isnan(v)) return -1;
  precise double t = (v - lo) / range;
  if (isnan(t)) return -1;
  if (t < 0.0lf) t = 0.0lf;
  else if (t > 1.0lf) t = 1.0lf;
  if (gammaMode == 1) t = t * t;
  else if (gammaMode == 2) t = sqrt(t);
  else if (gammaMode == 3) t = double(pow(float(t), gammaF));
  precise double i = floor(t * 256.0lf);
  return i > 255.0lf ? 255 : int(i);
}

double voxel(int i0, int i1, int i2) { return fetch(ivec3(i2, i1, i0)); }

// Per-axis values live in arrays, not dvec3: NVIDIA's GLSL compiler cannot index a dvec3 dynamically
// ("can't find __setVectorIndex").
double R[3];
int S[3];

double sampleAt(double off[3], int j) {
  if (linearMode == 0) {
    int idx[3];
    for (int m = 0; m < 3; m++) {
      if (m == kAxis) {
        idx[m] = j;
        continue;
      }
      precise double c = (off[m] + 0.5lf) + double(j) * R[m];
      idx[m] = clamp(int(c), 0, S[m] - 1);
    }
    return voxel(idx[0], idx[1], idx[2]);
  }
  int a[3];
  int b[3];
  double w[3];
  for (int m = 0; m < 3; m++) {
    precise double c = off[m] + double(j) * R[m];
    double f = floor(c);
    precise double wm = c - f;
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

  double best = cutoff;
  bool found = false;
  precise double sum = 0.0lf;
  double atten = double(exp(float(attenuation)));
  for (int n = 0; n < count; n++, j += dj) {
    double v = sampleAt(off, j);
    if (mode == 1) {
      if (v > best) { best = v; found = true; if (best >= hi) break; }
    } else if (mode == 2) {
      if (v < best) { best = v; found = true; if (best <= lo) break; }
    } else if (mode == 3) {
      sum += v;
    } else {
      precise double t = (v - lo) / range;
      t = t < 0.0lf ? 0.0lf : t > 1.0lf ? 1.0lf : t;
      if (t != 0.0lf) {
        sum += stepVoxels * t;
        atten = double(exp(float(-attenuation * (sum - 1.0lf))));
      }
      if (best > atten * hi) break;
      if (v * atten > best) { best = v * atten; found = true; }
    }
  }
  if (mode == 3) { best = sum / double(count); found = true; }
  if (!found) return;
  int i = colorIndex(best);
  if (i < 0) return;
  uint c = lut[i];
  uvec3 s = uvec3(c & 255u, (c >> 8) & 255u, (c >> 16) & 255u);
  if (blendMode != 0) {
    vec4 dv = imageLoad(frame, p);
    dvec3 dst = dvec3(round(dv.rgb * 255.0));
    dvec3 src = dvec3(s);
    precise dvec3 o;
    if (blendMode == 1) o = floor(src * alpha + dst * beta + 0.5lf);
    else o = floor(dst + src * alpha + 0.5lf);
    s = uvec3(min(o, dvec3(255.0lf)));
  }
  imageStore(frame, p, vec4(vec3(s) / 255.0, 1.0));
}
)GLSL";

std::string layer3dShaderSource(int kind) {
  return std::string("#version 450 core\n") + kFetch3d[kind] + kBody3d;
}
