// The discretized mixture-of-logistics NLL and its gradient (see dmol.h).
//
// runtime/ref defines the op in double precision. Here it runs in float32,
// vectorized across blocks of 16 pixels, and is rewritten where float32
// would lose what double keeps:
//
//   - the bin probability sigmoid(plus) - sigmoid(min), which cancels when
//     the bin is far in a tail, is sigmoid(plus) sigmoid(-min) (1 - e^-w)
//     with w = plus - min = 2 inv bin, and its log is
//     -softplus(-plus) - softplus(min) + log(1 - e^-w), every term stable;
//   - 1 - tanh(c)^2 is 4 sigmoid'(2c).
//
// Every branch of the reference (the two edge bins, the interior bin, the
// density fallback below 1e-5) is computed and selected per lane.
#pragma GCC optimize("O3", "no-trapping-math", "no-math-errno")

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dmol.h"
#include "vmath.h"

#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

// B is the number of pixels processed together, one AVX-512 vector.
#define B 16

// vlog1mexp is log(1 - e^-w) for w > 0: a series for -expm1(-w) below ln 2
// (relative error below 1e-8 there), log(1 - e^-w) above.
VM_INLINE float vlog1mexp(float w) {
	float p = 1.0f / 3628800.0f;
	p = p * w - 1.0f / 362880.0f;
	p = p * w + 1.0f / 40320.0f;
	p = p * w - 1.0f / 5040.0f;
	p = p * w + 1.0f / 720.0f;
	p = p * w - 1.0f / 120.0f;
	p = p * w + 1.0f / 24.0f;
	p = p * w - 1.0f / 6.0f;
	p = p * w + 0.5f;
	float small = w * (1.0f - w * p); // w - w^2/2 + w^3/6 - ...
	float big = 1.0f - vexp(-w);
	return vlog(w < 0.6931472f ? small : big);
}

// vexpm1 is e^w - 1 for w > 0: a series below ln 2, else exp(w) - 1.
VM_INLINE float vexpm1(float w) {
	float p = 1.0f / 3628800.0f;
	p = p * w + 1.0f / 362880.0f;
	p = p * w + 1.0f / 40320.0f;
	p = p * w + 1.0f / 5040.0f;
	p = p * w + 1.0f / 720.0f;
	p = p * w + 1.0f / 120.0f;
	p = p * w + 1.0f / 24.0f;
	p = p * w + 1.0f / 6.0f;
	p = p * w + 0.5f;
	float small = w * (1.0f + w * p);
	return w < 0.6931472f ? small : vexp(w) - 1.0f;
}

// VD_SIGM is sigmoid(x) from e = exp(-|x|).
#define VD_SIGM(x, e) ((x) >= 0.0f ? 1.0f / (1.0f + (e)) : (e) / (1.0f + (e)))

// block holds one block's inputs and the per-(channel, component) partials
// the gradient needs, [c*M + m][lane].
typedef struct block {
	float l[VD_DMOL_MAX_K][B]; // logits
	float x[3][B];
	float lp[VD_DMOL_MAX_M][B];   // sum over channels of the log bin probability
	float dmean[3 * VD_DMOL_MAX_M][B];
	float dscale[3 * VD_DMOL_MAX_M][B]; // d f / d raw scale
	float a[VD_DMOL_MAX_M][B];
	float maxa[B], suma[B], maxpi[B], sumpi[B];
} block;

