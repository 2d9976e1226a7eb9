#include "egl_device.h"

#include <dlfcn.h>

#define EGL_EGL_PROTOTYPES 0
#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <vector>

#include "gl_api.h"

#ifndef EGL_CUDA_DEVICE_NV
#define EGL_CUDA_DEVICE_NV 0x323A
#endif

namespace {
PFNEGLGETPROCADDRESSPROC getProcAddress = nullptr;

void* glProc(const char* name) { return reinterpret_cast<void*>(getProcAddress(name)); }

template <typename T>
T eglProc(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (!p && getProcAddress) p = reinterpret_cast<void*>(getProcAddress(name));
  return reinterpret_cast<T>(p);
}

std::string hex(int v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}
}  // namespace

std::string EglDevice::open(int cudaDevice, EglInfo* info) {
  lib_ = dlopen("libEGL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib_) return "libEGL.so.1 not found (install glvnd's libegl1; the driver needs the 'graphics' capability)";
  getProcAddress = reinterpret_cast<PFNEGLGETPROCADDRESSPROC>(dlsym(lib_, "eglGetProcAddress"));
  if (!getProcAddress) return "libEGL.so.1 has no eglGetProcAddress";
  auto queryDevices = eglProc<PFNEGLQUERYDEVICESEXTPROC>(lib_, "eglQueryDevicesEXT");
  auto queryDeviceAttrib = eglProc<PFNEGLQUERYDEVICEATTRIBEXTPROC>(lib_, "eglQueryDeviceAttribEXT");
  auto getPlatformDisplay = eglProc<PFNEGLGETPLATFORMDISPLAYEXTPROC>(lib_, "eglGetPlatformDisplayEXT");
  auto initialize = eglProc<PFNEGLINITIALIZEPROC>(lib_, "eglInitialize");
  auto bindApi = eglProc<PFNEGLBINDAPIPROC>(lib_, "eglBindAPI");
  auto chooseConfig = eglProc<PFNEGLCHOOSECONFIGPROC>(lib_, "eglChooseConfig");
  auto createContext = eglProc<PFNEGLCREATECONTEXTPROC>(lib_, "eglCreateContext");
  auto makeCurrent = eglProc<PFNEGLMAKECURRENTPROC>(lib_, "eglMakeCurrent");
  auto queryString = eglProc<PFNEGLQUERYSTRINGPROC>(lib_, "eglQueryString");
  auto getError = eglProc<PFNEGLGETERRORPROC>(lib_, "eglGetError");
  if (!queryDevices || !getPlatformDisplay || !initialize || !createContext || !makeCurrent || !getError)
    return "EGL lacks EGL_EXT_device_enumeration / EGL_EXT_platform_device (no NVIDIA EGL vendor library?)";

  EGLint count = 0;
  if (!queryDevices(0, nullptr, &count) || count <= 0)
    return "eglQueryDevicesEXT found no EGL device (NVIDIA driver without the 'graphics' capability?)";
  std::vector<EGLDeviceEXT> devices(count);
  queryDevices(count, devices.data(), &count);
  // Prefer the EGL device that is CUDA device `cudaDevice`, so GL and CUDA share one GPU (interop needs it).
  EGLDeviceEXT chosen = nullptr;
  int chosenCuda = -1;
  for (EGLint i = 0; i < count; i++) {
    EGLAttrib cuda = -1;
    if (queryDeviceAttrib && queryDeviceAttrib(devices[i], EGL_CUDA_DEVICE_NV, &cuda) && cuda == cudaDevice) {
      chosen = devices[i];
      chosenCuda = static_cast<int>(cuda);
      break;
    }
  }
  if (!chosen) {
    for (EGLint i = 0; i < count && !chosen; i++) {
      EGLAttrib cuda = -1;
      if (queryDeviceAttrib && queryDeviceAttrib(devices[i], EGL_CUDA_DEVICE_NV, &cuda)) {
        chosen = devices[i];
        chosenCuda = static_cast<int>(cuda);
      }
    }
  }
  if (!chosen) return "no EGL device is backed by a CUDA device (only software EGL devices found)";

  EGLDisplay dpy = getPlatformDisplay(EGL_PLATFORM_DEVICE_EXT, chosen, nullptr);
  EGLint major = 0, minor = 0;
  if (dpy == EGL_NO_DISPLAY || !initialize(dpy, &major, &minor))
    return "eglInitialize on the device display failed: " + hex(getError());
  display_ = dpy;
  if (!bindApi(EGL_OPENGL_API)) return "eglBindAPI(EGL_OPENGL_API) failed: " + hex(getError());
  const EGLint configAttrs[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
  EGLConfig config = nullptr;
  EGLint nconfig = 0;
  if (!chooseConfig(dpy, configAttrs, &config, 1, &nconfig) || nconfig < 1)
    return "eglChooseConfig found no OpenGL config: " + hex(getError());
  const EGLint ctxAttrs[] = {EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 5,
                             EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
  EGLContext ctx = createContext(dpy, config, EGL_NO_CONTEXT, ctxAttrs);
  if (ctx == EGL_NO_CONTEXT) return "eglCreateContext (OpenGL 4.5 core) failed: " + hex(getError());
  context_ = ctx;
  // Surfaceless: all rendering goes to textures (EGL_KHR_surfaceless_context).
  if (!makeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) return "eglMakeCurrent failed: " + hex(getError());
  if (const char* missing = gl::load(glProc)) return std::string("OpenGL entry point missing: ") + missing;
  info->vendor = queryString ? queryString(dpy, EGL_VENDOR) : "";
  info->glRenderer = reinterpret_cast<const char*>(gl::GetString(GL_RENDERER));
  info->glVersion = reinterpret_cast<const char*>(gl::GetString(GL_VERSION));
  info->cudaDevice = chosenCuda;
  return "";
}

void EglDevice::close() {
  if (!lib_) return;
  auto makeCurrent = eglProc<PFNEGLMAKECURRENTPROC>(lib_, "eglMakeCurrent");
  auto destroyContext = eglProc<PFNEGLDESTROYCONTEXTPROC>(lib_, "eglDestroyContext");
  auto terminate = eglProc<PFNEGLTERMINATEPROC>(lib_, "eglTerminate");
  if (display_) {
    makeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (context_) destroyContext(display_, context_);
    terminate(display_);
  }
  display_ = context_ = nullptr;
  // libEGL stays loaded: unloading vendor libraries at runtime is not safe.
  lib_ = nullptr;
}
