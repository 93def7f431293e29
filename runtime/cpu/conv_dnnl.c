// oneDNN convolution plans. See kernels.h.
//
// Memory policy. Every primitive runs with a user-managed scratchpad:
// oneDNN's own (library) scratchpad is shared per OS thread, and a primitive
// must then run on the thread that created it, which Go cannot promise.
// Each worker (one thread of a split kernel) runs its own plans one at a
// time, so one arena per worker, grown on demand, holds the blocked copies
// of the tensors and the scratchpad of whichever of its plans runs; memory
// therefore grows with the largest plan, not with the number of plans.
#include <omp.h>
#include <stdlib.h>

#include <dnnl.h>
#include <dnnl_debug.h>

#include "kernels.h"

static dnnl_engine_t engine;
static dnnl_stream_t streams[VD_MAX_WORKERS];
static dnnl_primitive_attr_t attr;         // scratchpad mode user
static char *arenas[VD_MAX_WORKERS];       // 64-byte aligned, shared by a worker's plans
static size_t arena_caps[VD_MAX_WORKERS];

// CALL runs one oneDNN call; on failure it records the call's name and jumps
// to the function's fail label with the status in st.
#define CALL(fn, args)                     \
	do {                                   \
		st = fn args;                      \
		if (st != dnnl_success) {          \
			*failed = #fn;                 \
			goto fail;                     \
		}                                  \
	} while (0)

int vd_dnnl_init(const char **failed) {
	dnnl_status_t st = dnnl_success;
	if (streams[VD_MAX_WORKERS - 1]) return dnnl_success;
	CALL(dnnl_engine_create, (&engine, dnnl_cpu, 0));
	CALL(dnnl_primitive_attr_create, (&attr));
	CALL(dnnl_primitive_attr_set_scratchpad_mode, (attr, dnnl_scratchpad_mode_user));
	for (int w = 0; w < VD_MAX_WORKERS; w++)
		CALL(dnnl_stream_create, (&streams[w], engine, dnnl_stream_default_flags));
	return dnnl_success;
fail:
	return st;
}

void vd_dnnl_release_arena(void) {
	for (int w = 0; w < VD_MAX_WORKERS; w++) {
		free(arenas[w]);
		arenas[w] = NULL;
		arena_caps[w] = 0;
	}
}

const char *vd_dnnl_status_str(int status) {
	return dnnl_status2str((dnnl_status_t)status);
}

void vd_dnnl_version(int *major, int *minor, int *patch) {
	const dnnl_version_t *v = dnnl_version();
	*major = v->major;
	*minor = v->minor;
	*patch = v->patch;
}

static size_t align64(size_t n) { return (n + 63) / 64 * 64; }

// prim is a primitive with its scratchpad memory object (NULL when it needs
// none), pointed into the arena for each run.
typedef struct prim {
	dnnl_primitive_t p;
	dnnl_memory_t scr;
	size_t scr_size;
} prim;

// arg is one tensor argument of a plan. user describes the caller's plain
// tensor, whose data pointer is set for each call. When the convolution
// wants another layout, inner describes a copy in that layout at offset
// inner_off of the arena, and reorder converts user to inner (inputs) or
// inner to user (outputs).
typedef struct arg {
	int id;
	int out;
	dnnl_memory_t user;
	dnnl_memory_t inner;
	size_t inner_off;
	prim reorder;
} arg;

struct vd_plan {
	dnnl_primitive_desc_t pd;
	prim conv;
	arg args[4];
	size_t scratch_off; // arena offset of the scratchpads, after the copies
	size_t arena_need;
};

// make_prim creates the primitive of pd and its scratchpad memory object.
static dnnl_status_t make_prim(prim *out, const_dnnl_primitive_desc_t pd,
		const char **failed) {
	dnnl_status_t st = dnnl_success;
	CALL(dnnl_primitive_create, (&out->p, pd));
	const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
	if (!md) {
		*failed = "dnnl_primitive_desc_query_md";
		return dnnl_invalid_arguments;
	}
	out->scr_size = dnnl_memory_desc_get_size(md);
	if (out->scr_size == 0) return dnnl_success;
	CALL(dnnl_memory_create, (&out->scr, md, engine, DNNL_MEMORY_NONE));
	return dnnl_success;
fail:
	return st;
}

