// im2col + OpenBLAS sgemm convolutions. See kernels.h.
#include <string.h>

#include <cblas.h>

#include "kernels.h"

// gemm is the sgemm of the im2col path and gemm_threads its OpenMP thread
// count, set by vd_blas_conv for one call; thread-local, since workers run
// their parts of a split convolution at the same time.
static __thread int (*gemm)(int, int, int64_t, int64_t, int64_t, float, const float *, int64_t,
		const float *, int64_t, float, float *, int64_t);
static __thread int gemm_threads;

static int openblas_gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
		int64_t ldc) {
	vd_blas_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	return 0;
}

static int dnnl_gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
		int64_t ldc) {
	return vd_dnnl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, gemm_threads);
}

void vd_blas_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
		float *c, int64_t ldc) {
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
			tb ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
			alpha, a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}

int vd_blas_threads(void) { return openblas_get_num_threads(); }

const char *vd_blas_corename(void) { return openblas_get_corename(); }

// valid returns the range [lo, hi) of output positions o whose input index
// o*s - p + i lies in [0, size).
static void valid(int64_t out, int64_t s, int64_t p, int64_t i, int64_t size,
		int64_t *lo, int64_t *hi) {
	int64_t a = p - i; // o*s >= p - i
	int64_t l = a <= 0 ? 0 : (a + s - 1) / s;
	int64_t b = size + p - i; // o*s < size + p - i
	int64_t h = b <= 0 ? 0 : (b + s - 1) / s;
	if (h > out) h = out;
	if (l > h) l = h;
	*lo = l;
	*hi = h;
}

// im2col writes image x (c x h x w) as rows (ci, i, j) of col, columns
// oy*ow + ox, with leading dimension ld.
static void im2col(const vd_dims *d, const float *x, float *col, int64_t ld) {
	int64_t r = 0;
	for (int64_t ci = 0; ci < d->c; ci++) {
		const float *xc = x + ci * d->h * d->w;
		for (int64_t i = 0; i < d->kh; i++) {
			int64_t ylo, yhi;
			valid(d->oh, d->sh, d->pt, i, d->h, &ylo, &yhi);
			for (int64_t j = 0; j < d->kw; j++, r++) {
				int64_t xlo, xhi;
				valid(d->ow, d->sw, d->pl, j, d->w, &xlo, &xhi);
				float *dst = col + r * ld;
				for (int64_t oy = 0; oy < d->oh; oy++) {
					float *o = dst + oy * d->ow;
					if (oy < ylo || oy >= yhi) {
						memset(o, 0, d->ow * sizeof(float));
						continue;
					}
					const float *src = xc + (oy * d->sh - d->pt + i) * d->w - d->pl + j;
					for (int64_t ox = 0; ox < xlo; ox++) o[ox] = 0;
					if (d->sw == 1) {
						memcpy(o + xlo, src + xlo, (xhi - xlo) * sizeof(float));
					} else {
						for (int64_t ox = xlo; ox < xhi; ox++) o[ox] = src[ox * d->sw];
					}
					for (int64_t ox = xhi; ox < d->ow; ox++) o[ox] = 0;
				}
			}
		}
	}
}

// col2im adds the rows of col back into image x; the inverse scatter of
// im2col.
static void col2im(const vd_dims *d, const float *col, float *x, int64_t ld) {
	int64_t r = 0;
	for (int64_t ci = 0; ci < d->c; ci++) {
		float *xc = x + ci * d->h * d->w;
		for (int64_t i = 0; i < d->kh; i++) {
			int64_t ylo, yhi;
			valid(d->oh, d->sh, d->pt, i, d->h, &ylo, &yhi);
			for (int64_t j = 0; j < d->kw; j++, r++) {
				int64_t xlo, xhi;
				valid(d->ow, d->sw, d->pl, j, d->w, &xlo, &xhi);
				const float *src = col + r * ld;
				for (int64_t oy = ylo; oy < yhi; oy++) {
					const float *o = src + oy * d->ow;
					float *dst = xc + (oy * d->sh - d->pt + i) * d->w - d->pl + j;
					for (int64_t ox = xlo; ox < xhi; ox++) dst[ox * d->sw] += o[ox];
				}
			}
		}
	}
}

static int pointwise(const vd_dims *d) {
	return d->kh == 1 && d->kw == 1 && d->sh == 1 && d->sw == 1 && d->pt == 0 &&
			d->pl == 0 && d->oh == d->h && d->ow == d->w;
}

// gather copies images n0..n0+nb-1 of t (nb x rows x p) side by side into
// g (rows x nb*p); scatter is its inverse.
static void gather(const float *t, float *g, int64_t nb, int64_t rows, int64_t p) {
	for (int64_t i = 0; i < nb; i++)
		for (int64_t r = 0; r < rows; r++)
			memcpy(g + r * nb * p + i * p, t + (i * rows + r) * p, p * sizeof(float));
}

static void scatter(const float *g, float *t, int64_t nb, int64_t rows, int64_t p) {
	for (int64_t i = 0; i < nb; i++)
		for (int64_t r = 0; r < rows; r++)
			memcpy(t + (i * rows + r) * p, g + r * nb * p + i * p, p * sizeof(float));
}

