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

// Contrast limits, gamma and the colour-table index: the CPU's colorIndex (colormaps.ts), shared by the
// 2D and 3D shaders, with the blend uniforms both use.
const char* const kColorGlsl = R"GLSL(
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
)GLSL";

// `precise` keeps the compiler from fusing a*b+c into an fma, so the float64 results round like the
// CPU reference's (JavaScript numbers).
static const char* kHead = R"GLSL(
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
uniform int contour;
)GLSL";

// Labels (label-draw.ts): nearest samples only. With a contour w > 0 a pixel is drawn only when the labels
// within a (2w+1)^2 square of device pixels around it (pixels outside the data, or NaN, left out) are not all
// equal; the taps cover [-w, size + w), tap k + w being pixel k. Values compare as doubles, like the CPU's.
static const char* kLabels2d = R"GLSL(
bool labelEdge(ivec2 p, double v) {
  for (int dy = -contour; dy <= contour; dy++) {
    int ry = rows[p.y + contour + dy].lo;
    if (ry < 0) continue;
    for (int dx = -contour; dx <= contour; dx++) {
      int cx = cols[p.x + contour + dx].lo;
      if (cx < 0) continue;
      double u = fetch(cx, ry);
      if (!isnan(u) && u != v) return true;
    }
  }
  return false;
}

// The colour of the labels layer at p, 0 for none (transparent).
uint labelPixel(ivec2 p, int x, int y) {
  double v = fetch(x, y);
  if (contour > 0 && (isnan(v) || v == 0.0lf || !labelEdge(p, v))) return 0u;
  bool hit;
  return labelColor(v, hit);
}
)GLSL";

static const char* kMain = R"GLSL(
void main() {
  ivec2 p = boxOrigin + ivec2(gl_GlobalInvocationID.xy);
  if (p.x >= boxEnd.x || p.y >= boxEnd.y) return;
  Tap cx = cols[p.x + contour];
  Tap ry = rows[p.y + contour];
  if (cx.lo < 0 || ry.lo < 0) return;
  uint c;
  if (labelMode != 0) {
    c = labelPixel(p, cx.lo, ry.lo);
    if (c == 0u) return;  // transparent: blendRow skips 0
  } else if (folded == 1) {
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
  return std::string("#version 450 core\n") + kFetch[kind] + kHead + kColorGlsl + kLabelGlsl + kLabels2d + kMain;
}