static void free_prim(prim *p) {
	if (p->scr) dnnl_memory_destroy(p->scr);
	if (p->p) dnnl_primitive_destroy(p->p);
}

// run executes p on stream with n arguments and the scratchpad at scr; args
// has room for one more argument, the scratchpad.
static dnnl_status_t run(dnnl_stream_t stream, prim *p, int n, dnnl_exec_arg_t *args, void *scr,
		const char **failed) {
	dnnl_status_t st = dnnl_success;
	if (p->scr) {
		CALL(dnnl_memory_set_data_handle, (p->scr, scr));
		args[n].arg = DNNL_ARG_SCRATCHPAD;
		args[n].memory = p->scr;
		n++;
	}
	CALL(dnnl_primitive_execute, (p->p, stream, n, args));
	return dnnl_success;
fail:
	return st;
}

static dnnl_status_t set_md(dnnl_memory_desc_t *md, const int64_t *d, int ndims,
		dnnl_format_tag_t tag, const char **failed) {
	dnnl_status_t st = dnnl_success;
	dnnl_dims_t dims = {0};
	for (int i = 0; i < ndims; i++) dims[i] = d[i];
	CALL(dnnl_memory_desc_init_by_tag, (md, ndims, dims, dnnl_f32, tag));
	return dnnl_success;
fail:
	return st;
}

// set_strided_md describes a plain tensor whose outermost dimension is
// outer elements apart (0: dense, as tag).
static dnnl_status_t set_strided_md(dnnl_memory_desc_t *md, const int64_t *d, int64_t outer,
		dnnl_format_tag_t tag, const char **failed) {
	if (outer == 0) return set_md(md, d, 4, tag, failed);
	dnnl_status_t st = dnnl_success;
	dnnl_dims_t dims = {d[0], d[1], d[2], d[3]};
	dnnl_dims_t strides = {outer, d[2] * d[3], d[3], 1};
	CALL(dnnl_memory_desc_init_by_strides, (md, 4, dims, dnnl_f32, strides));
	return dnnl_success;
fail:
	return st;
}

// bind prepares argument g for tensor id, whose caller layout is plain.
static dnnl_status_t bind(vd_plan *p, arg *g, int id, int out,
		const dnnl_memory_desc_t *plain, const char **failed) {
	dnnl_status_t st = dnnl_success;
	dnnl_primitive_desc_t rpd = NULL;
	g->id = id;
	g->out = out;
	const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(p->pd, dnnl_query_exec_arg_md, id);
	if (!want) {
		*failed = "dnnl_primitive_desc_query_md";
		return dnnl_invalid_arguments;
	}
	CALL(dnnl_memory_create, (&g->user, plain, engine, DNNL_MEMORY_NONE));
	if (dnnl_memory_desc_equal(want, plain)) return dnnl_success;
	CALL(dnnl_memory_create, (&g->inner, want, engine, DNNL_MEMORY_NONE));
	g->inner_off = p->scratch_off;
	p->scratch_off += align64(dnnl_memory_desc_get_size(want));
	if (out) {
		CALL(dnnl_reorder_primitive_desc_create, (&rpd, want, engine, plain, engine, attr));
	} else {
		CALL(dnnl_reorder_primitive_desc_create, (&rpd, plain, engine, want, engine, attr));
	}
	if ((st = make_prim(&g->reorder, rpd, failed)) != dnnl_success) goto fail;
	CALL(dnnl_primitive_desc_destroy, (rpd));
	return dnnl_success;
fail:
	if (rpd) dnnl_primitive_desc_destroy(rpd);
	return st;
}

