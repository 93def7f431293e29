// Elementwise kernels of package cpu (elem.c). Each processes n floats of
// contiguous arrays; outputs never alias inputs unless stated.
#ifndef VDVAE_CPU_ELEM_H
#define VDVAE_CPU_ELEM_H

#include <stdint.h>

// Unary functions, numbered as graph.UnaryFn.
enum { VD_SILU = 0, VD_LEAKY = 1, VD_SOFTPLUS = 2, VD_EXP = 3 };

// vd_unary computes y = f(x) (see graph.UnaryFn for the definitions).
void vd_unary(int fn, float alpha, const float *x, float *y, int64_t n);

// vd_unary_grad computes y = g * f'(x).
void vd_unary_grad(int fn, float alpha, const float *x, const float *g, float *y, int64_t n);

// Binary functions, numbered as graph.BinaryFn.
enum { VD_ADD = 0, VD_SUB = 1, VD_MUL = 2, VD_DIV = 3 };

// vd_binary computes y = a op b for same-shaped a and b.
void vd_binary(int fn, const float *a, const float *b, float *y, int64_t n);

// vd_bias_grad computes db[k] = sum over n and the hw positions of
// dy[n, k, :] for dy of shape (n, k, hw).
void vd_bias_grad(const float *dy, float *db, int64_t n, int64_t k, int64_t hw);

#endif
