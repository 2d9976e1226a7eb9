// Keeps the addon's glibc floor at 2.34 (the wheel's manylinux_2_34 tag: RHEL 9, Ubuntu 22.04, Debian 12).
// The statically linked libstdc++ (scripts/build-native.mjs) brings std::random_device, which calls
// arc4random, new in glibc 2.36. The addon never uses random_device; this definition, private to the
// addon, satisfies that reference with getrandom (glibc 2.25) so the dynamic linker never looks for it.
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

extern "C" __attribute__((visibility("hidden"))) uint32_t arc4random(void) noexcept {
  uint32_t value = 0;
  for (;;) {
    const ssize_t got = getrandom(&value, sizeof value, 0);
    if (got == static_cast<ssize_t>(sizeof value)) return value;
    // No entropy source at all: failing loudly beats returning a predictable number.
    if (got < 0 && errno != EINTR) std::abort();
  }
}
