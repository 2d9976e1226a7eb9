// Checked reads of JS arguments: every double is range-checked before an integer cast (a cast of NaN,
// Infinity or an out-of-range value is undefined behaviour in C++), and element/byte counts are multiplied
// with overflow checks. Failures throw ArgError, which the addon turns into a JS TypeError (wrong type) or
// RangeError (wrong value) naming the argument.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

/** A bad argument: `range` false = wrong type (TypeError), true = bad value (RangeError). */
struct ArgError : std::runtime_error {
  ArgError(const std::string& what, bool isRange) : std::runtime_error(what), range(isRange) {}
  bool range;
};

/** The JS error for `e` (ArgError -> TypeError/RangeError; anything else -> TypeError). */
inline Napi::Error jsError(Napi::Env env, const std::exception& e) {
  auto* arg = dynamic_cast<const ArgError*>(&e);
  if (arg && arg->range) return Napi::RangeError::New(env, e.what());
  return Napi::TypeError::New(env, e.what());
}

/** `v` as a double; TypeError naming `name` unless it is a number. */
inline double numberArg(const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) throw ArgError(name + " must be a number", false);
  return v.As<Napi::Number>().DoubleValue();
}

/** `v` as a finite double; RangeError for NaN or +-Infinity. */
inline double finiteArg(const Napi::Value& v, const std::string& name) {
  double d = numberArg(v, name);
  if (!std::isfinite(d)) throw ArgError(name + " must be finite, got " + std::to_string(d), true);
  return d;
}

/** `v` as an integer in [lo, hi]; RangeError for fractions, NaN, Infinity or values outside. */
inline int64_t intArg(const Napi::Value& v, const std::string& name, int64_t lo, int64_t hi) {
  double d = numberArg(v, name);
  // Compare as doubles first: only then is the cast defined. lo/hi stay within 2^53 (exact as doubles).
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || std::floor(d) != d) {
    throw ArgError(name + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                       (std::isnan(d) ? std::string("NaN") : std::to_string(d)),
                   true);
  }
  return static_cast<int64_t>(d);
}

inline int64_t intField(const Napi::Object& o, const char* key, int64_t lo, int64_t hi) {
  return intArg(o.Get(key), key, lo, hi);
}

inline double finiteField(const Napi::Object& o, const char* key) { return finiteArg(o.Get(key), key); }

/** a * b, or RangeError naming `what` when it does not fit size_t. */
inline size_t checkedMul(size_t a, size_t b, const std::string& what) {
  size_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw ArgError(what + " overflows", true);
  return r;
}

/** a + b, or RangeError naming `what` when it does not fit size_t. */
inline size_t checkedAdd(size_t a, size_t b, const std::string& what) {
  size_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw ArgError(what + " overflows", true);
  return r;
}

/** Largest safe integer of a JS number (2^53 - 1): counters and offsets beyond it lose precision. */
constexpr int64_t kMaxSafeInt = (int64_t{1} << 53) - 1;
