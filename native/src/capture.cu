#include <cuda_gl_interop.h>
#include <dlfcn.h>
#include <cuda_runtime.h>

#include "capture.h"

namespace {
std::string cudaText(cudaError_t e, const char* where) {
  return std::string(where) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
}

// BT.709 limited range ("tv"), what the encoder tags NV12 input as (src/daemon/encode/x264.ts):
//   Y = 16 + 219 * (0.2126 R + 0.7152 G + 0.0722 B) / 255
//   U = 128 + 224 * (B - Y') / (1.8556 * 255),  V = 128 + 224 * (R - Y') / (1.5748 * 255)
// Y' is the unscaled luma; chroma uses the mean RGB of each 2x2 block (centre-sited 4:2:0).
// Rounding: floor(x + 0.5), clamped to 0..255.
__device__ __forceinline__ unsigned char clampRound(float x) {
  float r = floorf(x + 0.5f);
  return static_cast<unsigned char>(fminf(fmaxf(r, 0.f), 255.f));
}

__device__ __forceinline__ float luma(float r, float g, float b) { return 0.2126f * r + 0.7152f * g + 0.0722f * b; }

__global__ void rgbaToNv12(cudaTextureObject_t src, int w, int h, unsigned char* y, unsigned char* uv) {
  int bx = blockIdx.x * blockDim.x + threadIdx.x;
  int by = blockIdx.y * blockDim.y + threadIdx.y;
  if (bx * 2 >= w || by * 2 >= h) return;
  float sr = 0, sg = 0, sb = 0;
  for (int dy = 0; dy < 2; dy++) {
    for (int dx = 0; dx < 2; dx++) {
      int x = min(bx * 2 + dx, w - 1), yy = min(by * 2 + dy, h - 1);
      uchar4 p = tex2D<uchar4>(src, x, yy);
      float r = p.x, g = p.y, b = p.z;
      if (bx * 2 + dx < w && by * 2 + dy < h) y[yy * w + x] = clampRound(16.f + 219.f * luma(r, g, b) / 255.f);
      sr += r;
      sg += g;
      sb += b;
    }
  }
  float r = sr * 0.25f, g = sg * 0.25f, b = sb * 0.25f;
  float l = luma(r, g, b);
  unsigned char* o = uv + by * w + bx * 2;
  o[0] = clampRound(128.f + 224.f * (b - l) / (1.8556f * 255.f));
  o[1] = clampRound(128.f + 224.f * (r - l) / (1.5748f * 255.f));
}
}  // namespace

std::string Capture::init(int device, std::string* name) {
  cudaError_t e = cudaSetDevice(device);
  if (e != cudaSuccess) return cudaText(e, "cudaSetDevice");
  cudaDeviceProp prop;
  e = cudaGetDeviceProperties(&prop, device);
  if (e != cudaSuccess) return cudaText(e, "cudaGetDeviceProperties");
  *name = prop.name;
  cudaStream_t s = nullptr;
  e = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  if (e != cudaSuccess) return cudaText(e, "cudaStreamCreate");
  stream_ = s;
  return "";
}

std::string Capture::ensure(unsigned tex, int w, int h) {
  if (resource_ && tex == tex_ && w == w_ && h == h_) return "";
  release();
  cudaGraphicsResource_t res = nullptr;
  cudaError_t e = cudaGraphicsGLRegisterImage(&res, tex, GL_TEXTURE_2D, cudaGraphicsRegisterFlagsReadOnly);
  if (e != cudaSuccess) return cudaText(e, "cudaGraphicsGLRegisterImage");
  resource_ = res;
  size_t bytes = static_cast<size_t>(w) * h * 3 / 2 + w;
  e = cudaMalloc(&nv12_, bytes);
  if (e != cudaSuccess) return cudaText(e, "cudaMalloc(nv12)");
  tex_ = tex;
  w_ = w;
  h_ = h;
  return "";
}

