// The one render thread: owns the EGL context and the CUDA stream (both thread-bound) for its lifetime.
// JS-thread code posts tasks; each task runs here, in order, and reports back through its own callback.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "capture.h"
#include "egl_device.h"
#include "gl_renderer.h"
#include "job.h"

struct DeviceInfo {
  std::string error;  // empty when the context is usable
  EglInfo egl;
  std::string cudaName;
  int cudaDevice = -1;
};

class RenderThread {
 public:
  RenderThread(int cudaDevice, int64_t textureBudget);
  ~RenderThread();
  /** Queue `task` to run on the render thread (after init). */
  void post(std::function<void(RenderThread&)> task);
  /** Finish queued tasks, tear down GL/CUDA, join. Safe to call twice. */
  void stop();

  // Used by tasks (render thread only).
  const DeviceInfo& info() const { return info_; }
  /** Any thread: the CUDA device the render thread uses, -1 until it started (or when it failed). */
  int cudaDevice() const { return device_.load(); }
  FrameResult render(const FrameJob& job);
  GpuStats stats();

 private:
  void loop(int cudaDevice, int64_t textureBudget);
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(RenderThread&)>> queue_;
  bool stopping_ = false;
  DeviceInfo info_;
  EglDevice egl_;
  std::unique_ptr<GlRenderer> gl_;
  Capture capture_;
  int64_t frames_ = 0;
  std::atomic<int> device_{-1};
};
