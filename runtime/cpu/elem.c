// Elementwise, reduction and layout kernels of package cpu (see elem.h).
// Each kernel is compiled twice, for AVX-512 (x86-64-v4) and AVX2
// (x86-64-v3), and the loader picks the best the CPU has (GCC's
// target_clones; a third, baseline clone keeps other x86-64 CPUs working).
// The math goes through vmath.h so that every loop vectorizes. Results agree
// with runtime/ref to a few float32 ulps, which the conformance tests check.
#pragma GCC optimize("O3", "no-trapping-math", "no-math-errno")

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "elem.h"
#include "vmath.h"

#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

CLONES void vd_unary(int fn, float alpha, const float *restrict x, float *restrict y, int64_t n) {
	switch (fn) {
	case VD_SILU:
		for (int64_t i = 0; i < n; i++) y[i] = x[i] * vsigmoid(x[i]);
		break;
	case VD_LEAKY:
		for (int64_t i = 0; i < n; i++) y[i] = x[i] >= 0 ? x[i] : alpha * x[i];
		break;
	case VD_SOFTPLUS: {
		float inv = 1.0f / alpha;
		for (int64_t i = 0; i < n; i++) y[i] = vsoftplus(alpha * x[i]) * inv;
		break;
	}
	case VD_EXP:
		for (int64_t i = 0; i < n; i++) y[i] = vexp(alpha * x[i]);
		break;
	case VD_LOG:
		for (int64_t i = 0; i < n; i++) y[i] = vlog(x[i]);
		break;
	case VD_TANH:
		for (int64_t i = 0; i < n; i++) y[i] = vtanh(x[i]);
		break;
	case VD_SIGMOID:
		for (int64_t i = 0; i < n; i++) y[i] = vsigmoid(x[i]);
		break;
	case VD_SQUARE:
		for (int64_t i = 0; i < n; i++) y[i] = x[i] * x[i];
		break;
	case VD_SCALE:
		for (int64_t i = 0; i < n; i++) y[i] = alpha * x[i];
		break;
	case VD_ADD_CONST:
		for (int64_t i = 0; i < n; i++) y[i] = x[i] + alpha;
		break;
	}
}

CLONES void vd_unary_grad(int fn, float alpha, const float *restrict x, const float *restrict g,
		float *restrict y, int64_t n) {
	switch (fn) {
	case VD_SILU:
		for (int64_t i = 0; i < n; i++) {
			float s = vsigmoid(x[i]);
			y[i] = g[i] * (s * (1.0f + x[i] * (1.0f - s)));
		}
		break;
	case VD_LEAKY:
		for (int64_t i = 0; i < n; i++) y[i] = x[i] >= 0 ? g[i] : g[i] * alpha;
		break;
	case VD_SOFTPLUS:
		for (int64_t i = 0; i < n; i++) y[i] = g[i] * vsigmoid(alpha * x[i]);
		break;
	case VD_EXP:
		for (int64_t i = 0; i < n; i++) y[i] = g[i] * (alpha * vexp(alpha * x[i]));
		break;
	case VD_LOG:
		for (int64_t i = 0; i < n; i++) y[i] = g[i] * (1.0f / x[i]);
		break;
	case VD_TANH:
		for (int64_t i = 0; i < n; i++) y[i] = g[i] * vtanh_grad(x[i]);
		break;
	case VD_SIGMOID:
		for (int64_t i = 0; i < n; i++) y[i] = g[i] * vsigmoid_grad(x[i]);
		break;
	case VD_SQUARE:
		for (int64_t i = 0; i < n; i++) y[i] = g[i] * (2.0f * x[i]);
		break;
	case VD_SCALE:
		for (int64_t i = 0; i < n; i++) y[i] = g[i] * alpha;
		break;
	case VD_ADD_CONST:
		for (int64_t i = 0; i < n; i++) y[i] = g[i];
		break;
	}
}

// BINARY_LOOP expands the loop of one binary function with the operand
// expressions A and B.
#define BINARY_LOOP(fn, A, B)                                              \
	switch (fn) {                                                          \
	case VD_ADD:                                                           \
		for (int64_t i = 0; i < n; i++) y[i] = (A) + (B);                  \
		break;                                                             \
	case VD_SUB:                                                           \
		for (int64_t i = 0; i < n; i++) y[i] = (A) - (B);                  \
		break;                                                             \
	case VD_MUL:                                                           \
		for (int64_t i = 0; i < n; i++) y[i] = (A) * (B);                  \
		break;                                                             \
	case VD_DIV:                                                           \
		for (int64_t i = 0; i < n; i++) y[i] = (A) / (B);                  \
		break;                                                             \
	}

CLONES void vd_binary(int fn, const float *restrict a, const float *restrict b,
		float *restrict y, int64_t n) {
	BINARY_LOOP(fn, a[i], b[i])
}

// binary_row is one row of vd_binary_rows: sa and sb say whether a and b
// advance (1) or repeat one value (0) along the row.
static inline __attribute__((always_inline)) void binary_row(int fn, const float *restrict a,
		int sa, const float *restrict b, int sb, float *restrict y, int64_t n) {
	if (sa && sb) {
		BINARY_LOOP(fn, a[i], b[i])
	} else if (sa) {
		float bv = b[0];
		BINARY_LOOP(fn, a[i], bv)
	} else if (sb) {
		float av = a[0];
		BINARY_LOOP(fn, av, b[i])
	} else {
		float av = a[0], bv = b[0];
		BINARY_LOOP(fn, av, bv)
	}
}

