// Headless EGL on an NVIDIA device: EGL_EXT_platform_device, no display server, OpenGL 4.5 core.
// libEGL.so.1 (glvnd) is dlopen'ed so the addon loads, and reports why, on machines without it.
#pragma once
#include <string>

struct EglInfo {
  std::string vendor;      // EGL_VENDOR
  std::string glRenderer;  // GL_RENDERER
  std::string glVersion;   // GL_VERSION
  int cudaDevice = -1;     // EGL_CUDA_DEVICE_NV of the chosen EGL device (-1 when unknown)
};

class EglDevice {
 public:
  /** Create and make current an OpenGL 4.5 core context on the EGL device backing CUDA device
      `cudaDevice` (or the first device when none matches). Returns "" on success, else why not. */
  std::string open(int cudaDevice, EglInfo* info);
  /** Release the context and display (safe to call twice). */
  void close();
  ~EglDevice() { close(); }

 private:
  void* lib_ = nullptr;
  void* display_ = nullptr;
  void* context_ = nullptr;
};
