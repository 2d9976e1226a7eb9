// GLSL sources of the layer compute shaders: 2D (shader.cc) and 3D ray casting (shader3d.cc).
#pragma once
#include <string>

#include "job.h"

/** GLSL shared by the 2D and 3D shaders: contrast/gamma/blend uniforms and colorIndex (shader.cc). */
extern const char* const kColorGlsl;

/** GLSL of labels layers' colours, shared by both shaders (label_glsl.cc); after `lut` and `lutOffset`. */
extern const char* const kLabelGlsl;
/** Sampler kind per dtype: 0 unsigned int, 1 signed int, 2 float32, 3 float64 as two uint32 words. */
int samplerKind(DType dtype);
/** Compute shader source for one sampler kind: 2D layers. */
std::string layerShaderSource(int kind);
/** Compute shader source for one sampler kind: 3D ray casting, every rendering mode (shader3d.cc). */
std::string layer3dShaderSource(int kind);
/** Compute shader source of points layers (points_glsl.cc). */
std::string pointsShaderSource();
