// Points passes (src/daemon/render/gpu/points-job.ts): the records and tile lists are uploaded per frame and one
// compute shader (points_glsl.cc) walks each pixel's tile list in table order, blending in place like
// points-draw.ts. Work groups are the 16x16 tiles: the pass's box starts on a tile corner.
#include <chrono>

#include "gl_renderer.h"
#include "shader.h"

namespace {
constexpr int kPointsProgram = 100;
}  // namespace

std::string GlRenderer::drawPoints(const PointsJob& P, size_t slot, double* upload) {
  if (P.x0 >= P.x1 || P.y0 >= P.y1) return "";
  GLuint prog = 0;
  std::string err = compile(kPointsProgram, programs_.count(kPointsProgram) ? "" : pointsShaderSource(), &prog);
  if (!err.empty()) return err;
  while (pointBuffers_.size() < (slot + 1) * 2) {
    GLuint b = 0;
    gl::CreateBuffers(1, &b);
    pointBuffers_.push_back(b);
  }
  GLuint records = pointBuffers_[slot * 2], tiles = pointBuffers_[slot * 2 + 1];
  auto t0 = std::chrono::steady_clock::now();
  gl::NamedBufferData(records, static_cast<GLsizeiptr>(P.records.size()), P.records.data(), GL_STREAM_DRAW);
  gl::NamedBufferData(tiles, static_cast<GLsizeiptr>(P.tiles.size() * 4), P.tiles.data(), GL_STREAM_DRAW);
  *upload += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  gl::UseProgram(prog);
  gl::BindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, records);
  gl::BindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, tiles);
  auto loc = [prog](const char* n) { return gl::GetUniformLocation(prog, n); };
  gl::Uniform2i(loc("boxOrigin"), P.x0, P.y0);
  gl::Uniform2i(loc("boxEnd"), P.x1, P.y1);
  gl::Uniform1i(loc("tilesX"), P.tilesX);
  gl::Uniform1i(loc("ntiles"), P.tilesX * P.tilesY);
  gl::Uniform1d(loc("aa"), P.aa);
  gl::Uniform1d(loc("opacity"), P.opacity);
  gl::Uniform1i(loc("blendMode"), P.blend);
  gl::Uniform1dv(loc("pc"), static_cast<GLsizei>(P.constants.size()), P.constants.data());
  gl::DispatchCompute(static_cast<GLuint>((P.x1 - P.x0 + 15) / 16), static_cast<GLuint>((P.y1 - P.y0 + 15) / 16), 1);
  // The next pass or layer reads what this one wrote.
  gl::MemoryBarrier(GL_SHADER_IMAGE_ACCESS_BARRIER_BIT | GL_TEXTURE_FETCH_BARRIER_BIT);
  return "";
}