std::string Capture::run(unsigned tex, int w, int h, uint8_t* hostRgba, uint8_t* hostNv12) {
  std::string err = ensure(tex, w, h);
  if (!err.empty()) return err;
  auto stream = static_cast<cudaStream_t>(stream_);
  auto res = static_cast<cudaGraphicsResource_t>(resource_);
  // Mapping orders CUDA after the GL work already issued on this thread's context.
  cudaError_t e = cudaGraphicsMapResources(1, &res, stream);
  if (e != cudaSuccess) return cudaText(e, "cudaGraphicsMapResources");
  cudaArray_t array = nullptr;
  e = cudaGraphicsSubResourceGetMappedArray(&array, res, 0, 0);
  cudaTextureObject_t texObj = 0;
  if (e == cudaSuccess && hostRgba) {
    e = cudaMemcpy2DFromArrayAsync(hostRgba, static_cast<size_t>(w) * 4, array, 0, 0, static_cast<size_t>(w) * 4, h,
                                   cudaMemcpyDeviceToHost, stream);
  }
  if (e == cudaSuccess && hostNv12) {
    cudaResourceDesc rd = {};
    rd.resType = cudaResourceTypeArray;
    rd.res.array.array = array;
    cudaTextureDesc td = {};
    td.addressMode[0] = td.addressMode[1] = cudaAddressModeClamp;
    td.filterMode = cudaFilterModePoint;
    td.readMode = cudaReadModeElementType;
    e = cudaCreateTextureObject(&texObj, &rd, &td, nullptr);
    if (e == cudaSuccess) {
      dim3 block(16, 16);
      dim3 grid(((w + 1) / 2 + 15) / 16, ((h + 1) / 2 + 15) / 16);
      rgbaToNv12<<<grid, block, 0, stream>>>(texObj, w, h, nv12_, nv12_ + static_cast<size_t>(w) * h);
      e = cudaGetLastError();
    }
    if (e == cudaSuccess) {
      e = cudaMemcpyAsync(hostNv12, nv12_, static_cast<size_t>(w) * h * 3 / 2, cudaMemcpyDeviceToHost, stream);
    }
  }
  cudaError_t u = cudaGraphicsUnmapResources(1, &res, stream);
  cudaError_t s = cudaStreamSynchronize(stream);
  if (texObj) cudaDestroyTextureObject(texObj);
  if (e != cudaSuccess) return cudaText(e, "capture");
  if (u != cudaSuccess) return cudaText(u, "cudaGraphicsUnmapResources");
  if (s != cudaSuccess) return cudaText(s, "cudaStreamSynchronize");
  return "";
}

void Capture::memInfo(int64_t* freeBytes, int64_t* totalBytes) const {
  size_t f = 0, t = 0;
  cudaMemGetInfo(&f, &t);
  *freeBytes = static_cast<int64_t>(f);
  *totalBytes = static_cast<int64_t>(t);
}

void Capture::release() {
  if (resource_) cudaGraphicsUnregisterResource(static_cast<cudaGraphicsResource_t>(resource_));
  if (nv12_) cudaFree(nv12_);
  resource_ = nullptr;
  nv12_ = nullptr;
  tex_ = 0;
  w_ = h_ = 0;
}

void Capture::shutdown() {
  release();
  if (stream_) cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
  stream_ = nullptr;
}

std::string cudaDevicesPresent() {
  // Without the driver the runtime reports "insufficient driver", which misleads: say what is missing.
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver) return "NVIDIA driver not found (no libcuda.so.1; the GPU needs the 'compute' capability)";
  dlclose(driver);
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) return cudaText(e, "no usable CUDA device: cudaGetDeviceCount");
  return n > 0 ? "" : "no CUDA device";
}

uint8_t* allocPinned(size_t bytes, int device, std::string* error) {
  // The JS thread has no device of its own: without this, CUDA would make device 0 current and create a
  // context there (hundreds of MiB of another user's GPU on a shared node) when rendering on another one.
  cudaError_t e = cudaSetDevice(device);
  if (e != cudaSuccess) {
    *error = cudaText(e, "cudaSetDevice (pinned memory)");
    return nullptr;
  }
  void* p = nullptr;
  // Portable: page-locked for every context, whichever device the render thread ends up copying from.
  e = cudaHostAlloc(&p, bytes, cudaHostAllocPortable);
  if (e != cudaSuccess) {
    *error = cudaText(e, "cudaHostAlloc");
    return nullptr;
  }
  return static_cast<uint8_t*>(p);
}

void freePinned(uint8_t* p) {
  if (p) cudaFreeHost(p);
}
