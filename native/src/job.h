// Frame jobs: built by the addon on the JS thread, executed by the render thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

/** Data types, in the order of the TS wrapper's DTYPE_CODES. */
enum class DType : int { U8 = 0, I8, U16, I16, U32, I32, F32, F64 };

enum class Blend : int { Replace = 0, Mix = 1, Add = 2 };

/** 3D ray-casting modes 1..8: mip, minip, average, attenuated_mip, translucent, additive, iso, labels (the first
    shown label along the ray). */
constexpr int kMaxMode3d = 8;
constexpr int kLabelsMode3d = 8;

/** How a labels layer colours values (LayerJob::labels): not a labels layer, folded table, napari's rule. */
enum class Labels : int { None = 0, Folded = 1, Rule = 2 };
/** Largest 2D labels contour (outline width in device pixels; the protocol's MAX_CONTOUR is 64). */
constexpr int kMaxContour = 1024;
/** Float64 constants of a 3D layer (LayerJob::params). */
constexpr size_t kParams3d = 30;

/** One image layer of a 2D frame. Pointers stay valid until the job completes (the JS side holds them). */
struct LayerJob {
  std::string textureKey;  // which plane of which layer (layer id, dtype, shape, plane offset)
  // Generation of the data object (src/daemon/render/gpu/generation.ts): a new id for every new or changed
  // array, so a texture is never reused for other pixels that happen to sit at the same address.
  uint64_t generation = 0;
  const uint8_t* plane = nullptr;  // first element of the displayed plane
  DType dtype = DType::U8;
  int nx = 0, ny = 0;              // plane width (columns) and height (rows)
  int nz = 0;                      // 3D: volume depth (the data block is nz x ny x nx, contiguous)
  int mode = 0;                    // 0: 2D layer; 3D ray casting: 1..kMaxMode3d (see kMaxMode3d)
  // 3D: origin[3], stepRight[3], stepDown[3], b[3], r[3], translate[3], scale[3], k, cutoff, attenuation,
  // stepVoxels, hi, isoThreshold, unit view direction[3] (see src/daemon/render/gpu/job3d.ts)
  std::vector<double> params;
  std::vector<uint8_t> cols;       // per device column: int32 lo, int32 hi (or -1), float64 frac
  std::vector<uint8_t> rows;       // per device row, same layout
  int x0 = 0, x1 = 0, y0 = 0, y1 = 0;  // device pixel box the layer touches
  bool linear = false;
  bool folded = false;             // `lut` is a value -> RGBA table indexed by value + lutOffset
  std::vector<uint32_t> lut;       // folded table, or the 256-entry colormap
  std::string lutKey;              // cache key of `lut` (same key, same contents)
  int lutOffset = 0;
  double lo = 0, range = 1, gamma = 1;
  Blend blend = Blend::Replace;
  double alpha = 1, beta = 0;      // mix: src*alpha + dst*beta; add: dst + src*alpha
  // Labels (src/daemon/render/gpu/label-job.ts): Folded: `lut` is the value -> RGBA table (0 = transparent),
  // indexed by value + lutOffset; Rule: `lut` holds the colour rows (row 0 unused) and value v takes row
  // ((v mod n) - 1) mod n + 1, n = rows - 1; with showSelected only selectedLabel is drawn.
  Labels labels = Labels::None;
  double selectedLabel = 0;
  bool showSelected = false;
  int contour = 0;  // 2D labels: outline width; cols/rows then hold taps for [-contour, size + contour)
};

/** Points passes (src/daemon/render/gpu/points-job.ts): record size, tile side, constants (uniform pc). */
constexpr size_t kPointRecordBytes = 136;
constexpr int kPointTile = 16;
constexpr size_t kPointConstants = 34;

/** One pass of a points layer, drawn by points_glsl.cc before layers[before] (after all when it is their count). */
struct PointsJob {
  size_t before = 0;
  std::vector<uint8_t> records;  // kPointRecordBytes per point, table order (src/daemon/render/gpu/points-records.ts)
  // tilesX * tilesY + 1 list starts, then the lists: indices into `records` per 16x16 tile, ascending
  std::vector<uint32_t> tiles;
  int tilesX = 0, tilesY = 0;
  int x0 = 0, x1 = 0, y0 = 0, y1 = 0;  // device pixel box of the tiles with points
  double aa = 1, opacity = 1;
  int blend = 0;  // 0 translucent, 1 additive, 2 opaque
  std::vector<double> constants;  // kPointConstants doubles (points-job.ts markerConstants)
};

struct FrameJob {
  int width = 0, height = 0;
  std::vector<LayerJob> layers;
  std::vector<PointsJob> points;  // in drawing order, `before` ascending
  uint8_t* rgbaOut = nullptr;  // pinned host buffers (or null when that format is not wanted)
  uint8_t* nv12Out = nullptr;
};

struct FrameResult {
  std::string error;  // empty on success
  double uploadMs = 0, renderMs = 0, captureMs = 0;
};

struct GpuStats {
  int64_t textures = 0, textureBytes = 0, registeredResources = 0;
  int64_t gpuFreeBytes = 0, gpuTotalBytes = 0, programs = 0;
  int64_t frames = 0;
};