// channel computes the log probabilities of channel c for every component
// and stores lp, dmean and dscale.
static inline __attribute__((always_inline)) void channel(const vd_dmol_op *o, block *k, int c) {
	const int M = o->m;
	const int base = M + 3 * M * c;
	const float bin = (float)(1 / o->num_classes), beta = (float)o->beta;
	// x <= min_pix and x >= max_pix compare in double in the reference; these
	// float thresholds give the same answers for every float x.
	float minpix = (float)o->min_pix, maxpix = (float)o->max_pix;
	if ((double)minpix > o->min_pix) minpix = __builtin_nextafterf(minpix, -__builtin_inff());
	if ((double)maxpix < o->max_pix) maxpix = __builtin_nextafterf(maxpix, __builtin_inff());
	const float minlog = (float)o->min_log_scale;
	const float floor = (float)__builtin_exp(o->min_log_scale);
	const float lognc2 = (float)__builtin_log(o->num_classes / 2);
	for (int m = 0; m < M; m++) {
		const float *lm = k->l[base + m], *lr = k->l[base + M + m];
		for (int j = 0; j < B; j++) {
			float mean = lm[j];
			if (c == 1) mean += vtanh(k->l[M + 2 * M + m][j]) * k->x[0][j];
			if (c == 2)
				mean += vtanh(k->l[M + 3 * M + 2 * M + m][j]) * k->x[0][j] +
					vtanh(k->l[M + 6 * M + 2 * M + m][j]) * k->x[1][j];
			// Inverse scale, log scale and their derivatives in the raw parameter.
			float inv, logs, dinv, dlogs;
			if (o->logstd) {
				float raw = lr[j];
				float d = raw < minlog ? 0.0f : 1.0f;
				float ls = raw < minlog ? minlog : raw;
				inv = vexp(-beta * ls);
				logs = ls;
				dinv = -beta * inv * d;
				dlogs = d;
			} else {
				float z = beta * lr[j];
				float e = vexp(z < 0.0f ? z : -z);
				float s = ((z > 0.0f ? z : 0.0f) + vlog1p(e)) / beta;
				float ds = VD_SIGM(z, e);
				ds = s < floor ? 0.0f : ds;
				s = s < floor ? floor : s;
				inv = 1.0f / s;
				logs = vlog(s);
				dinv = -ds * inv * inv;
				dlogs = ds * inv;
			}
			float xc = k->x[c][j];
			float centered = xc - mean;
			float plus = inv * (centered + bin), mn = inv * (centered - bin), mid = inv * centered;
			float w = 2.0f * inv * bin;
			float ep = vexp(plus < 0.0f ? plus : -plus);
			float em = vexp(mn < 0.0f ? mn : -mn);
			float emid = vexp(mid < 0.0f ? mid : -mid);
			float sp_negplus = (plus < 0.0f ? -plus : 0.0f) + vlog1p(ep); // softplus(-plus)
			float sp_min = (mn > 0.0f ? mn : 0.0f) + vlog1p(em);          // softplus(min)
			float sp_mid = (mid > 0.0f ? mid : 0.0f) + vlog1p(emid);
			float sig_np = VD_SIGM(-plus, ep);
			float sig_m = VD_SIGM(mn, em);
			float logdelta = -sp_negplus - sp_min + vlog1mexp(w);
			float delta = vexp(logdelta);
			// The interior bin: log probability or, below 1e-5, the density.
			// dcen and dinvf are d f / d centered / inv and d f / d inv; for
			// log delta they come from its stable form (d/dw log(1 - e^-w) =
			// 1 / expm1(w)), not from the reference's differences of sigmoid
			// derivatives, which cancel for wide bins.
			int dens = !(delta > 1e-5f);
			float f = dens ? mid - logs - 2.0f * sp_mid - lognc2 : logdelta;
			float dmid = 1.0f - 2.0f * VD_SIGM(mid, emid);
			float dcen = dens ? dmid : sig_np - sig_m;
			float dinvf = dens ? dmid * centered
					   : sig_np * (centered + bin) - sig_m * (centered - bin) + 2.0f * bin / vexpm1(w);
			float dls = dens ? -1.0f : 0.0f;
			// The edge bins.
			int lo = xc <= minpix, hi = !lo && xc >= maxpix;
			f = lo ? -sp_negplus : hi ? -sp_min : f;
			dcen = lo ? sig_np : hi ? -sig_m : dcen;
			dinvf = lo ? sig_np * (centered + bin) : hi ? -sig_m * (centered - bin) : dinvf;
			dls = lo || hi ? 0.0f : dls;
			k->lp[m][j] = (c == 0 ? 0.0f : k->lp[m][j]) + f;
			int kk = c * M + m;
			k->dmean[kk][j] = -dcen * inv;
			k->dscale[kk][j] = dinvf * dinv + dls * dlogs;
		}
	}
}

// mixture forms the mixture's log-likelihood terms; it returns nothing but
// fills a, maxa, suma, maxpi and sumpi.
static inline __attribute__((always_inline)) void mixture(const vd_dmol_op *o, block *k) {
	const int M = o->m;
	for (int j = 0; j < B; j++) k->maxpi[j] = k->l[0][j];
	for (int m = 1; m < M; m++)
		for (int j = 0; j < B; j++) k->maxpi[j] = k->l[m][j] > k->maxpi[j] ? k->l[m][j] : k->maxpi[j];
	for (int j = 0; j < B; j++) k->sumpi[j] = 0;
	for (int m = 0; m < M; m++)
		for (int j = 0; j < B; j++) k->sumpi[j] += vexp(k->l[m][j] - k->maxpi[j]);
	for (int j = 0; j < B; j++) k->maxa[j] = -__builtin_inff();
	for (int m = 0; m < M; m++)
		for (int j = 0; j < B; j++) {
			float lse = k->maxpi[j] + vlog(k->sumpi[j]);
			k->a[m][j] = k->lp[m][j] + k->l[m][j] - lse;
			k->maxa[j] = k->a[m][j] > k->maxa[j] ? k->a[m][j] : k->maxa[j];
		}
	for (int j = 0; j < B; j++) k->suma[j] = 0;
	for (int m = 0; m < M; m++)
		for (int j = 0; j < B; j++) k->suma[j] += vexp(k->a[m][j] - k->maxa[j]);
}