CLONES void vd_binary_rows(int fn, const float *a, const int64_t *oa, int sa, const float *b,
		const int64_t *ob, int sb, float *y, int64_t r0, int64_t r1, int64_t inner) {
	for (int64_t r = r0; r < r1; r++)
		binary_row(fn, a + oa[r], sa, b + ob[r], sb, y + r * inner, inner);
}

// sum_run is the sum of n contiguous floats, in double: 16 float lanes are
// added in double every 256 elements, so that long runs keep double
// precision and short ones vectorize.
static inline __attribute__((always_inline)) double sum_run(const float *restrict p, int64_t n) {
	double acc = 0;
	int64_t i = 0;
	for (; i + 256 <= n; i += 256) {
		float l[16] = {0};
		for (int64_t j = 0; j < 256; j += 16)
			for (int k = 0; k < 16; k++) l[k] += p[i + j + k];
		for (int k = 0; k < 16; k++) acc += l[k];
	}
	for (; i < n; i++) acc += p[i];
	return acc;
}

CLONES void vd_reduce(const float *restrict x, int64_t r1, int64_t k, int64_t r2,
		float *restrict y, int64_t j0, int64_t j1) {
	if (r2 > 1) {
		for (int64_t j = j0; j < j1; j++) {
			double acc = 0;
			for (int64_t a = 0; a < r1; a++) acc += sum_run(x + (a * k + j) * r2, r2);
			y[j] = (float)acc;
		}
		return;
	}
	// r2 == 1: sum rows of k; columns in blocks of 64 accumulate in double.
	for (int64_t jb = j0; jb < j1; jb += 64) {
		int64_t m = j1 - jb < 64 ? j1 - jb : 64;
		double acc[64] = {0};
		for (int64_t a = 0; a < r1; a++) {
			const float *p = x + a * k + jb;
			for (int64_t j = 0; j < m; j++) acc[j] += p[j];
		}
		for (int64_t j = 0; j < m; j++) y[jb + j] = (float)acc[j];
	}
}

CLONES void vd_broadcast(const float *restrict x, int64_t r1, int64_t k, int64_t r2,
		float *restrict y, int64_t j0, int64_t j1) {
	for (int64_t a = 0; a < r1; a++) {
		if (r2 == 1) {
			memcpy(y + a * k + j0, x + j0, (size_t)(j1 - j0) * sizeof(float));
			continue;
		}
		for (int64_t j = j0; j < j1; j++) {
			float v = x[j];
			float *q = y + (a * k + j) * r2;
			for (int64_t b = 0; b < r2; b++) q[b] = v;
		}
	}
}

CLONES void vd_upsample(const float *restrict x, float *restrict y, int64_t p0, int64_t p1,
		int64_t h, int64_t w, int64_t fh, int64_t fw) {
	int64_t ow = w * fw;
	for (int64_t p = p0; p < p1; p++) {
		const float *src = x + p * h * w;
		float *dst = y + p * h * fh * ow;
		for (int64_t i = 0; i < h; i++) {
			float *row = dst + i * fh * ow;
			for (int64_t j = 0; j < w; j++)
				for (int64_t f = 0; f < fw; f++) row[j * fw + f] = src[i * w + j];
			for (int64_t f = 1; f < fh; f++) memcpy(row + f * ow, row, (size_t)ow * sizeof(float));
		}
	}
}

CLONES void vd_sumpool(const float *restrict x, float *restrict y, int64_t p0, int64_t p1,
		int64_t oh, int64_t ow, int64_t fh, int64_t fw) {
	int64_t w = ow * fw;
	for (int64_t p = p0; p < p1; p++) {
		const float *src = x + p * oh * fh * w;
		float *dst = y + p * oh * ow;
		for (int64_t i = 0; i < oh; i++) {
			for (int64_t j = 0; j < ow; j++) {
				float s = 0;
				for (int64_t a = 0; a < fh; a++)
					for (int64_t b = 0; b < fw; b++) s += src[(i * fh + a) * w + j * fw + b];
				dst[i * ow + j] = s;
			}
		}
	}
}

// FB is the block of a fused group: its intermediate results, VD_FUSED_MAX_OPS
// blocks of FB floats, stay in the L1 and L2 caches.
#define FB 256

void vd_fused(const vd_fop *ops, int nops, int nin, const float *in0, const float *in1,
		const float *in2, const float *in3, const float *in4, const float *in5,
		const float *in6, const float *in7, float *out, int64_t lo, int64_t hi) {
	const float *ins[VD_FUSED_MAX_INS] = {in0, in1, in2, in3, in4, in5, in6, in7};
	float tmp[VD_FUSED_MAX_OPS][FB] __attribute__((aligned(64)));
	for (int64_t b = lo; b < hi; b += FB) {
		int64_t n = hi - b < FB ? hi - b : FB;
		for (int i = 0; i < nops; i++) {
			const vd_fop *o = &ops[i];
			const float *x = o->a < nin ? ins[o->a] + b : tmp[o->a - nin];
			const float *y = o->b < nin ? ins[o->b] + b : tmp[o->b - nin];
			float *dst = i == nops - 1 ? out + b : tmp[i];
			switch (o->kind) {
			case 0:
				vd_unary(o->fn, o->alpha, x, dst, n);
				break;
			case 1:
				vd_unary_grad(o->fn, o->alpha, x, y, dst, n);
				break;
			default:
				vd_binary(o->fn, x, y, dst, n);
			}
		}
	}
}
