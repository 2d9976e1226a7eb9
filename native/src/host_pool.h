// Pinned host frame buffers handed to JavaScript without copies (JS thread only).
// Each slot's ArrayBuffer is created once and reused, so no two live ArrayBuffers ever share memory;
// JS gives a slot back with release(); dispose() detaches the ArrayBuffers before freeing the memory.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

class HostPool {
 public:
  /** A free slot of exactly `bytes` (allocated on demand for CUDA device `device`), or -1 when maxPerSize are
      all in use or the allocation failed (`error` says why). */
  int acquire(size_t bytes, int device, std::string* error);
  uint8_t* data(int slot) const { return slots_[slot].ptr; }
  /** Uint8Array over the slot's memory (the same ArrayBuffer every time). */
  Napi::Uint8Array view(Napi::Env env, int slot);
  /** Mark a slot free again; unknown or free slots are ignored. */
  void release(int slot);
  /** Detach all ArrayBuffers and free the pinned memory. */
  void dispose();
  size_t pinnedBytes() const;
  int slots() const;

 private:
  struct Slot {
    uint8_t* ptr = nullptr;
    size_t bytes = 0;
    bool inUse = false;
    Napi::Reference<Napi::ArrayBuffer> buffer;
  };
  void drop(Slot& s);
  static constexpr int kMaxPerSize = 6;
  std::vector<Slot> slots_;
};
