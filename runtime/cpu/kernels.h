// Kernels of package cpu: im2col + OpenBLAS convolutions and oneDNN
// convolution plans. Every function that can fail returns a status (0 on
// success) and names the failing library call through *failed; the Go side
// turns both into a "cpu: <call>: <status>" error. No function keeps a
// pointer to caller memory after it returns.
#ifndef VDVAE_CPU_KERNELS_H
#define VDVAE_CPU_KERNELS_H

#include <stdint.h>

// vd_dims is one convolution: input n x c x h x w, filter k x c x kh x kw,
// stride sh x sw, padding pt (top), pl (left), pb (bottom), pr (right; the
// last two may be negative when the last input rows are not read), output
// n x k x oh x ow. Tensors are contiguous unless xs, ys or ws is set (only
// for oneDNN plans): then x (or dx) is a channel range of a tensor whose
// images are xs elements apart, y (or dy) likewise with ys, and w (or dw) a
// range of input channels of a filter whose output channels are ws elements
// apart.
typedef struct vd_dims {
	int64_t n, c, h, w, k;
	int64_t kh, kw, sh, sw;
	int64_t pt, pl, pb, pr;
	int64_t oh, ow;
	int64_t xs, ys, ws;
} vd_dims;

// VD_MAX_WORKERS is the most threads that run kernels at the same time;
// oneDNN plans run with the stream and scratch arena of their worker.
#define VD_MAX_WORKERS 8

// Passes of a convolution.
enum { VD_FWD = 0, VD_BWD_DATA = 1, VD_BWD_FILTER = 2 };

// ---- im2col + sgemm (conv_blas.c) ----

// vd_blas_sgemm is row-major C = alpha*op(A)*op(B) + beta*C through OpenBLAS.
void vd_blas_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
		float *c, int64_t ldc);

// vd_blas_threads reports OpenBLAS's thread count and core name.
int vd_blas_threads(void);
const char *vd_blas_corename(void);

// vd_blas_conv runs one pass with im2col and OpenBLAS sgemm. The arguments
// are, by pass: FWD (x, w, b or NULL, y); BWD_DATA (dy, w, dx, unused);
// BWD_FILTER (x, dy, dw, db or NULL). col and tmp are scratch sized by the
// Go side (blasPlan); chunk is the number of images gathered side by side
// into the columns of one GEMM. dnnl != 0 runs the GEMMs with oneDNN's
// sgemm, on threads OpenMP threads, instead of OpenBLAS (whose status it
// ignores: it fails only on invalid sizes, which the Go side rules out).
void vd_blas_conv(int pass, const vd_dims *d, const float *a, const float *b,
		float *c, float *e, float *col, float *tmp, int64_t chunk, int dnnl, int threads);

// ---- oneDNN (conv_dnnl.c) ----

typedef struct vd_plan vd_plan;

// vd_dnnl_init creates the CPU engine and one stream per worker, once.
int vd_dnnl_init(const char **failed);

// vd_dnnl_plan_create builds the primitives of one pass. With blocked != 0
// the convolution picks its own memory formats and reorders convert from and
// to the plain nchw/oihw tensors around it. has_bias enables the bias (FWD)
// or bias gradient (BWD_FILTER). oneDNN sizes its work split for threads
// OpenMP threads when it creates a primitive, so a plan must run with the
// thread count it was made for.
int vd_dnnl_plan_create(vd_plan **out, const vd_dims *d, int pass, int blocked,
		int has_bias, int threads, const char **failed);

// vd_dnnl_plan_exec runs a plan on the stream and arena of worker, with
// threads OpenMP threads; the pointers are as for vd_blas_conv. Plans of
// different workers may run at the same time.
int vd_dnnl_plan_exec(vd_plan *p, float *a, float *b, float *c, float *e, int worker,
		int threads, const char **failed);

// vd_dnnl_plan_impl names the implementation oneDNN chose for the
// convolution, e.g. "brgconv:avx512_core".
const char *vd_dnnl_plan_impl(vd_plan *p);

void vd_dnnl_plan_destroy(vd_plan *p);

// vd_dnnl_release_arena frees the memory the plans of each worker share
// (blocked tensor copies and scratchpads); the next run allocates it again.
void vd_dnnl_release_arena(void);

const char *vd_dnnl_status_str(int status);

// vd_dnnl_version returns oneDNN's major, minor and patch version.
void vd_dnnl_version(int *major, int *minor, int *patch);

// vd_dnnl_sgemm is row-major C = alpha*op(A)*op(B) + beta*C through oneDNN,
// on threads OpenMP threads.
int vd_dnnl_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
		float *c, int64_t ldc, int threads);

#endif