static void add_bias(float *y, const float *b, int64_t n, int64_t k, int64_t p) {
	for (int64_t i = 0; i < n; i++)
		for (int64_t r = 0; r < k; r++) {
			float *row = y + (i * k + r) * p, v = b[r];
			for (int64_t q = 0; q < p; q++) row[q] += v;
		}
}

static void forward(const vd_dims *d, const float *x, const float *w, const float *b,
		float *y, float *col, float *tmp, int64_t chunk) {
	int64_t p = d->oh * d->ow, ckk = d->c * d->kh * d->kw, img = d->c * d->h * d->w;
	if (pointwise(d) && p == 1) { // y (n x k) = x (n x c) * w^T
		gemm(0, 1, d->n, d->k, d->c, 1, x, d->c, w, d->c, 0, y, d->k);
	} else {
		for (int64_t n0 = 0; n0 < d->n; n0 += chunk) {
			int64_t nb = d->n - n0 < chunk ? d->n - n0 : chunk, l = nb * p;
			const float *cols = col;
			if (pointwise(d) && nb == 1) {
				cols = x + n0 * img;
			} else {
				for (int64_t i = 0; i < nb; i++) im2col(d, x + (n0 + i) * img, col + i * p, l);
			}
			float *out = nb == 1 ? y + n0 * d->k * p : tmp;
			gemm(0, 0, d->k, l, ckk, 1, w, ckk, cols, l, 0, out, l);
			if (nb > 1) scatter(tmp, y + n0 * d->k * p, nb, d->k, p);
		}
	}
	if (b) add_bias(y, b, d->n, d->k, p);
}

static void backward_data(const vd_dims *d, const float *dy, const float *w, float *dx,
		float *col, float *tmp, int64_t chunk) {
	int64_t p = d->oh * d->ow, ckk = d->c * d->kh * d->kw, img = d->c * d->h * d->w;
	if (pointwise(d) && p == 1) { // dx (n x c) = dy (n x k) * w
		gemm(0, 0, d->n, d->c, d->k, 1, dy, d->k, w, d->c, 0, dx, d->c);
		return;
	}
	for (int64_t n0 = 0; n0 < d->n; n0 += chunk) {
		int64_t nb = d->n - n0 < chunk ? d->n - n0 : chunk, l = nb * p;
		const float *g = dy + n0 * d->k * p;
		if (nb > 1) {
			gather(g, tmp, nb, d->k, p);
			g = tmp;
		}
		float *x0 = dx + n0 * img;
		if (pointwise(d) && nb == 1) {
			gemm(1, 0, ckk, l, d->k, 1, w, ckk, g, l, 0, x0, l);
			continue;
		}
		gemm(1, 0, ckk, l, d->k, 1, w, ckk, g, l, 0, col, l);
		memset(x0, 0, nb * img * sizeof(float));
		for (int64_t i = 0; i < nb; i++) col2im(d, col + i * p, x0 + i * img, l);
	}
}

static void backward_filter(const vd_dims *d, const float *x, const float *dy, float *dw,
		float *db, float *col, float *tmp, int64_t chunk) {
	int64_t p = d->oh * d->ow, ckk = d->c * d->kh * d->kw, img = d->c * d->h * d->w;
	if (pointwise(d) && p == 1) { // dw (k x c) = dy^T (k x n) * x (n x c)
		gemm(1, 0, d->k, d->c, d->n, 1, dy, d->k, x, d->c, 0, dw, d->c);
	} else {
		for (int64_t n0 = 0; n0 < d->n; n0 += chunk) {
			int64_t nb = d->n - n0 < chunk ? d->n - n0 : chunk, l = nb * p;
			const float *g = dy + n0 * d->k * p, *cols = col;
			if (nb > 1) {
				gather(g, tmp, nb, d->k, p);
				g = tmp;
			}
			if (pointwise(d) && nb == 1) {
				cols = x + n0 * img;
			} else {
				for (int64_t i = 0; i < nb; i++) im2col(d, x + (n0 + i) * img, col + i * p, l);
			}
			gemm(0, 1, d->k, ckk, l, 1, g, l, cols, l, n0 ? 1 : 0, dw, ckk);
		}
	}
	if (!db) return;
	for (int64_t r = 0; r < d->k; r++) {
		double s = 0;
		for (int64_t i = 0; i < d->n; i++) {
			const float *row = dy + (i * d->k + r) * p;
			for (int64_t q = 0; q < p; q++) s += row[q];
		}
		db[r] = (float)s;
	}
}

void vd_blas_conv(int pass, const vd_dims *d, const float *a, const float *b,
		float *c, float *e, float *col, float *tmp, int64_t chunk, int dnnl, int threads) {
	gemm = dnnl ? dnnl_gemm : openblas_gemm;
	gemm_threads = threads;
	switch (pass) {
	case VD_FWD:
		forward(d, a, b, c, e, col, tmp, chunk);
		break;
	case VD_BWD_DATA:
		backward_data(d, a, b, c, col, tmp, chunk);
		break;
	case VD_BWD_FILTER:
		backward_filter(d, a, b, c, e, col, tmp, chunk);
		break;
	}
}
