#include "host_pool.h"

#include "capture.h"

int HostPool::acquire(size_t bytes, int device, std::string* error) {
  int inUse = 0;
  int reuse = -1, empty = -1;
  for (size_t i = 0; i < slots_.size(); i++) {
    Slot& s = slots_[i];
    // A size change (resize) frees the idle buffers of other sizes.
    if (s.ptr && !s.inUse && s.bytes != bytes) drop(s);
    if (!s.ptr) {
      if (empty < 0) empty = static_cast<int>(i);
    } else if (s.bytes == bytes) {
      if (s.inUse) inUse++;
      else if (reuse < 0) reuse = static_cast<int>(i);
    }
  }
  if (reuse >= 0) {
    slots_[reuse].inUse = true;
    return reuse;
  }
  if (inUse >= kMaxPerSize) return -1;
  uint8_t* p = allocPinned(bytes, device, error);
  if (!p) return -1;
  if (empty < 0) {
    slots_.emplace_back();
    empty = static_cast<int>(slots_.size() - 1);
  }
  Slot& s = slots_[empty];
  s.ptr = p;
  s.bytes = bytes;
  s.inUse = true;
  return empty;
}

Napi::Uint8Array HostPool::view(Napi::Env env, int slot) {
  Slot& s = slots_[slot];
  if (s.buffer.IsEmpty()) s.buffer = Napi::Persistent(Napi::ArrayBuffer::New(env, s.ptr, s.bytes));
  return Napi::Uint8Array::New(env, s.bytes, s.buffer.Value(), 0);
}

void HostPool::release(int slot) {
  if (slot >= 0 && static_cast<size_t>(slot) < slots_.size()) slots_[slot].inUse = false;
}

void HostPool::drop(Slot& s) {
  if (!s.buffer.IsEmpty()) {
    s.buffer.Value().Detach();
    s.buffer.Reset();
  }
  freePinned(s.ptr);
  s.ptr = nullptr;
  s.bytes = 0;
  s.inUse = false;
}

void HostPool::dispose() {
  for (Slot& s : slots_)
    if (s.ptr) drop(s);
  slots_.clear();
}

size_t HostPool::pinnedBytes() const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.ptr ? s.bytes : 0;
  return n;
}

int HostPool::slots() const {
  int n = 0;
  for (const Slot& s : slots_) n += s.ptr ? 1 : 0;
  return n;
}
