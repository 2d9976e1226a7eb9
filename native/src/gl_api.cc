#include "gl_api.h"

namespace gl {
#define NC_GL_DEFINE(type, name) type name = nullptr;
NC_GL_FUNCS(NC_GL_DEFINE)
#undef NC_GL_DEFINE

const char* load(void* (*getProc)(const char*)) {
#define NC_GL_LOAD(type, name)                                   \
  name = reinterpret_cast<type>(getProc("gl" #name));            \
  if (!name) return "gl" #name;
  NC_GL_FUNCS(NC_GL_LOAD)
#undef NC_GL_LOAD
  return nullptr;
}
}  // namespace gl