// gradient writes g * d(nll)/d(logits) of the block into out[k][lane].
static inline __attribute__((always_inline)) void gradient(const vd_dmol_op *o, block *k,
		const float *g, float out[][B]) {
	const int M = o->m, C = o->c, K = M * (3 * C + 1);
	for (int q = 0; q < K; q++)
		for (int j = 0; j < B; j++) out[q][j] = 0;
	for (int m = 0; m < M; m++) {
		float dl[B]; // d nll / d (log probability of component m), times g
		for (int j = 0; j < B; j++) {
			float r = vexp(k->a[m][j] - k->maxa[j]) / k->suma[j]; // responsibility
			float s = vexp(k->l[m][j] - k->maxpi[j]) / k->sumpi[j];
			out[m][j] = g[j] * (s - r);
			dl[j] = -g[j] * r;
		}
		for (int c = 0; c < C; c++) {
			const int kk = c * M + m, base = M + 3 * M * c;
			for (int j = 0; j < B; j++) out[base + m][j] = dl[j] * k->dmean[kk][j];
			for (int j = 0; j < B; j++) out[base + M + m][j] = dl[j] * k->dscale[kk][j];
			// The colour link: channel 1's mean reads channel 0's coefficients,
			// channel 2's those of channels 1 and 2.
			if (c == 1) {
				float *o1 = out[M + 2 * M + m];
				const float *t = k->l[M + 2 * M + m];
				for (int j = 0; j < B; j++) o1[j] = dl[j] * k->dmean[kk][j] * k->x[0][j] * vtanh_grad(t[j]);
			}
			if (c == 2) {
				float *o1 = out[M + 3 * M + 2 * M + m], *o2 = out[M + 6 * M + 2 * M + m];
				const float *t1 = k->l[M + 3 * M + 2 * M + m], *t2 = k->l[M + 6 * M + 2 * M + m];
				for (int j = 0; j < B; j++) o1[j] = dl[j] * k->dmean[kk][j] * k->x[0][j] * vtanh_grad(t1[j]);
				for (int j = 0; j < B; j++) o2[j] = dl[j] * k->dmean[kk][j] * k->x[1][j] * vtanh_grad(t2[j]);
			}
		}
	}
}

CLONES void vd_dmol(const vd_dmol_op *o, const float *logits, const float *x, const float *g,
		float *out, int64_t hw, int64_t p0, int64_t p1) {
	const int C = o->c, K = o->m * (3 * C + 1);
	block k;
	float gb[B];
	float (*gout)[B] = NULL;
	float gbuf[VD_DMOL_MAX_K][B];
	if (g) gout = gbuf;
	memset(&k, 0, sizeof k);
	for (int64_t p = p0; p < p1;) {
		int64_t img = p / hw, pix = p % hw;
		int n = B;
		if (p1 - p < n) n = (int)(p1 - p);
		if (hw - pix < n) n = (int)(hw - pix);
		// Gather the block; unused lanes keep harmless values.
		for (int q = 0; q < K; q++) {
			const float *src = logits + (img * K + q) * hw + pix;
			for (int j = 0; j < n; j++) k.l[q][j] = src[j];
			for (int j = n; j < B; j++) k.l[q][j] = 0;
		}
		for (int c = 0; c < C; c++) {
			const float *src = x + (img * C + c) * hw + pix;
			for (int j = 0; j < n; j++) k.x[c][j] = src[j];
			for (int j = n; j < B; j++) k.x[c][j] = 0;
		}
		channel(o, &k, 0); // constant channels, so that each call specializes
		if (C > 1) channel(o, &k, 1);
		if (C > 2) channel(o, &k, 2);
		mixture(o, &k);
		if (!g) {
			for (int j = 0; j < n; j++) out[p + j] = -(k.maxa[j] + vlog(k.suma[j]));
		} else {
			for (int j = 0; j < n; j++) gb[j] = g[p + j];
			for (int j = n; j < B; j++) gb[j] = 0;
			gradient(o, &k, gb, gout);
			for (int q = 0; q < K; q++) {
				float *dst = out + (img * K + q) * hw + pix;
				for (int j = 0; j < n; j++) dst[j] = gout[q][j];
			}
		}
		p += n;
	}
}
