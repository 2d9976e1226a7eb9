// 2D image layers drawn by OpenGL compute shaders into one RGBA8 texture, with the CPU renderer's
// arithmetic (src/daemon/render/render2d.ts): per-axis taps come from the TS geometry code, values and
// blending are computed in float64 in the shader, and every layer is blended in place (read, blend,
// round half up, write), exactly like the CPU's RGBA8 frame. Labels layers (label-draw.ts) use the same
// pass: nearest taps, the CPU's label tables (label_glsl.cc), and a contour test over neighbouring taps.
// Points layers (points-draw.ts) are passes of their own between the layers (gl_points.cc, points_glsl.cc).
#pragma once
#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <vector>

#include "gl_api.h"
#include "job.h"

class GlRenderer {
 public:
  /** textureBudget: bytes of layer textures kept on the GPU (least recently used planes are dropped). */
  explicit GlRenderer(int64_t textureBudget) : budget_(textureBudget) {}
  ~GlRenderer();
  /** Draw `job` into the frame texture (resized as needed). Returns "" or an error. Caller holds the context. */
  std::string draw(const FrameJob& job, double* uploadMs);
  GLuint frameTexture() const { return frame_; }
  int width() const { return width_; }
  int height() const { return height_; }
  void stats(GpuStats* s) const;
  /** Delete every GL object (the context must still be current). */
  void release();

 private:
  struct Plane {
    GLuint tex = 0;
    int64_t bytes = 0;
    const void* ptr = nullptr;
    uint64_t generation = 0;
    DType dtype = DType::U8;
    int nx = 0, ny = 0, nz = 0;
    uint64_t used = 0;
  };
  struct Lut {
    GLuint buf = 0;
    uint64_t used = 0;
  };
  std::string program(DType dtype, bool volume, GLuint* out);
  /** The program `key` (compiled from `src` on first use). */
  std::string compile(int key, const std::string& src, GLuint* out);
  /** Draw one points pass into the frame; `slot` picks its pair of buffers (gl_points.cc). */
  std::string drawPoints(const PointsJob& pass, size_t slot, double* upload);
  void uniforms3d(GLuint prog, const LayerJob& L);
  std::string plane(const LayerJob& layer, GLuint* tex);
  GLuint lut(const LayerJob& layer);
  void evict(int64_t need);

  int64_t budget_;
  int64_t planeBytes_ = 0;
  uint64_t frameNo_ = 0;
  GLuint frame_ = 0;
  int width_ = 0, height_ = 0;
  int maxTexture_ = 0;
  int max3dTexture_ = 0;
  std::map<int, GLuint> programs_;  // by sampler kind (+4 for the 3D program); kPointsProgram for points
  std::map<std::string, Plane> planes_;
  std::map<std::string, Lut> luts_;
  std::vector<GLuint> tapBuffers_;  // 2 per layer slot
  std::vector<GLuint> pointBuffers_;  // 2 per points pass slot: records, tiles
};
