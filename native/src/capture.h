// CUDA side of the render thread: the frame texture registered with CUDA once per (texture, size),
// mapped per frame, RGBA -> NV12 (BT.709, limited range) by a kernel, planes copied into pinned host
// memory. Pure C++ interface so the addon code needs no CUDA headers.
#pragma once
#include <cstdint>
#include <string>

class Capture {
 public:
  /** Bind the calling thread to CUDA device `device` and create the stream. Returns "" or why not. */
  std::string init(int device, std::string* name);
  /** Copy the GL texture `tex` (RGBA8, w x h) into `hostRgba` (w*h*4 bytes, rows top-down) and/or
      `hostNv12` (w*h*3/2 bytes: Y plane, then interleaved UV at half resolution). Either may be null. */
  std::string run(unsigned tex, int w, int h, uint8_t* hostRgba, uint8_t* hostNv12);
  /** Registered graphics resources (0 or 1): tests check it does not grow. */
  int registered() const { return resource_ ? 1 : 0; }
  void memInfo(int64_t* freeBytes, int64_t* totalBytes) const;
  /** Unregister and free device memory (GL context still current). */
  void release();
  /** release() and destroy the stream. */
  void shutdown();

 private:
  std::string ensure(unsigned tex, int w, int h);
  void* resource_ = nullptr;  // cudaGraphicsResource_t
  void* stream_ = nullptr;    // cudaStream_t
  uint8_t* nv12_ = nullptr;   // device NV12 buffer
  unsigned tex_ = 0;
  int w_ = 0, h_ = 0;
};

/** "" when CUDA sees at least one device, else why not (driver missing, no device). */
std::string cudaDevicesPresent();

/** Pinned (page-locked) host memory, for the JS-thread frame pool: portable, allocated with CUDA device
    `device` current on the calling thread (so no context is created on another GPU). */
uint8_t* allocPinned(size_t bytes, int device, std::string* error);
void freePinned(uint8_t* p);
