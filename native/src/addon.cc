// N-API surface of the GPU renderer (see src/daemon/render/gpu/native.ts for the TypeScript types).
//   new GpuContext({ device, textureBudgetBytes })
//   ctx.ready() -> Promise<info>      ctx.render(job) -> Promise<frame>     ctx.release(slot)
//   ctx.stats() -> Promise<stats>     ctx.close() -> Promise<void>
// Every GPU call runs on the render thread; results come back through one thread-safe function,
// so the JS thread never waits for the GPU.
#include <napi.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <memory>
#include <unordered_map>

#include "args.h"
#include "host_pool.h"
#include "render_thread.h"

namespace {
using Completion = std::function<void(Napi::Env)>;

int elementSize(DType d) {
  switch (d) {
    case DType::U8:
    case DType::I8: return 1;
    case DType::U16:
    case DType::I16: return 2;
    case DType::U32:
    case DType::I32:
    case DType::F32: return 4;
    case DType::F64: return 8;
  }
  return 1;
}

/** First byte and byte length of a typed array. Raw napi on purpose: node-addon-api's ArrayBuffer().Data()
    rejects typed arrays over a SharedArrayBuffer (napi_invalid_arg), and layer data lives in those. */
uint8_t* viewBytes(const Napi::Value& v, const char* name, size_t* byteLength) {
  if (!v.IsTypedArray()) throw ArgError(std::string(name) + " must be a typed array", false);
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(v.Env(), v, &type, &length, &data, &buffer, &offset) != napi_ok)
    throw std::runtime_error(std::string(name) + ": cannot read the typed array");
  *byteLength = v.As<Napi::TypedArray>().ByteLength();
  return static_cast<uint8_t*>(data);
}

std::vector<uint8_t> bytesOf(const Napi::Value& v, size_t expect, const char* name) {
  size_t n = 0;
  uint8_t* p = viewBytes(v, name, &n);
  if (n != expect) throw ArgError(std::string(name) + " must be " + std::to_string(expect) + " bytes", true);
  return std::vector<uint8_t>(p, p + expect);
}

/** Values 8/16-bit data can hold: [min, min + count). Folded tables have one entry per value. */
bool foldedRange(DType d, int64_t* min, int64_t* count) {
  switch (d) {
    case DType::U8: *min = 0, *count = 256; return true;
    case DType::I8: *min = -128, *count = 256; return true;
    case DType::U16: *min = 0, *count = 65536; return true;
    case DType::I16: *min = -32768, *count = 65536; return true;
    default: return false;
  }
}

constexpr int64_t kMaxInt = 0x7fffffff;
}  // namespace

