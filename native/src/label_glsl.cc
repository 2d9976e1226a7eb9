// GLSL of labels layers, shared by the 2D and 3D shaders: the CPU's label colours (label-palette.ts) per value.
// Needs `lut` (binding 3) and `lutOffset` declared before it.
#include "shader.h"

const char* const kLabelGlsl = R"GLSL(
uniform int labelMode;  // 0 image, 1 folded table lut[v + lutOffset], 2 colour rows lut[1..labelN] and the rule
uniform int labelN;
uniform double selectedLabel;
uniform int showSelected;

// a mod n for an integer-valued a >= 0, exact for every double (JavaScript's % is): a = m * 2^e with m < 2^53,
// m = hi * 2^26 + lo; every product stays below 2^32 since n <= 65535.
uint labelMod(double a, uint n) {
  int e = 0;
  if (a >= 9007199254740992.0lf) {
    int ex;
    double f = frexp(a, ex);
    a = ldexp(f, 53);
    e = ex - 53;
  }
  double hi = floor(a / 67108864.0lf);
  precise double lo = a - hi * 67108864.0lf;
  uint r = ((uint(hi) % n) * (67108864u % n) + uint(lo) % n) % n;
  for (int i = 0; i < e; i++) r = (r * 2u) % n;
  return r;
}

// label-palette.ts: the folded table, or labelRgba (0 and NaN transparent, the selection, row
// ((v mod n) - 1) mod n + 1). `hit` is firstLabel's `c !== 0`: true also where the CPU's row index is no
// integer (v fractional or infinite), which it reads as an undefined colour, drawn transparent.
uint labelColor(double v, out bool hit) {
  hit = false;
  if (isnan(v)) return 0u;
  if (labelMode == 1) {
    uint c = lut[int(v) + lutOffset];
    hit = c != 0u;
    return c;
  }
  if (v == 0.0lf || (showSelected == 1 && v != selectedLabel)) return 0u;
  hit = true;
  if (isinf(v) || v != floor(v)) return 0u;
  int n = labelN;
  int r = int(labelMod(abs(v), uint(n)));
  if (v < 0.0lf) r = -r;
  return lut[(r - 1 + 2 * n) % n + 1];
}
)GLSL";
