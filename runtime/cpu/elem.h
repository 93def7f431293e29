// Elementwise, reduction and layout kernels of package cpu (elem.c). Arrays
// are contiguous float32; outputs never alias inputs. Kernels that take a
// range [lo, hi) of rows, planes or output elements compute only that part,
// so that the Go side can split one call between threads.
#ifndef VDVAE_CPU_ELEM_H
#define VDVAE_CPU_ELEM_H

#include <stdint.h>

// Unary functions, numbered as graph.UnaryFn.
enum {
	VD_SILU = 0,
	VD_LEAKY = 1,
	VD_SOFTPLUS = 2,
	VD_EXP = 3,
	VD_LOG = 4,
	VD_TANH = 5,
	VD_SIGMOID = 6,
	VD_SQUARE = 7,
	VD_SCALE = 8,
	VD_ADD_CONST = 9,
};

// vd_unary computes y = f(x) for n elements (see graph.UnaryFn for the
// definitions).
void vd_unary(int fn, float alpha, const float *x, float *y, int64_t n);

// vd_unary_grad computes y = g * f'(x).
void vd_unary_grad(int fn, float alpha, const float *x, const float *g, float *y, int64_t n);

// Binary functions, numbered as graph.BinaryFn.
enum { VD_ADD = 0, VD_SUB = 1, VD_MUL = 2, VD_DIV = 3 };

// vd_binary computes y = a op b for same-shaped a and b.
void vd_binary(int fn, const float *a, const float *b, float *y, int64_t n);

// vd_binary_rows computes rows r0..r1-1 of a broadcasting binary op whose
// output is rows of inner elements: y[r*inner + i] = a[oa[r] + i*sa] op
// b[ob[r] + i*sb], where sa and sb are 1 (the operand advances along the
// row) or 0 (it repeats one value).
void vd_binary_rows(int fn, const float *a, const int64_t *oa, int sa, const float *b,
		const int64_t *ob, int sb, float *y, int64_t r0, int64_t r1, int64_t inner);

// vd_reduce sums x of shape (r1, k, r2) over its first and last axes, for
// outputs j0..j1-1: y[j] = sum over a < r1 and b < r2 of x[(a*k + j)*r2 + b],
// accumulated in double.
void vd_reduce(const float *x, int64_t r1, int64_t k, int64_t r2, float *y, int64_t j0,
		int64_t j1);

// vd_broadcast is the adjoint of vd_reduce: y[(a*k + j)*r2 + b] = x[j] for
// j in j0..j1-1.
void vd_broadcast(const float *x, int64_t r1, int64_t k, int64_t r2, float *y, int64_t j0,
		int64_t j1);

// vd_upsample repeats each pixel of planes p0..p1-1 (h x w each) fh times
// down and fw times across.
void vd_upsample(const float *x, float *y, int64_t p0, int64_t p1, int64_t h, int64_t w,
		int64_t fh, int64_t fw);

// vd_sumpool sums the fh x fw windows of planes p0..p1-1 into oh x ow
// outputs, in row-major order within each window.
void vd_sumpool(const float *x, float *y, int64_t p0, int64_t p1, int64_t oh, int64_t ow,
		int64_t fh, int64_t fw);

// vd_fop is one operation of a fused elementwise group: kind 0 is
// vd_unary(fn, alpha) of operand a, 1 is vd_unary_grad(fn, alpha) of a (x)
// and b (g), 2 is vd_binary(fn) of a and b. Operands below nin are the
// group's inputs, the others the results of earlier operations.
typedef struct vd_fop {
	int kind, fn;
	float alpha;
	int a, b;
} vd_fop;

// VD_FUSED_MAX_OPS and VD_FUSED_MAX_INS bound a fused group (the runtime's
// MaxFusedOps and MaxFusedInputs).
#define VD_FUSED_MAX_OPS 16
#define VD_FUSED_MAX_INS 8

// vd_fused runs elements lo..hi-1 of a fused group of nops operations over
// the inputs in0..in7 (nin of them), writing the last operation's result to
// out. Intermediate results live in a block-sized buffer on the stack.
void vd_fused(const vd_fop *ops, int nops, int nin, const float *in0, const float *in1,
		const float *in2, const float *in3, const float *in4, const float *in5,
		const float *in6, const float *in7, float *out, int64_t lo, int64_t hi);

#endif