// conv_pd creates the primitive descriptor of pass for the given layouts;
// backward passes are hinted by the matching forward one.
static dnnl_status_t conv_pd(vd_plan *p, const vd_dims *d, int pass,
		const dnnl_memory_desc_t *x, const dnnl_memory_desc_t *w,
		const dnnl_memory_desc_t *b, const dnnl_memory_desc_t *y, const char **failed) {
	dnnl_status_t st = dnnl_success;
	dnnl_primitive_desc_t fwd = NULL;
	dnnl_convolution_desc_t fd, bd;
	dnnl_dims_t strides = {d->sh, d->sw}, pad_l = {d->pt, d->pl}, pad_r = {d->pb, d->pr};
	dnnl_alg_kind_t alg = dnnl_convolution_direct;
	CALL(dnnl_convolution_forward_desc_init,
			(&fd, dnnl_forward_training, alg, x, w, b, y, strides, pad_l, pad_r));
	CALL(dnnl_primitive_desc_create, (&fwd, &fd, attr, engine, NULL));
	if (pass == VD_FWD) {
		p->pd = fwd;
		return dnnl_success;
	}
	if (pass == VD_BWD_DATA) {
		CALL(dnnl_convolution_backward_data_desc_init,
				(&bd, alg, x, w, y, strides, pad_l, pad_r));
	} else {
		CALL(dnnl_convolution_backward_weights_desc_init,
				(&bd, alg, x, w, b, y, strides, pad_l, pad_r));
	}
	CALL(dnnl_primitive_desc_create, (&p->pd, &bd, attr, engine, fwd));
	st = dnnl_primitive_desc_destroy(fwd); // the backward pd keeps what it needs
	fwd = NULL;
	if (st != dnnl_success) *failed = "dnnl_primitive_desc_destroy";
	return st;
fail:
	if (fwd) dnnl_primitive_desc_destroy(fwd);
	return st;
}

// bind_all binds the tensors of pass in the argument order of
// vd_dnnl_plan_exec.
static dnnl_status_t bind_all(vd_plan *p, int pass, int has_bias, const dnnl_memory_desc_t *x,
		const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *b,
		const dnnl_memory_desc_t *y, const char **failed) {
	struct {
		int id, out;
		const dnnl_memory_desc_t *md;
	} t[3][4] = {
		{{DNNL_ARG_SRC, 0, x}, {DNNL_ARG_WEIGHTS, 0, w}, {DNNL_ARG_BIAS, 0, b},
				{DNNL_ARG_DST, 1, y}},
		{{DNNL_ARG_DIFF_DST, 0, y}, {DNNL_ARG_WEIGHTS, 0, w}, {DNNL_ARG_DIFF_SRC, 1, x},
				{0, 0, NULL}},
		{{DNNL_ARG_SRC, 0, x}, {DNNL_ARG_DIFF_DST, 0, y}, {DNNL_ARG_DIFF_WEIGHTS, 1, w},
				{DNNL_ARG_DIFF_BIAS, 1, b}},
	};
	for (int i = 0; i < 4; i++) {
		if (!t[pass][i].md || (t[pass][i].md == b && !has_bias)) continue;
		dnnl_status_t st = bind(p, &p->args[i], t[pass][i].id, t[pass][i].out,
				t[pass][i].md, failed);
		if (st != dnnl_success) return st;
	}
	return dnnl_success;
}

int vd_dnnl_plan_create(vd_plan **out, const vd_dims *d, int pass, int blocked,
		int has_bias, int threads, const char **failed) {
	dnnl_status_t st = dnnl_success;
	dnnl_memory_desc_t x, w, y, b, xa, wa, ya;
	const int64_t xd[] = {d->n, d->c, d->h, d->w}, wd[] = {d->k, d->c, d->kh, d->kw},
			yd[] = {d->n, d->k, d->oh, d->ow}, bd[] = {d->k};
	dnnl_format_tag_t any = dnnl_format_tag_any;
	vd_plan *p = calloc(1, sizeof *p);
	*out = NULL;
	omp_set_num_threads(threads);
	if (!p) {
		*failed = "calloc";
		return dnnl_out_of_memory;
	}
	if ((st = set_strided_md(&x, xd, d->xs, dnnl_nchw, failed)) ||
			(st = set_strided_md(&w, wd, d->ws, dnnl_oihw, failed)) ||
			(st = set_strided_md(&y, yd, d->ys, dnnl_nchw, failed)) ||
			(st = set_md(&b, bd, 1, dnnl_x, failed)) ||
			(st = set_md(&xa, xd, 4, blocked ? any : dnnl_nchw, failed)) ||
			(st = set_md(&wa, wd, 4, blocked ? any : dnnl_oihw, failed)) ||
			(st = set_md(&ya, yd, 4, blocked ? any : dnnl_nchw, failed)) ||
			(st = conv_pd(p, d, pass, &xa, &wa, has_bias && pass != VD_BWD_DATA ? &b : NULL,
					 &ya, failed)) ||
			(st = make_prim(&p->conv, p->pd, failed)) ||
			(st = bind_all(p, pass, has_bias, &x, &w, &b, &y, failed))) {
		vd_dnnl_plan_destroy(p);
		return st;
	}
	size_t scr = p->conv.scr_size;
	for (int i = 0; i < 4; i++)
		if (p->args[i].reorder.scr_size > scr) scr = p->args[i].reorder.scr_size;
	p->arena_need = p->scratch_off + align64(scr);
	*out = p;
	return dnnl_success;
}

