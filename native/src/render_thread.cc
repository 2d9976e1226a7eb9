#include "render_thread.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {
/** NAPARI_CUDA_GPU_TRACE=1 prints the render thread's lifecycle steps to stderr. */
void trace(const char* step) {
  static const bool on = std::getenv("NAPARI_CUDA_GPU_TRACE") != nullptr;
  if (on) fprintf(stderr, "napari-cuda gpu: %s\n", step);
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

RenderThread::RenderThread(int cudaDevice, int64_t textureBudget) {
  thread_ = std::thread([this, cudaDevice, textureBudget] { loop(cudaDevice, textureBudget); });
}

RenderThread::~RenderThread() { stop(); }

void RenderThread::post(std::function<void(RenderThread&)> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void RenderThread::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void RenderThread::loop(int cudaDevice, int64_t textureBudget) {
  // EGL first: it tells which CUDA device backs the GL device, and CUDA interop needs the same one.
  info_.error = cudaDevicesPresent();
  if (info_.error.empty()) info_.error = egl_.open(cudaDevice, &info_.egl);
  if (info_.error.empty()) {
    info_.cudaDevice = info_.egl.cudaDevice >= 0 ? info_.egl.cudaDevice : cudaDevice;
    info_.error = capture_.init(info_.cudaDevice, &info_.cudaName);
  }
  if (info_.error.empty()) {
    gl_ = std::make_unique<GlRenderer>(textureBudget);
    device_.store(info_.cudaDevice);
  }
  trace(info_.error.empty() ? "started" : info_.error.c_str());
  for (;;) {
    std::function<void(RenderThread&)> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and every queued task has run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task(*this);
  }
  trace("teardown: GL objects");
  if (gl_) gl_->release();
  trace("teardown: CUDA");
  capture_.shutdown();
  gl_.reset();
  trace("teardown: EGL");
  egl_.close();
  trace("teardown: done");
}

FrameResult RenderThread::render(const FrameJob& job) {
  FrameResult r;
  if (!info_.error.empty()) {
    r.error = "GPU context unavailable: " + info_.error;
    return r;
  }
  auto t0 = std::chrono::steady_clock::now();
  r.error = gl_->draw(job, &r.uploadMs);
  if (!r.error.empty()) return r;
  // Finishing here costs nothing extra (the capture's map waits for the same work) and splits the timings.
  gl::Finish();
  r.renderMs = msSince(t0);
  auto t1 = std::chrono::steady_clock::now();
  if (job.rgbaOut || job.nv12Out) {
    r.error = capture_.run(gl_->frameTexture(), job.width, job.height, job.rgbaOut, job.nv12Out);
  }
  r.captureMs = msSince(t1);
  frames_++;
  return r;
}

GpuStats RenderThread::stats() {
  GpuStats s;
  if (gl_) gl_->stats(&s);
  s.registeredResources = capture_.registered();
  if (info_.error.empty()) capture_.memInfo(&s.gpuFreeBytes, &s.gpuTotalBytes);
  s.frames = frames_;
  return s;
}
