// Optimizer kernels of package cpu (update.c): the trainer's per-parameter
// loops, computed in double exactly as train's Go loops compute them.
#ifndef VDVAE_CPU_UPDATE_H
#define VDVAE_CPU_UPDATE_H

#include <stdint.h>

// vd_update_consts are the per-step constants of vd_adamax_ema.
typedef struct vd_update_consts {
	double b1, b2, eps, bc1, lr, wd, ema;
} vd_update_consts;

// vd_sum_squares returns the sum of x[i]^2 in double, over 8 lanes.
double vd_sum_squares(const float *x, int64_t n);

// vd_adamax_ema applies one Adamax step with decoupled decay to p from g,
// updating the moments m and v, then moves ema towards the new p:
//
//	m = b1 m + (1-b1) g;  v = max(b2 v, |g| + eps);  u = m / bc1 / v + wd p
//	p = p - lr u;  ema = d ema + (1-d) p
//
// every step in double, rounded to float32 where stored.
void vd_adamax_ema(float *p, const float *g, float *m, float *v, float *ema, int64_t n,
		const vd_update_consts *c);

#endif