// grow_arena makes worker w's arena hold at least need bytes.
static dnnl_status_t grow_arena(int w, size_t need, const char **failed) {
	if (need <= arena_caps[w]) return dnnl_success;
	size_t cap = (need + 4095) / 4096 * 4096;
	char *buf = aligned_alloc(64, cap);
	if (!buf) {
		*failed = "aligned_alloc";
		return dnnl_out_of_memory;
	}
	free(arenas[w]);
	arenas[w] = buf;
	arena_caps[w] = cap;
	return dnnl_success;
}

int vd_dnnl_plan_exec(vd_plan *p, float *a, float *b, float *c, float *e, int worker,
		int threads, const char **failed) {
	dnnl_status_t st = dnnl_success;
	float *ptr[4] = {a, b, c, e};
	dnnl_exec_arg_t cargs[5];
	int n = 0;
	if (worker < 0 || worker >= VD_MAX_WORKERS) {
		*failed = "vd_dnnl_plan_exec (worker out of range)";
		return dnnl_invalid_arguments;
	}
	omp_set_num_threads(threads);
	if ((st = grow_arena(worker, p->arena_need, failed)) != dnnl_success) return st;
	char *arena = arenas[worker];
	dnnl_stream_t stream = streams[worker];
	char *scr = arena + p->scratch_off;
	for (int i = 0; i < 4; i++) {
		arg *g = &p->args[i];
		if (!g->user) continue;
		CALL(dnnl_memory_set_data_handle, (g->user, ptr[i]));
		cargs[n].arg = g->id;
		cargs[n].memory = g->user;
		n++;
		if (!g->inner) continue;
		CALL(dnnl_memory_set_data_handle, (g->inner, arena + g->inner_off));
		cargs[n - 1].memory = g->inner;
		if (g->out) continue;
		dnnl_exec_arg_t r[3] = {{DNNL_ARG_FROM, g->user}, {DNNL_ARG_TO, g->inner}};
		if ((st = run(stream, &g->reorder, 2, r, scr, failed)) != dnnl_success) goto fail;
	}
	if ((st = run(stream, &p->conv, n, cargs, scr, failed)) != dnnl_success) goto fail;
	for (int i = 0; i < 4; i++) {
		arg *g = &p->args[i];
		if (!g->inner || !g->out) continue;
		dnnl_exec_arg_t r[3] = {{DNNL_ARG_FROM, g->inner}, {DNNL_ARG_TO, g->user}};
		if ((st = run(stream, &g->reorder, 2, r, scr, failed)) != dnnl_success) goto fail;
	}
	CALL(dnnl_stream_wait, (stream));
fail:
	// Forget the caller's pointers: C keeps none after returning.
	for (int i = 0; i < 4; i++)
		if (p->args[i].user) dnnl_memory_set_data_handle(p->args[i].user, NULL);
	return st;
}

const char *vd_dnnl_plan_impl(vd_plan *p) {
	const char *s = NULL;
	if (dnnl_primitive_desc_query(p->pd, dnnl_query_impl_info_str, 0, &s) != dnnl_success)
		return "unknown";
	return s;
}

void vd_dnnl_plan_destroy(vd_plan *p) {
	if (!p) return;
	for (int i = 0; i < 4; i++) {
		arg *g = &p->args[i];
		free_prim(&g->reorder);
		if (g->inner) dnnl_memory_destroy(g->inner);
		if (g->user) dnnl_memory_destroy(g->user);
	}
	free_prim(&p->conv);
	if (p->pd) dnnl_primitive_desc_destroy(p->pd);
	free(p);
}

int vd_dnnl_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
		const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
		float *c, int64_t ldc, int threads) {
	omp_set_num_threads(threads);
	return dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb,
			beta, c, ldc);
}
