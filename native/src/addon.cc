// N-API surface of the GPU renderer (see src/daemon/render/gpu/native.ts for the TypeScript types).
//   new GpuContext({ device, textureBudgetBytes })
//   ctx.ready() -> Promise<info>      ctx.render(job) -> Promise<frame>     ctx.release(slot)
//   ctx.stats() -> Promise<stats>     ctx.close() -> Promise<void>
// Every GPU call runs on the render thread; results come back through one thread-safe function,
// so the JS thread never waits for the GPU.
#include <napi.h>

#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <memory>
#include <unordered_map>

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
  if (!v.IsTypedArray()) throw std::runtime_error(std::string(name) + " must be a typed array");
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
  if (n != expect) throw std::runtime_error(std::string(name) + " must be " + std::to_string(expect) + " bytes");
  return std::vector<uint8_t>(p, p + expect);
}

double num(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw std::runtime_error(std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}
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
    int device = opts.Has("device") ? opts.Get("device").As<Napi::Number>().Int32Value() : 0;
    int64_t budget = opts.Has("textureBudgetBytes") ? opts.Get("textureBudgetBytes").As<Napi::Number>().Int64Value()
                                                    : (int64_t{4} << 30);
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
      if (info.Length() < 1 || !info[0].IsObject()) throw std::runtime_error("job must be an object");
      Napi::Object o = info[0].As<Napi::Object>();
      job->width = static_cast<int>(num(o, "width"));
      job->height = static_cast<int>(num(o, "height"));
      if (job->width <= 0 || job->height <= 0 || job->width > 16384 || job->height > 16384)
        throw std::runtime_error("width/height must be in 1..16384");
      bool wantNv12 = o.Get("nv12").ToBoolean();
      if (wantNv12 && (job->width % 2 || job->height % 2)) throw std::runtime_error("nv12 needs an even width and height");
      if (!o.Get("layers").IsArray()) throw std::runtime_error("layers must be an array");
      Napi::Array layers = o.Get("layers").As<Napi::Array>();
      for (uint32_t i = 0; i < layers.Length(); i++) job->layers.push_back(parseLayer(layers.Get(i).As<Napi::Object>(), *job, keep));
      std::string err;
      auto outBuffer = [&](HostPool& pool, size_t bytes, int* slot, Napi::Buffer<uint8_t>* fallback) -> uint8_t* {
        *slot = pool.acquire(bytes, &err);
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
      d.Reject(Napi::TypeError::New(env, e.what()).Value());
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
    L.dtype = static_cast<DType>(static_cast<int>(num(l, "dtype")));
    if (static_cast<int>(L.dtype) < 0 || static_cast<int>(L.dtype) > 7) throw std::runtime_error("dtype code out of range");
    L.nx = static_cast<int>(num(l, "nx"));
    L.ny = static_cast<int>(num(l, "ny"));
    L.mode = l.Has("mode") ? static_cast<int>(num(l, "mode")) : 0;
    L.nz = L.mode > 0 ? static_cast<int>(num(l, "nz")) : 1;
    if (L.mode < 0 || L.mode > kMaxMode3d || L.nz <= 0) throw std::runtime_error("mode/nz out of range");
    if (L.mode > 0) {
      size_t pb = 0;
      const uint8_t* pp = viewBytes(l.Get("params"), "params", &pb);
      if (pb != kParams3d * sizeof(double)) {
        throw std::runtime_error("params must be " + std::to_string(kParams3d) + " float64 values");
      }
      L.params.resize(kParams3d);
      memcpy(L.params.data(), pp, pb);
    }
    double planeOffset = num(l, "planeOffset");
    Napi::Value data = l.Get("data");
    size_t dataBytes = 0;
    const uint8_t* base = viewBytes(data, "layer data", &dataBytes);
    size_t es = static_cast<size_t>(elementSize(L.dtype));
    if (planeOffset < 0 || L.nx <= 0 || L.ny <= 0 ||
        dataBytes / es < static_cast<size_t>(planeOffset) + static_cast<size_t>(L.nx) * L.ny * L.nz)
      throw std::runtime_error("layer plane lies outside its data");
    L.plane = base + static_cast<size_t>(planeOffset) * es;
    keep.push_back(Napi::Persistent(data.As<Napi::Object>()));
    if (L.mode == 0) {
      L.cols = bytesOf(l.Get("cols"), static_cast<size_t>(job.width) * 16, "cols");
      L.rows = bytesOf(l.Get("rows"), static_cast<size_t>(job.height) * 16, "rows");
    }
    L.x0 = static_cast<int>(num(l, "x0"));
    L.x1 = static_cast<int>(num(l, "x1"));
    L.y0 = static_cast<int>(num(l, "y0"));
    L.y1 = static_cast<int>(num(l, "y1"));
    if (L.x0 < 0 || L.x1 > job.width || L.y0 < 0 || L.y1 > job.height) throw std::runtime_error("layer box outside the frame");
    L.linear = l.Get("linear").ToBoolean();
    L.folded = l.Get("folded").ToBoolean();
    size_t lutBytes = 0;
    const uint8_t* lutData = viewBytes(l.Get("lut"), "lut", &lutBytes);
    size_t entries = lutBytes / 4;
    if (entries < 256) throw std::runtime_error("lut needs at least 256 entries");
    auto* lp = reinterpret_cast<const uint32_t*>(lutData);
    L.lut.assign(lp, lp + entries);
    L.lutKey = l.Get("lutKey").ToString().Utf8Value();
    L.lutOffset = static_cast<int>(num(l, "lutOffset"));
    L.lo = num(l, "lo");
    L.range = num(l, "range");
    L.gamma = num(l, "gamma");
    L.blend = static_cast<Blend>(static_cast<int>(num(l, "blend")));
    L.alpha = num(l, "alpha");
    L.beta = num(l, "beta");
    return L;
  }

  /** release(slot, isNv12): give a pinned output buffer back. */
  void Release(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsNumber()) return;
    HostPool& pool = info.Length() > 1 && info[1].ToBoolean() ? nv12Pool_ : pool_;
    pool.release(info[0].As<Napi::Number>().Int32Value());
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
  bool closed_ = false;
  bool closing_ = false;
};

Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return GpuContext::Init(env, exports); }

NODE_API_MODULE(napari_cuda_gpu, InitAll)
