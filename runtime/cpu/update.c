// Optimizer kernels of package cpu (see update.h). They must give the same
// bits as train's Go loops: every operation is the same double operation in
// the same order, and fp-contract=off keeps GCC from fusing a multiply and
// an add into one FMA (Go on amd64 does not fuse them either). Vectorizing
// does not reorder anything but the sum of squares, whose lanes are a
// deliberate (rounding-level) difference.
#pragma GCC optimize("O3", "fp-contract=off", "no-math-errno")

#include <math.h>
#include <stdint.h>

#include "update.h"

#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

CLONES double vd_sum_squares(const float *restrict x, int64_t n) {
	double l[8] = {0};
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++) l[k] += (double)x[i + k] * (double)x[i + k];
	double s = 0;
	for (; i < n; i++) s += (double)x[i] * (double)x[i];
	for (int k = 0; k < 8; k++) s += l[k];
	return s;
}

CLONES void vd_adamax_ema(float *restrict p, const float *restrict g, float *restrict m,
		float *restrict v, float *restrict ema, int64_t n, const vd_update_consts *c) {
	const double b1 = c->b1, b2 = c->b2, eps = c->eps, bc1 = c->bc1, lr = c->lr, wd = c->wd;
	const double d = c->ema, nb1 = 1 - b1, nd = 1 - d;
	for (int64_t i = 0; i < n; i++) {
		double gi = g[i];
		double mi = b1 * (double)m[i] + nb1 * gi;
		m[i] = (float)mi;
		double a = b2 * (double)v[i], b = fabs(gi) + eps;
		double vi = a > b ? a : b;
		v[i] = (float)vi;
		double u = mi / bc1 / vi;
		u += wd * (double)p[i];
		float pn = (float)((double)p[i] - lr * u);
		p[i] = pn;
		ema[i] = (float)(d * (double)ema[i] + nd * (double)pn);
	}
}