class GpuContext : public Napi::ObjectWrap<GpuContext> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, "GpuContext",
                                      {InstanceMethod("ready", &GpuContext::Ready),
                                       InstanceMethod("render", &GpuContext::Render),
                                       InstanceMethod("release", &GpuContext::Release),
                                       InstanceMethod("stats", &GpuContext::Stats),
                                       InstanceMethod("close", &GpuContext::Close)});
    exports.Set("GpuContext", ctor);
    return exports;
  }

  explicit GpuContext(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GpuContext>(info) {
    Napi::Object opts = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(info.Env());
    int device = 0;
    int64_t budget = int64_t{4} << 30;
    try {
      if (opts.Has("device") && !opts.Get("device").IsUndefined()) device = static_cast<int>(intField(opts, "device", 0, 1023));
      if (opts.Has("textureBudgetBytes") && !opts.Get("textureBudgetBytes").IsUndefined())
        budget = intField(opts, "textureBudgetBytes", 0, kMaxSafeInt);
    } catch (const ArgError& e) {
      throw jsError(info.Env(), e);
    }
    device_ = device;
    tsfn_ = Napi::ThreadSafeFunction::New(info.Env(), Napi::Function::New(info.Env(), [](const Napi::CallbackInfo&) {}),
                                          "napari-cuda-gpu", 0, 1);
    tsfn_.Unref(info.Env());
    thread_ = std::make_unique<RenderThread>(device, budget);
  }

  ~GpuContext() override {
    if (thread_) thread_->stop();
    pool_.dispose();
    nv12Pool_.dispose();
    if (!closed_) tsfn_.Release();
  }

 private:
  /** Run `work` on the render thread, then `done` on the JS thread; returns the promise `done` settles. */
  Napi::Value Submit(Napi::Env env, std::function<Completion(RenderThread&)> work,
                     std::vector<Napi::ObjectReference> keep = {}) {
    auto deferred = Napi::Promise::Deferred::New(env);
    if (closed_ || closing_) {
      deferred.Reject(Napi::Error::New(env, "GPU context closed").Value());
      return deferred.Promise();
    }
    uint64_t id = nextId_++;
    auto entry = std::make_shared<Pending>(Pending{deferred, std::move(keep)});
    pending_.emplace(id, entry);
    if (pending_.size() == 1) tsfn_.Ref(env);
    thread_->post([this, id, work = std::move(work)](RenderThread& rt) {
      auto* done = new Completion(work(rt));
      tsfn_.NonBlockingCall(done, [this, id](Napi::Env env, Napi::Function, Completion* c) {
        std::unique_ptr<Completion> owned(c);
        auto it = pending_.find(id);
        (*owned)(env);
        if (it != pending_.end()) pending_.erase(it);
        if (pending_.empty() && !closed_) tsfn_.Unref(env);
      });
    });
    return deferred.Promise();
  }

  Napi::Promise::Deferred& deferredOf(uint64_t id) { return pending_.at(id)->deferred; }

  Napi::Value Ready(const Napi::CallbackInfo& info) {
    uint64_t id = nextId_;
    return Submit(info.Env(), [this, id](RenderThread& rt) -> Completion {
      DeviceInfo d = rt.info();
      return [this, id, d](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("ok", d.error.empty());
        o.Set("error", d.error);
        o.Set("eglVendor", d.egl.vendor);
        o.Set("glRenderer", d.egl.glRenderer);
        o.Set("glVersion", d.egl.glVersion);
        o.Set("cudaDevice", d.cudaDevice);
        o.Set("cudaName", d.cudaName);
        deferredOf(id).Resolve(o);
      };
    });
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    uint64_t id = nextId_;
    return Submit(info.Env(), [this, id](RenderThread& rt) -> Completion {
      GpuStats s = rt.stats();
      return [this, id, s](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("textures", static_cast<double>(s.textures));
        o.Set("textureBytes", static_cast<double>(s.textureBytes));
        o.Set("registeredResources", static_cast<double>(s.registeredResources));
        o.Set("gpuFreeBytes", static_cast<double>(s.gpuFreeBytes));
        o.Set("gpuTotalBytes", static_cast<double>(s.gpuTotalBytes));
        o.Set("programs", static_cast<double>(s.programs));
        o.Set("frames", static_cast<double>(s.frames));
        o.Set("pinnedBytes", static_cast<double>(pool_.pinnedBytes() + nv12Pool_.pinnedBytes()));
        o.Set("pinnedSlots", pool_.slots() + nv12Pool_.slots());
        deferredOf(id).Resolve(o);
      };
    });
  }

  Napi::Value Render(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto job = std::make_shared<FrameJob>();
    std::vector<Napi::ObjectReference> keep;
    int rgbaSlot = -1, nv12Slot = -1;
    Napi::Buffer<uint8_t> rgbaFallback, nv12Fallback;
    try {
      if (info.Length() < 1 || !info[0].IsObject()) throw ArgError("job must be an object", false);
      Napi::Object o = info[0].As<Napi::Object>();
      job->width = static_cast<int>(intField(o, "width", 1, 16384));
      job->height = static_cast<int>(intField(o, "height", 1, 16384));
      bool wantNv12 = o.Get("nv12").ToBoolean();
      if (wantNv12 && (job->width % 2 || job->height % 2)) throw ArgError("nv12 needs an even width and height", true);
      if (!o.Get("layers").IsArray()) throw ArgError("layers must be an array", false);
      Napi::Array layers = o.Get("layers").As<Napi::Array>();
      for (uint32_t i = 0; i < layers.Length(); i++) {
        Napi::Value l = layers.Get(i);
        if (!l.IsObject()) throw ArgError("layers[" + std::to_string(i) + "] must be an object", false);
        job->layers.push_back(parseLayer(l.As<Napi::Object>(), *job, keep));
      }
      parsePointsList(o, job.get());
      std::string err;
      // Pinned memory is allocated here, on the JS thread: for the device the render thread runs on (once it
      // is known; the requested one before), so no context is created on another GPU (see allocPinned).
      int device = thread_->cudaDevice() >= 0 ? thread_->cudaDevice() : device_;
      auto outBuffer = [&](HostPool& pool, size_t bytes, int* slot, Napi::Buffer<uint8_t>* fallback) -> uint8_t* {
        *slot = pool.acquire(bytes, device, &err);
        if (*slot >= 0) return pool.data(*slot);
        // Every pinned slot is still held by JS: hand out ordinary (pageable) memory for this frame.
        *fallback = Napi::Buffer<uint8_t>::New(env, bytes);
        keep.push_back(Napi::Persistent(fallback->As<Napi::Object>()));
        return fallback->Data();
      };
      size_t px = static_cast<size_t>(job->width) * job->height;
      if (o.Get("rgba").ToBoolean()) job->rgbaOut = outBuffer(pool_, px * 4, &rgbaSlot, &rgbaFallback);
      if (wantNv12) job->nv12Out = outBuffer(nv12Pool_, px * 3 / 2, &nv12Slot, &nv12Fallback);
    } catch (const std::exception& e) {
      pool_.release(rgbaSlot);
      nv12Pool_.release(nv12Slot);
      auto d = Napi::Promise::Deferred::New(env);
      d.Reject(jsError(env, e).Value());
      return d.Promise();
    }
    uint64_t id = nextId_;
    auto rgbaRef = rgbaFallback.IsEmpty() ? Napi::ObjectReference() : Napi::Persistent(rgbaFallback.As<Napi::Object>());
    auto nv12Ref = nv12Fallback.IsEmpty() ? Napi::ObjectReference() : Napi::Persistent(nv12Fallback.As<Napi::Object>());
    auto refs = std::make_shared<std::pair<Napi::ObjectReference, Napi::ObjectReference>>(std::move(rgbaRef), std::move(nv12Ref));
    return Submit(
        env,
        [this, id, job, rgbaSlot, nv12Slot, refs](RenderThread& rt) -> Completion {
          FrameResult r = rt.render(*job);
          return [this, id, r, rgbaSlot, nv12Slot, refs, job](Napi::Env env) {
            auto& d = deferredOf(id);
            if (!r.error.empty()) {
              pool_.release(rgbaSlot);
              nv12Pool_.release(nv12Slot);
              d.Reject(Napi::Error::New(env, r.error).Value());
              return;
            }
            Napi::Object o = Napi::Object::New(env);
            o.Set("width", job->width);
            o.Set("height", job->height);
            if (job->rgbaOut) {
              o.Set("rgba", rgbaSlot >= 0 ? pool_.view(env, rgbaSlot) : refs->first.Value().As<Napi::Uint8Array>());
              o.Set("rgbaSlot", rgbaSlot);
            }
            if (job->nv12Out) {
              o.Set("nv12", nv12Slot >= 0 ? nv12Pool_.view(env, nv12Slot) : refs->second.Value().As<Napi::Uint8Array>());
              o.Set("nv12Slot", nv12Slot);
            }
            o.Set("uploadMs", r.uploadMs);
            o.Set("renderMs", r.renderMs);
            o.Set("captureMs", r.captureMs);
            d.Resolve(o);
          };
        },
        std::move(keep));
  }

  LayerJob parseLayer(const Napi::Object& l, const FrameJob& job, std::vector<Napi::ObjectReference>& keep) {
    LayerJob L;
    L.textureKey = l.Get("key").ToString().Utf8Value();
    L.generation = static_cast<uint64_t>(intField(l, "generation", 0, kMaxSafeInt));
    L.dtype = static_cast<DType>(intField(l, "dtype", 0, 7));
    L.nx = static_cast<int>(intField(l, "nx", 1, kMaxInt));
    L.ny = static_cast<int>(intField(l, "ny", 1, kMaxInt));
    L.mode = l.Has("mode") && !l.Get("mode").IsUndefined() ? static_cast<int>(intField(l, "mode", 0, kMaxMode3d)) : 0;
    L.nz = L.mode > 0 ? static_cast<int>(intField(l, "nz", 1, kMaxInt)) : 1;
    if (L.mode > 0) {
      size_t pb = 0;
      const uint8_t* pp = viewBytes(l.Get("params"), "params", &pb);
      if (pb != kParams3d * sizeof(double)) {
        throw ArgError("params must be " + std::to_string(kParams3d) + " float64 values", true);
      }
      L.params.resize(kParams3d);
      memcpy(L.params.data(), pp, pb);
      // params[21] (the ray family's main axis) becomes an int uniform.
      double k = L.params[21];
      if (!(k == 0 || k == 1 || k == 2)) throw ArgError("params[21] (main axis) must be 0, 1 or 2", true);
    }
    size_t planeOffset = static_cast<size_t>(intField(l, "planeOffset", 0, kMaxSafeInt));
    Napi::Value data = l.Get("data");
    size_t dataBytes = 0;
    const uint8_t* base = viewBytes(data, "layer data", &dataBytes);
    size_t es = static_cast<size_t>(elementSize(L.dtype));
    // Element and byte counts with overflow checks: nx*ny*nz of up-to-2^31 sides does not fit 64 bits.
    size_t elements = checkedMul(checkedMul(static_cast<size_t>(L.nx), static_cast<size_t>(L.ny), "nx*ny"),
                                 static_cast<size_t>(L.nz), "nx*ny*nz");
    size_t endBytes = checkedMul(checkedAdd(planeOffset, elements, "planeOffset + nx*ny*nz"), es, "layer byte size");
    if (endBytes > dataBytes) {
      throw ArgError("layer plane lies outside its data (needs " + std::to_string(endBytes) + " bytes, has " +
                         std::to_string(dataBytes) + ")",
                     true);
    }
    L.plane = base + planeOffset * es;
    keep.push_back(Napi::Persistent(data.As<Napi::Object>()));
    L.linear = l.Get("linear").ToBoolean();
    L.folded = l.Get("folded").ToBoolean();
    parseLabels(l, &L);
    if (L.mode == 0) {
      // A contour reads taps `contour` pixels beyond each side of the frame.
      size_t pad = 2 * static_cast<size_t>(L.contour);
      L.cols = bytesOf(l.Get("cols"), (static_cast<size_t>(job.width) + pad) * 16, "cols");
      L.rows = bytesOf(l.Get("rows"), (static_cast<size_t>(job.height) + pad) * 16, "rows");
    }
    L.x0 = static_cast<int>(intField(l, "x0", 0, job.width));
    L.x1 = static_cast<int>(intField(l, "x1", 0, job.width));
    L.y0 = static_cast<int>(intField(l, "y0", 0, job.height));
    L.y1 = static_cast<int>(intField(l, "y1", 0, job.height));
    size_t lutBytes = 0;
    const uint8_t* lutData = viewBytes(l.Get("lut"), "lut", &lutBytes);
    size_t entries = lutBytes / 4;
    if (L.labels == Labels::Rule) {
      // Colour rows: row 0 unused, n = rows - 1 >= 1 (napari's num_colors, at most 65535).
      if (entries < 2 || entries > 65536) throw ArgError("label rows lut needs 2..65536 entries", true);
    } else if (entries < 256) {
      throw ArgError("lut needs at least 256 entries", true);
    }
    auto* lp = reinterpret_cast<const uint32_t*>(lutData);
    L.lut.assign(lp, lp + entries);
    L.lutKey = l.Get("lutKey").ToString().Utf8Value();
    L.lutOffset = static_cast<int>(intField(l, "lutOffset", -kMaxInt - 1, kMaxInt));
    if (L.labels == Labels::Folded) {
      int64_t min = 0, count = 0;
      if (!foldedRange(L.dtype, &min, &count)) throw ArgError("folded labels need 8/16-bit data", true);
      if (static_cast<int64_t>(entries) < count || L.lutOffset != -min) {
        throw ArgError("folded label lut needs " + std::to_string(count) + " entries and lutOffset " +
                           std::to_string(-min),
                       true);
      }
    }
    if (L.folded) {
      // The shader reads lut[value + lutOffset]: every value of the dtype must land inside the table.
      int64_t min = 0, count = 0;
      if (L.mode > 0 || !foldedRange(L.dtype, &min, &count)) throw ArgError("folded needs 8/16-bit 2D data", true);
      if (static_cast<int64_t>(entries) < count || L.lutOffset != -min) {
        throw ArgError("folded lut needs " + std::to_string(count) + " entries and lutOffset " + std::to_string(-min), true);
      }
    }
    L.lo = numberArg(l.Get("lo"), "lo");
    L.range = numberArg(l.Get("range"), "range");
    L.gamma = finiteField(l, "gamma");
    if (std::fabs(L.gamma) > 3.0e38) throw ArgError("gamma must fit a float32", true);  // it is also cast to float
    L.blend = static_cast<Blend>(intField(l, "blend", 0, 2));
    L.alpha = numberArg(l.Get("alpha"), "alpha");
    L.beta = numberArg(l.Get("beta"), "beta");
    return L;
  }

  /** The optional `points` passes of a frame, `before` ascending (absent: none). */
  static void parsePointsList(const Napi::Object& o, FrameJob* job) {
    if (!o.Has("points") || o.Get("points").IsUndefined()) return;
    if (!o.Get("points").IsArray()) throw ArgError("points must be an array", false);
    Napi::Array list = o.Get("points").As<Napi::Array>();
    size_t before = 0;
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value v = list.Get(i);
      if (!v.IsObject()) throw ArgError("points[" + std::to_string(i) + "] must be an object", false);
      job->points.push_back(parsePoints(v.As<Napi::Object>(), *job, before));
      before = job->points.back().before;
    }
  }

  /** One points pass; every tile list entry must name a record, so the shader never reads past the records. */
  static PointsJob parsePoints(const Napi::Object& p, const FrameJob& job, size_t minBefore) {
    PointsJob P;
    P.before = static_cast<size_t>(intField(p, "before", static_cast<int64_t>(minBefore), static_cast<int64_t>(job.layers.size())));
    size_t rb = 0;
    const uint8_t* r = viewBytes(p.Get("records"), "records", &rb);
    if (rb == 0 || rb % kPointRecordBytes) {
      throw ArgError("records must be a positive multiple of " + std::to_string(kPointRecordBytes) + " bytes", true);
    }
    P.records.assign(r, r + rb);
    size_t count = rb / kPointRecordBytes;
    P.tilesX = static_cast<int>(intField(p, "tilesX", 1, kMaxInt));
    P.tilesY = static_cast<int>(intField(p, "tilesY", 1, kMaxInt));
    if (P.tilesX != (job.width + kPointTile - 1) / kPointTile || P.tilesY != (job.height + kPointTile - 1) / kPointTile) {
      throw ArgError("tilesX/tilesY must tile the frame in 16x16 tiles", true);
    }
    size_t tb = 0;
    const uint8_t* t = viewBytes(p.Get("tiles"), "tiles", &tb);
    size_t ntiles = static_cast<size_t>(P.tilesX) * static_cast<size_t>(P.tilesY);
    if (tb % 4 || tb / 4 < ntiles + 1) throw ArgError("tiles must hold tilesX * tilesY + 1 uint32 list starts", true);
    P.tiles.resize(tb / 4);
    memcpy(P.tiles.data(), t, tb);
    size_t entries = P.tiles.size() - ntiles - 1;
    bool ok = P.tiles[0] == 0 && P.tiles[ntiles] == entries;
    for (size_t i = 0; ok && i < ntiles; i++) ok = P.tiles[i] <= P.tiles[i + 1];
    for (size_t i = ntiles + 1; ok && i < P.tiles.size(); i++) ok = P.tiles[i] < count;
    if (!ok) throw ArgError("tiles: list starts must ascend from 0 to the entry count, entries must name records", true);
    P.x0 = static_cast<int>(intField(p, "x0", 0, job.width));
    P.x1 = static_cast<int>(intField(p, "x1", 0, job.width));
    P.y0 = static_cast<int>(intField(p, "y0", 0, job.height));
    P.y1 = static_cast<int>(intField(p, "y1", 0, job.height));
    P.aa = finiteField(p, "aa");
    P.opacity = finiteField(p, "opacity");
    P.blend = static_cast<int>(intField(p, "blend", 0, 2));
    size_t cb = 0;
    const uint8_t* c = viewBytes(p.Get("constants"), "constants", &cb);
    if (cb != kPointConstants * sizeof(double)) {
      throw ArgError("constants must be " + std::to_string(kPointConstants) + " float64 values", true);
    }
    P.constants.resize(kPointConstants);
    memcpy(P.constants.data(), c, cb);
    return P;
  }

  /** The optional label fields (absent: an image layer); checked against the layer's mode. */
  static void parseLabels(const Napi::Object& l, LayerJob* L) {
    auto has = [&l](const char* k) { return l.Has(k) && !l.Get(k).IsUndefined(); };
    L->labels = has("labels") ? static_cast<Labels>(intField(l, "labels", 0, 2)) : Labels::None;
    bool isLabels = L->labels != Labels::None;
    if ((L->mode == kLabelsMode3d) != (isLabels && L->mode > 0)) {
      throw ArgError("3D labels layers (and only they) take mode " + std::to_string(kLabelsMode3d), true);
    }
    if (!isLabels) return;
    if (L->linear || L->folded) throw ArgError("labels take neither linear nor folded (labels picks the table)", true);
    if (has("selectedLabel")) {
      L->selectedLabel = static_cast<double>(intField(l, "selectedLabel", -kMaxSafeInt, kMaxSafeInt));
    }
    L->showSelected = l.Get("showSelected").ToBoolean();
    L->contour = has("contour") ? static_cast<int>(intField(l, "contour", 0, kMaxContour)) : 0;
    if (L->contour > 0 && L->mode > 0) throw ArgError("contour is 2D only", true);
  }

  /** release(slot, isNv12): give a pinned output buffer back. */
  void Release(const Napi::CallbackInfo& info) {
    int slot = -1;
    try {
      slot = static_cast<int>(intArg(info.Length() > 0 ? info[0] : info.Env().Undefined(), "slot", -1, kMaxInt));
    } catch (const ArgError& e) {
      throw jsError(info.Env(), e);
    }
    HostPool& pool = info.Length() > 1 && info[1].ToBoolean() ? nv12Pool_ : pool_;
    pool.release(slot);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_) {
      auto d = Napi::Promise::Deferred::New(env);
      d.Resolve(env.Undefined());
      return d.Promise();
    }
    uint64_t id = nextId_;
    Napi::Value p = Submit(env, [this, id](RenderThread&) -> Completion {
      return [this, id](Napi::Env env) {
        // Every earlier task has run; stop() now only tears down GL/CUDA and joins.
        if (std::getenv("NAPARI_CUDA_GPU_TRACE")) fprintf(stderr, "napari-cuda gpu: close: stopping the render thread\n");
        thread_->stop();
        pool_.dispose();
        nv12Pool_.dispose();
        closed_ = true;
        deferredOf(id).Resolve(env.Undefined());
        tsfn_.Release();
      };
    });
    closing_ = true;
    return p;
  }

  struct Pending {
    Napi::Promise::Deferred deferred;
    std::vector<Napi::ObjectReference> keep;
  };
  Napi::ThreadSafeFunction tsfn_;
  std::unique_ptr<RenderThread> thread_;
  std::unordered_map<uint64_t, std::shared_ptr<Pending>> pending_;
  HostPool pool_;      // RGBA frames
  HostPool nv12Pool_;  // NV12 frames (own pool: a size change in one must not free the other)
  uint64_t nextId_ = 1;
  int device_ = 0;  // the CUDA device asked for (the render thread may pick the one backing its EGL device)
  bool closed_ = false;
  bool closing_ = false;
};

Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return GpuContext::Init(env, exports); }

NODE_API_MODULE(napari_cuda_gpu, InitAll)
