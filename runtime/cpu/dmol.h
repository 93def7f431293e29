// The mixture-of-logistics NLL of package cpu (dmol.c): graph.DMoLNLL and
// graph.DMoLGrad in float32, vectorized across pixels, with the reference's
// cancelling differences rewritten in stable forms (see dmol.c).
#ifndef VDVAE_CPU_DMOL_H
#define VDVAE_CPU_DMOL_H

#include <stdint.h>

// The largest mixture handled here: VD_DMOL_MAX_M components, so at most
// VD_DMOL_MAX_K logit channels for 3 image channels.
#define VD_DMOL_MAX_M 32
#define VD_DMOL_MAX_K (VD_DMOL_MAX_M * 10)

// vd_dmol_op is one graph.DMoLNLL op.
typedef struct vd_dmol_op {
	int m, c, logstd;
	double num_classes, min_pix, max_pix, beta, min_log_scale;
} vd_dmol_op;

// vd_dmol computes pixels p0..p1-1 (p = image * hw + position) of logits
// (N, M(3C+1), H, W) and targets x (N, C, H, W), hw = H*W. Without g it
// writes the NLL of pixel p to out[p] (out is (N, 1, H, W)); with g
// (N, 1, H, W) it writes g[p] * d(nll)/d(logits) into out shaped like the
// logits.
void vd_dmol(const vd_dmol_op *o, const float *logits, const float *x, const float *g,
		float *out, int64_t hw, int64_t p0, int64_t p1);

#endif
