#include "gl_renderer.h"

#include <chrono>

#include "shader.h"

namespace {
struct TexFormat {
  GLenum internal, format, type;
  int bytes;
};

TexFormat texFormat(DType d) {
  switch (d) {
    case DType::U8: return {GL_R8UI, GL_RED_INTEGER, GL_UNSIGNED_BYTE, 1};
    case DType::I8: return {GL_R8I, GL_RED_INTEGER, GL_BYTE, 1};
    case DType::U16: return {GL_R16UI, GL_RED_INTEGER, GL_UNSIGNED_SHORT, 2};
    case DType::I16: return {GL_R16I, GL_RED_INTEGER, GL_SHORT, 2};
    case DType::U32: return {GL_R32UI, GL_RED_INTEGER, GL_UNSIGNED_INT, 4};
    case DType::I32: return {GL_R32I, GL_RED_INTEGER, GL_INT, 4};
    case DType::F32: return {GL_R32F, GL_RED, GL_FLOAT, 4};
    case DType::F64: return {GL_RG32UI, GL_RG_INTEGER, GL_UNSIGNED_INT, 8};
  }
  return {GL_R8UI, GL_RED_INTEGER, GL_UNSIGNED_BYTE, 1};
}

std::string glErrorText(const char* where) {
  GLenum e = gl::GetError();
  if (e == GL_NO_ERROR) return "";
  char buf[96];
  snprintf(buf, sizeof buf, "OpenGL error 0x%04x in %s", e, where);
  return buf;
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

GlRenderer::~GlRenderer() {}

void GlRenderer::release() {
  for (auto& [k, p] : programs_) gl::DeleteProgram(p);
  for (auto& [k, p] : planes_) gl::DeleteTextures(1, &p.tex);
  for (auto& [k, l] : luts_) gl::DeleteBuffers(1, &l.buf);
  if (!tapBuffers_.empty()) gl::DeleteBuffers(static_cast<GLsizei>(tapBuffers_.size()), tapBuffers_.data());
  if (!pointBuffers_.empty()) gl::DeleteBuffers(static_cast<GLsizei>(pointBuffers_.size()), pointBuffers_.data());
  if (frame_) gl::DeleteTextures(1, &frame_);
  programs_.clear();
  planes_.clear();
  luts_.clear();
  tapBuffers_.clear();
  pointBuffers_.clear();
  frame_ = 0;
  planeBytes_ = 0;
  width_ = height_ = 0;
}

void GlRenderer::stats(GpuStats* s) const {
  s->textures = static_cast<int64_t>(planes_.size()) + (frame_ ? 1 : 0);
  s->textureBytes = planeBytes_ + static_cast<int64_t>(width_) * height_ * 4;
  s->programs = static_cast<int64_t>(programs_.size());
}

std::string GlRenderer::program(DType dtype, bool volume, GLuint* out) {
  int kind = samplerKind(dtype);
  int key = kind + (volume ? 4 : 0);
  if (programs_.count(key)) return compile(key, "", out);
  return compile(key, volume ? layer3dShaderSource(kind) : layerShaderSource(kind), out);
}

std::string GlRenderer::compile(int key, const std::string& src, GLuint* out) {
  auto it = programs_.find(key);
  if (it != programs_.end()) {
    *out = it->second;
    return "";
  }
  const char* text = src.c_str();
  GLuint sh = gl::CreateShader(GL_COMPUTE_SHADER);
  gl::ShaderSource(sh, 1, &text, nullptr);
  gl::CompileShader(sh);
  GLint ok = 0;
  gl::GetShaderiv(sh, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[4096] = {0};
    gl::GetShaderInfoLog(sh, sizeof log, nullptr, log);
    gl::DeleteShader(sh);
    return std::string("layer shader did not compile: ") + log;
  }
  GLuint prog = gl::CreateProgram();
  gl::AttachShader(prog, sh);
  gl::LinkProgram(prog);
  gl::DeleteShader(sh);
  gl::GetProgramiv(prog, GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[4096] = {0};
    gl::GetProgramInfoLog(prog, sizeof log, nullptr, log);
    gl::DeleteProgram(prog);
    return std::string("layer shader did not link: ") + log;
  }
  programs_[key] = prog;
  *out = prog;
  return "";
}

void GlRenderer::evict(int64_t need) {
  // Drop least recently used planes not drawn in this frame until `need` more bytes fit the budget.
  while (planeBytes_ + need > budget_) {
    auto victim = planes_.end();
    for (auto it = planes_.begin(); it != planes_.end(); ++it) {
      if (it->second.used == frameNo_) continue;
      if (victim == planes_.end() || it->second.used < victim->second.used) victim = it;
    }
    if (victim == planes_.end()) return;
    gl::DeleteTextures(1, &victim->second.tex);
    planeBytes_ -= victim->second.bytes;
    planes_.erase(victim);
  }
}

std::string GlRenderer::plane(const LayerJob& layer, GLuint* tex) {
  auto it = planes_.find(layer.textureKey);
  if (it != planes_.end()) {
    Plane& p = it->second;
    // The generation decides: a freed buffer's address can come back for another array (same ptr, other
    // pixels). The pointer and shape are checked too, as a second guard.
    if (p.generation == layer.generation && p.ptr == layer.plane && p.dtype == layer.dtype && p.nx == layer.nx &&
        p.ny == layer.ny && p.nz == layer.nz) {
      p.used = frameNo_;
      *tex = p.tex;
      return "";
    }
    gl::DeleteTextures(1, &p.tex);
    planeBytes_ -= p.bytes;
    planes_.erase(it);
  }
  bool volume = layer.mode > 0;
  int limit = volume ? max3dTexture_ : maxTexture_;
  if (layer.nx > limit || layer.ny > limit || (volume && layer.nz > limit)) {
    return "layer data " + std::to_string(layer.nx) + "x" + std::to_string(layer.ny) +
           (volume ? "x" + std::to_string(layer.nz) : "") + " exceeds the OpenGL texture size limit " +
           std::to_string(limit);
  }
  TexFormat f = texFormat(layer.dtype);
  int64_t bytes = static_cast<int64_t>(layer.nx) * layer.ny * (volume ? layer.nz : 1) * f.bytes;
  evict(bytes);
  if (planeBytes_ + bytes > budget_) {
    return "layer planes need " + std::to_string(planeBytes_ + bytes) + " bytes, over the GPU texture budget " +
           std::to_string(budget_) + " (NAPARI_CUDA_GPU_TEXTURE_BUDGET_MB)";
  }
  Plane p;
  gl::CreateTextures(volume ? GL_TEXTURE_3D : GL_TEXTURE_2D, 1, &p.tex);
  if (volume) gl::TextureStorage3D(p.tex, 1, f.internal, layer.nx, layer.ny, layer.nz);
  else gl::TextureStorage2D(p.tex, 1, f.internal, layer.nx, layer.ny);
  gl::TextureParameteri(p.tex, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  gl::TextureParameteri(p.tex, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  gl::PixelStorei(GL_UNPACK_ALIGNMENT, 1);
  if (volume) {
    gl::TextureSubImage3D(p.tex, 0, 0, 0, 0, layer.nx, layer.ny, layer.nz, f.format, f.type, layer.plane);
  } else {
    gl::TextureSubImage2D(p.tex, 0, 0, 0, layer.nx, layer.ny, f.format, f.type, layer.plane);
  }
  std::string err = glErrorText("plane upload");
  if (!err.empty()) {
    gl::DeleteTextures(1, &p.tex);
    return err;
  }
  p.bytes = bytes;
  p.ptr = layer.plane;
  p.generation = layer.generation;
  p.dtype = layer.dtype;
  p.nx = layer.nx;
  p.ny = layer.ny;
  p.nz = layer.nz;
  p.used = frameNo_;
  planeBytes_ += bytes;
  planes_[layer.textureKey] = p;
  *tex = p.tex;
  return "";
}

GLuint GlRenderer::lut(const LayerJob& layer) {
  auto it = luts_.find(layer.lutKey);
  if (it != luts_.end()) {
    it->second.used = frameNo_;
    return it->second.buf;
  }
  if (luts_.size() >= 16) {
    auto victim = luts_.begin();
    for (auto i = luts_.begin(); i != luts_.end(); ++i)
      if (i->second.used < victim->second.used) victim = i;
    if (victim->second.used != frameNo_) {
      gl::DeleteBuffers(1, &victim->second.buf);
      luts_.erase(victim);
    }
  }
  Lut l;
  gl::CreateBuffers(1, &l.buf);
  gl::NamedBufferData(l.buf, static_cast<GLsizeiptr>(layer.lut.size() * 4), layer.lut.data(), GL_STATIC_DRAW);
  l.used = frameNo_;
  luts_[layer.lutKey] = l;
  return l.buf;
}

void GlRenderer::uniforms3d(GLuint prog, const LayerJob& L) {
  auto loc = [prog](const char* n) { return gl::GetUniformLocation(prog, n); };
  const double* q = L.params.data();
  const char* vecs[] = {"origin", "stepRight", "stepDown", "bdir", "rdir", "translate", "scale"};
  for (int i = 0; i < 7; i++) gl::Uniform3d(loc(vecs[i]), q[i * 3], q[i * 3 + 1], q[i * 3 + 2]);
  gl::Uniform1i(loc("kAxis"), static_cast<int>(q[21]));
  gl::Uniform1d(loc("cutoff"), q[22]);
  gl::Uniform1d(loc("attenuation"), q[23]);
  gl::Uniform1d(loc("stepVoxels"), q[24]);
  gl::Uniform1d(loc("hi"), q[25]);
  gl::Uniform1d(loc("isoThreshold"), q[26]);
  gl::Uniform3d(loc("unitDir"), q[27], q[28], q[29]);
  gl::Uniform1d(loc("alphaFloor"), 0.001);
  gl::Uniform1d(loc("alphaStop"), 0.99);
  gl::Uniform1d(loc("ambient"), 0.2);
  gl::Uniform3i(loc("size"), L.nz, L.ny, L.nx);
  gl::Uniform1i(loc("mode"), L.mode);
}

std::string GlRenderer::draw(const FrameJob& job, double* uploadMs) {
  frameNo_++;
  if (!maxTexture_) gl::GetIntegerv(GL_MAX_TEXTURE_SIZE, &maxTexture_);
  if (!max3dTexture_) gl::GetIntegerv(GL_MAX_3D_TEXTURE_SIZE, &max3dTexture_);
  if (job.width != width_ || job.height != height_) {
    if (frame_) gl::DeleteTextures(1, &frame_);
    gl::CreateTextures(GL_TEXTURE_2D, 1, &frame_);
    gl::TextureStorage2D(frame_, 1, GL_RGBA8, job.width, job.height);
    width_ = job.width;
    height_ = job.height;
  }
  const uint8_t black[4] = {0, 0, 0, 255};
  gl::ClearTexImage(frame_, 0, GL_RGBA, GL_UNSIGNED_BYTE, black);
  gl::BindImageTexture(0, frame_, 0, GL_FALSE, 0, GL_READ_WRITE, GL_RGBA8);
  while (tapBuffers_.size() < job.layers.size() * 2) {
    GLuint b = 0;
    gl::CreateBuffers(1, &b);
    tapBuffers_.push_back(b);
  }
  double upload = 0;
  size_t pi = 0;
  // Points passes drawn before layer `li` (all that remain when li is the layer count).
  auto pointsBefore = [&](size_t li) -> std::string {
    for (; pi < job.points.size() && job.points[pi].before <= li; pi++) {
      std::string e = drawPoints(job.points[pi], pi, &upload);
      if (!e.empty()) return e;
    }
    return "";
  };
  for (size_t li = 0; li < job.layers.size(); li++) {
    std::string perr = pointsBefore(li);
    if (!perr.empty()) return perr;
    const LayerJob& L = job.layers[li];
    if (L.x0 >= L.x1 || L.y0 >= L.y1) continue;
    GLuint prog = 0, tex = 0;
    bool volume = L.mode > 0;
    std::string err = program(L.dtype, volume, &prog);
    if (!err.empty()) return err;
    auto t0 = std::chrono::steady_clock::now();
    err = plane(L, &tex);
    if (!err.empty()) return err;
    GLuint lutBuf = lut(L);
    GLuint cols = tapBuffers_[li * 2], rows = tapBuffers_[li * 2 + 1];
    if (!volume) {
      gl::NamedBufferData(cols, static_cast<GLsizeiptr>(L.cols.size()), L.cols.data(), GL_STREAM_DRAW);
      gl::NamedBufferData(rows, static_cast<GLsizeiptr>(L.rows.size()), L.rows.data(), GL_STREAM_DRAW);
    }
    upload += msSince(t0);
    gl::UseProgram(prog);
    gl::BindTextureUnit(0, tex);
    gl::BindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, cols);
    gl::BindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, rows);
    gl::BindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, lutBuf);
    auto loc = [prog](const char* n) { return gl::GetUniformLocation(prog, n); };
    gl::Uniform2i(loc("boxOrigin"), L.x0, L.y0);
    gl::Uniform2i(loc("boxEnd"), L.x1, L.y1);
    gl::Uniform1i(loc("linearMode"), L.linear ? 1 : 0);
    gl::Uniform1i(loc("folded"), L.folded ? 1 : 0);
    gl::Uniform1i(loc("lutOffset"), L.lutOffset);
    gl::Uniform1d(loc("lo"), L.lo);
    gl::Uniform1d(loc("range"), L.range);
    int gammaMode = L.gamma == 1 ? 0 : L.gamma == 2 ? 1 : L.gamma == 0.5 ? 2 : 3;
    gl::Uniform1i(loc("gammaMode"), gammaMode);
    gl::Uniform1f(loc("gammaF"), static_cast<float>(L.gamma));
    gl::Uniform1i(loc("blendMode"), static_cast<int>(L.blend));
    gl::Uniform1d(loc("alpha"), L.alpha);
    gl::Uniform1d(loc("beta"), L.beta);
    gl::Uniform1i(loc("labelMode"), static_cast<int>(L.labels));
    gl::Uniform1i(loc("labelN"), static_cast<int>(L.lut.size()) - 1);
    gl::Uniform1d(loc("selectedLabel"), L.selectedLabel);
    gl::Uniform1i(loc("showSelected"), L.showSelected ? 1 : 0);
    gl::Uniform1i(loc("contour"), L.contour);
    if (volume) uniforms3d(prog, L);
    gl::DispatchCompute(static_cast<GLuint>((L.x1 - L.x0 + 15) / 16), static_cast<GLuint>((L.y1 - L.y0 + 15) / 16), 1);
    // The next layer reads what this one wrote.
    gl::MemoryBarrier(GL_SHADER_IMAGE_ACCESS_BARRIER_BIT | GL_TEXTURE_FETCH_BARRIER_BIT);
  }
  std::string perr = pointsBefore(job.layers.size());
  if (!perr.empty()) return perr;
  *uploadMs = upload;
  return glErrorText("draw");
}
