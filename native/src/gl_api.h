// OpenGL 4.5 core entry points, loaded through eglGetProcAddress (no link-time libGL/libOpenGL).
#pragma once
#include <GL/glcorearb.h>

#define NC_GL_FUNCS(X)                                                    \
  X(PFNGLGETSTRINGPROC, GetString)                                        \
  X(PFNGLGETINTEGERVPROC, GetIntegerv)                                    \
  X(PFNGLGETERRORPROC, GetError)                                          \
  X(PFNGLFINISHPROC, Finish)                                              \
  X(PFNGLPIXELSTOREIPROC, PixelStorei)                                    \
  X(PFNGLCREATETEXTURESPROC, CreateTextures)                              \
  X(PFNGLDELETETEXTURESPROC, DeleteTextures)                              \
  X(PFNGLTEXTURESTORAGE2DPROC, TextureStorage2D)                          \
  X(PFNGLTEXTURESUBIMAGE2DPROC, TextureSubImage2D)                        \
  X(PFNGLTEXTURESTORAGE3DPROC, TextureStorage3D)                          \
  X(PFNGLTEXTURESUBIMAGE3DPROC, TextureSubImage3D)                        \
  X(PFNGLUNIFORM3DPROC, Uniform3d)                                        \
  X(PFNGLTEXTUREPARAMETERIPROC, TextureParameteri)                        \
  X(PFNGLBINDTEXTUREUNITPROC, BindTextureUnit)                            \
  X(PFNGLBINDIMAGETEXTUREPROC, BindImageTexture)                          \
  X(PFNGLCLEARTEXIMAGEPROC, ClearTexImage)                                \
  X(PFNGLCREATEBUFFERSPROC, CreateBuffers)                                \
  X(PFNGLDELETEBUFFERSPROC, DeleteBuffers)                                \
  X(PFNGLNAMEDBUFFERDATAPROC, NamedBufferData)                            \
  X(PFNGLNAMEDBUFFERSUBDATAPROC, NamedBufferSubData)                      \
  X(PFNGLBINDBUFFERBASEPROC, BindBufferBase)                              \
  X(PFNGLCREATESHADERPROC, CreateShader)                                  \
  X(PFNGLSHADERSOURCEPROC, ShaderSource)                                  \
  X(PFNGLCOMPILESHADERPROC, CompileShader)                                \
  X(PFNGLGETSHADERIVPROC, GetShaderiv)                                    \
  X(PFNGLGETSHADERINFOLOGPROC, GetShaderInfoLog)                          \
  X(PFNGLDELETESHADERPROC, DeleteShader)                                  \
  X(PFNGLCREATEPROGRAMPROC, CreateProgram)                                \
  X(PFNGLATTACHSHADERPROC, AttachShader)                                  \
  X(PFNGLLINKPROGRAMPROC, LinkProgram)                                    \
  X(PFNGLGETPROGRAMIVPROC, GetProgramiv)                                  \
  X(PFNGLGETPROGRAMINFOLOGPROC, GetProgramInfoLog)                        \
  X(PFNGLDELETEPROGRAMPROC, DeleteProgram)                                \
  X(PFNGLUSEPROGRAMPROC, UseProgram)                                      \
  X(PFNGLGETUNIFORMLOCATIONPROC, GetUniformLocation)                      \
  X(PFNGLUNIFORM1IPROC, Uniform1i)                                        \
  X(PFNGLUNIFORM2IPROC, Uniform2i)                                        \
  X(PFNGLUNIFORM3IPROC, Uniform3i)                                        \
  X(PFNGLUNIFORM1FPROC, Uniform1f)                                        \
  X(PFNGLUNIFORM1DPROC, Uniform1d)                                        \
  X(PFNGLUNIFORM1DVPROC, Uniform1dv)                                      \
  X(PFNGLDISPATCHCOMPUTEPROC, DispatchCompute)                            \
  X(PFNGLMEMORYBARRIERPROC, MemoryBarrier)

namespace gl {
#define NC_GL_DECLARE(type, name) extern type name;
NC_GL_FUNCS(NC_GL_DECLARE)
#undef NC_GL_DECLARE

/** Resolve every entry point with `getProc`; returns the first missing name, or nullptr when all resolved. */
const char* load(void* (*getProc)(const char*));
}  // namespace gl
