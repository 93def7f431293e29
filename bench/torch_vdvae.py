"""Efficient-VDVAE in PyTorch, written for vdvae's CPU benchmark (make bench).

The model follows the reference PyTorch implementation's architecture layer
for layer, with its module names, so that its parameter names and count equal
vdvae's (`vdvae check --json`); it is built from the hyper-parameters that
`gobench -hparams FILE` resolves from a vdvae YAML preset. A training step is
what vdvae's trainer does: forward, the loss (Bernoulli or discretized
mixture-of-logistics NLL plus beta times the KL with NVAE's gamma balancing),
backward, the global gradient norm and skip test, an Adamax update with
decoupled L2 decay on the decayed weights, and the EMA of the weights.
Generation samples the prior through the top-down network and draws the
output distribution.

    python bench/torch_vdvae.py --hparams h.json --batch 32 --steps 10
    python bench/torch_vdvae.py --hparams h.json --check DIR   # parity with gobench -dump

It prints one JSON object (the figures gobench prints for Go).
"""

import argparse
import json
import math
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- hyper-parameters -------------------------------------------------------


class H:
    """Attribute access to one section of the hparams JSON."""

    def __init__(self, d):
        self.__dict__.update(d)


def load_hparams(path):
    with open(path) as f:
        d = json.load(f)
    return {k: H(v) for k, v in d.items()}


def is_padded28(data):
    return data.dataset_source in ("binarized_mnist", "mnist", "fashion_mnist") and data.target_res == 32


def is_binarized(data):
    return data.dataset_source == "binarized_mnist"


# ---- layers -----------------------------------------------------------------


class SameConv(nn.Conv2d):
    """A convolution with vdvae's "same" padding: kernel - stride in total per axis, the larger
    half before."""

    def __init__(self, cin, cout, kernel, stride=(1, 1)):
        kernel, stride = tuple(kernel), tuple(stride)
        halves = []
        for k, s in zip(kernel, stride):
            total = max(k - s, 0)
            halves.append(((total + 1) // 2, total // 2))
        (pt, pb), (pl, pr) = halves
        sym = pt == pb and pl == pr
        super().__init__(cin, cout, kernel, stride, padding=(pt, pl) if sym else 0)
        self.pad4 = None if sym else (pl, pr, pt, pb)

    def forward(self, x):
        if self.pad4 is not None:
            x = F.pad(x, self.pad4)
        return super().forward(x)


def same_conv(cin, cout, kernel, stride=(1, 1)):
    return SameConv(cin, cout, kernel, stride)


def xavier(conv, scale=1.0):
    nn.init.xavier_uniform_(conv.weight)
    nn.init.zeros_(conv.bias)
    with torch.no_grad():
        conv.weight.mul_(scale)
    return conv


class ResidualConvCell(nn.Module):
    """SiLU, conv in->mid, n_layers x (SiLU, conv mid->mid), SiLU, conv mid->out,
    plus the input when residual."""

    def __init__(self, n_layers, cin, ratio, kernel, init_scale, residual, use_1x1, out_ratio=1.0,
                 zero_last=False):
        super().__init__()
        self.residual = residual
        mid, out = int(cin * ratio), int(cin * out_ratio)
        edge = (1, 1) if use_1x1 else (kernel, kernel)
        layers = [nn.SiLU(), same_conv(cin, mid, edge)]  # the framework default init
        for _ in range(n_layers):
            layers += [nn.SiLU(), xavier(same_conv(mid, mid, (kernel, kernel)))]
        last = xavier(same_conv(mid, out, edge), 0.0 if zero_last else init_scale)
        layers += [nn.SiLU(), last]
        self.convs = nn.Sequential(*layers)

    def forward(self, x):
        y = self.convs(x)
        return x + y if self.residual else y


def residual_stack(n, n_layers, width, kernel, ratio, scale, use_1x1):
    return nn.Sequential(*[ResidualConvCell(n_layers, width, ratio, kernel, scale, True, use_1x1)
                           for _ in range(n)])


class PoolLayer(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.ops = nn.Sequential(xavier(same_conv(cin, cout, (stride, stride), (stride, stride))),
                                 nn.LeakyReLU(0.1))

    def forward(self, x):
        return self.ops(x)


class LevelBlockUp(nn.Module):
    def __init__(self, m, i, width, stride, use_skip, scale):
        super().__init__()
        self.residual_block = residual_stack(m.up_n_blocks[i], m.up_n_layers[i], width,
                                             m.up_kernel_size[i], m.up_mid_filters_ratio[i], scale,
                                             m.use_1x1_conv)
        self.use_skip, self.stride = use_skip, stride
        if use_skip:
            self.skip_projection = xavier(same_conv(width, m.up_skip_filters[i], (1, 1)))
        if stride > 1:
            self.pool = PoolLayer(width, m.up_filters[i], stride)

    def forward(self, x, pool=True):
        x = self.residual_block(x)
        skip = self.skip_projection(x) if self.use_skip else x
        if self.stride > 1 and pool:
            x = self.pool(x)
        return x, skip


class BottomUp(nn.Module):
    def __init__(self, hp, scale):
        super().__init__()
        m, d = hp["model"], hp["data"]
        self.input_conv = xavier(same_conv(d.channels, m.input_conv_filters, m.input_kernel_size))
        width = m.input_conv_filters
        self.levels_up = nn.ModuleList()
        self.levels_up_downsample = nn.ModuleList()
        for i, stride in enumerate(m.up_strides):
            self.levels_up.append(nn.ModuleList(
                [LevelBlockUp(m, i, width, 1, False, scale) for _ in range(m.up_n_blocks_per_res[i])]))
            self.levels_up_downsample.append(LevelBlockUp(m, i, width, stride, True, scale))
            if stride > 1:
                width = m.up_filters[i]

    def forward(self, x):
        x = self.input_conv(x)
        skips = []
        last = len(self.levels_up_downsample) - 1
        for i, (plain, down) in enumerate(zip(self.levels_up, self.levels_up_downsample)):
            for blk in plain:
                x, _ = blk(x)
            # Nothing reads the last level's pooled output; neither side computes it.
            x, skip = down(x, pool=i < last)
            skips.append(skip)
        return skips[::-1]


class GaussianLatentLayer(nn.Module):
    def __init__(self, cin, variates, base, beta):
        super().__init__()
        self.projection = xavier(same_conv(cin, 2 * variates, (1, 1)))
        self.base, self.beta = base, beta

    def forward(self, x):
        mean, raw = torch.chunk(self.projection(x), 2, dim=1)
        if self.base == "logstd":
            return mean, torch.exp(self.beta * raw)
        return mean, F.softplus(raw, beta=self.beta)


class Unpool(nn.Module):
    def __init__(self, cin, filters, stride, h, w):
        super().__init__()
        self.ops = nn.Sequential(xavier(same_conv(cin, filters, (1, 1))), nn.LeakyReLU(0.1),
                                 nn.Upsample(scale_factor=stride, mode="nearest"))
        self.scale_bias = nn.Parameter(torch.zeros(1, filters, h * stride, w * stride))

    def forward(self, x):
        return self.ops(x) + self.scale_bias


class LevelBlockDown(nn.Module):
    def __init__(self, hp, i, width, res, stride, scale, z_scale):
        super().__init__()
        m = hp["model"]
        self.stride = stride
        filters = m.down_filters[i]
        if stride > 1:
            self.unpool = Unpool(width, filters, stride, res, res)
            width = filters
        nl, k, ratio, u1 = m.down_n_layers[i], m.down_kernel_size[i], m.down_mid_filters_ratio[i], m.use_1x1_conv
        self.prior_net = nn.Sequential(ResidualConvCell(
            nl, width, ratio, k, 1.0, False, u1, 2.0, zero_last=m.initialize_prior_weights_as_zero))
        skip = m.up_skip_filters[::-1][i]  # the skips run deepest first
        self.posterior_net = nn.Sequential(ResidualConvCell(nl, width + skip, ratio * 0.5, k, 1.0, False,
                                                            u1, 0.5))
        v = m.down_latent_variates[i]
        self.prior_layer = GaussianLatentLayer(width, v, m.distribution_base, m.gradient_smoothing_beta)
        self.posterior_layer = GaussianLatentLayer(width, v, m.distribution_base,
                                                   m.gradient_smoothing_beta)
        self.z_projection = xavier(same_conv(v, filters, (1, 1)), z_scale)
        self.residual_block = residual_stack(m.down_n_blocks[i], nl, filters, k, ratio, scale, u1)
        self.residual_dist = m.use_residual_distribution
        self.width = width

    def _prior(self, y):
        if self.stride > 1:
            y = self.unpool(y)
        kl_residual, prior_in = torch.chunk(self.prior_net(y), 2, dim=1)
        return y, kl_residual, self.prior_layer(prior_in)

    def forward(self, y, skip, eps):
        y, kl_residual, (pm, ps) = self._prior(y)
        qm, qs = self.posterior_layer(self.posterior_net(torch.cat([y, skip], dim=1)))
        if self.residual_dist:
            qm, qs = qm + pm, qs * ps
        z = qm + qs * eps
        t1 = (qm - pm) / ps
        t2 = qs / ps
        kl = 0.5 * (t1 * t1 + t2 * t2) - 0.5 - torch.log(t2)
        y = y + kl_residual
        y = y + self.z_projection(z)
        return self.residual_block(y), kl.sum(dim=(1, 2, 3))

    def sample(self, y, temperature, eps):
        y, kl_residual, (pm, ps) = self._prior(y)
        z = pm + ps * temperature * eps
        y = y + kl_residual
        y = y + self.z_projection(z)
        return self.residual_block(y)


class TopDown(nn.Module):
    def __init__(self, hp, scale, z_scale):
        super().__init__()
        m, d = hp["model"], hp["data"]
        res = d.target_res
        for s in m.down_strides:
            res //= s
        self.trainable_h = nn.Parameter(torch.empty(1, m.down_filters[0], res, res))
        nn.init.uniform_(self.trainable_h, -math.sqrt(3 / (m.down_filters[0] * res * res)),
                         math.sqrt(3 / (m.down_filters[0] * res * res)))
        width = m.down_filters[0]
        self.levels_down_upsample = nn.ModuleList()
        self.levels_down = nn.ModuleList()
        self.groups = []  # (variates, h, w) of each latent group, top-down order
        for i, stride in enumerate(m.down_strides):
            self.levels_down_upsample.append(LevelBlockDown(hp, i, width, res, stride, scale, z_scale))
            res *= stride
            width = m.down_filters[i]
            self.groups.append((m.down_latent_variates[i], res, res))
            self.levels_down.append(nn.ModuleList(
                [LevelBlockDown(hp, i, width, res, 1, scale, z_scale) for _ in range(m.down_n_blocks_per_res[i])]))
            for _ in range(m.down_n_blocks_per_res[i]):
                self.groups.append((m.down_latent_variates[i], res, res))
        out_c = 1 if is_binarized(d) else m.num_output_mixtures * (3 * d.channels + 1)
        self.output_conv = xavier(same_conv(width, out_c, m.output_kernel_size))

    def _blocks(self):
        for up, plain in zip(self.levels_down_upsample, self.levels_down):
            yield up
            yield from plain

    def forward(self, skips, eps, batch):
        y = self.trainable_h.expand(batch, -1, -1, -1)
        kls = []
        blocks = list(zip(self.levels_down_upsample, self.levels_down))
        g = 0
        for i, (up, plain) in enumerate(blocks):
            for blk in [up, *plain]:
                y, kl = blk(y, skips[i], eps[g])
                kls.append(kl)
                g += 1
        return self.output_conv(y), torch.stack(kls, dim=1)

    def sample(self, temps, eps, batch):
        y = self.trainable_h.expand(batch, -1, -1, -1)
        for g, blk in enumerate(self._blocks()):
            y = blk.sample(y, temps[g], eps[g])
        return self.output_conv(y)


class VDVAE(nn.Module):
    def __init__(self, hp):
        super().__init__()
        m = hp["model"]
        L = sum(m.down_n_blocks_per_res) + len(m.down_strides)
        scale = math.sqrt(1.0 / L) if m.stable_init else 1.0
        self.hp, self.L = hp, L
        self.bottom_up = BottomUp(hp, scale)
        self.top_down = TopDown(hp, scale, math.sqrt(1.0 / L))
        d = hp["data"]
        self.dims = 28 * 28 * d.channels if is_padded28(d) else d.target_res ** 2 * d.channels

    def forward(self, x, eps):
        skips = self.bottom_up(x)
        logits, kl = self.top_down(skips, eps, x.shape[0])
        return logits, recon_nll(self.hp, logits, x), kl


# ---- losses -----------------------------------------------------------------


def recon_nll(hp, logits, x):
    """Per-image reconstruction NLL in nats."""
    d, m, loss = hp["data"], hp["model"], hp["loss"]
    if is_padded28(d):
        logits, x = logits[:, :, 2:30, 2:30], x[:, :, 2:30, 2:30]
    if is_binarized(d):
        return (F.softplus(logits) - x * logits).sum(dim=(1, 2, 3))
    return dmol_nll(logits, x, m.num_output_mixtures, 2.0 ** d.num_bits - 1, m.output_distribution_base,
                    m.output_gradient_smoothing_beta, loss.min_mol_logscale, d.num_bits).sum(dim=(1, 2))


def dmol_nll(logits, x, M, num_classes, base, beta, min_log, bits):
    """Per-pixel NLL of a mixture of discretized logistics with the autoregressive colour link, as
    the reference's DiscMixLogistic computes it, for 1 to 3 channels."""
    B, C, Hh, W = x.shape
    step = 2.0 ** (8 - bits)
    max_pix = (math.floor(255 / step) * step - 127.5) / 127.5
    pi = logits[:, :M]
    l = logits[:, M:].reshape(B, C, 3 * M, Hh, W)
    means, raw, coeffs = l[:, :, :M], l[:, :, M:2 * M], torch.tanh(l[:, :, 2 * M:3 * M])
    if base == "logstd":
        log_s = torch.clamp(raw, min=min_log)
        inv = torch.exp(-beta * log_s)
    else:
        s = torch.clamp(F.softplus(raw, beta=beta), min=float(np.float32(math.exp(min_log))))
        inv, log_s = 1.0 / s, torch.log(s)
    t = x.unsqueeze(2)  # B, C, 1, H, W
    mu = [means[:, 0:1]]
    if C > 1:
        mu.append(means[:, 1:2] + coeffs[:, 0:1] * t[:, 0:1])
    if C > 2:
        mu.append(means[:, 2:3] + coeffs[:, 1:2] * t[:, 0:1] + coeffs[:, 2:3] * t[:, 1:2])
    centered = t - torch.cat(mu, dim=1)
    plus_in = inv * (centered + 1.0 / num_classes)
    min_in = inv * (centered - 1.0 / num_classes)
    cdf_delta = torch.sigmoid(plus_in) - torch.sigmoid(min_in)
    mid_in = inv * centered
    log_pdf_mid = mid_in - log_s - 2.0 * F.softplus(mid_in)
    tb = t.expand_as(centered)
    lp = torch.where(tb <= -1.0, plus_in - F.softplus(plus_in),
                     torch.where(tb >= max_pix, -F.softplus(min_in),
                                 torch.where(cdf_delta > 1e-5, torch.log(torch.clamp(cdf_delta, min=1e-12)),
                                             log_pdf_mid - math.log(num_classes / 2))))
    lp = lp.sum(dim=1) + F.log_softmax(pi, dim=1)
    return -torch.logsumexp(lp, dim=1)


def kl_beta(loss, step):
    """The linear KL schedule as vdvae's train.KLBeta computes it (others: 1)."""
    if loss.variation_schedule != "Linear":
        return 1.0
    start, steps = loss.vae_beta_anneal_start, loss.vae_beta_anneal_steps
    return min(max((step - start) / (start + steps), loss.vae_beta_min), 1.0)


def total_loss(model, recon, kl, step):
    """Scaled reconstruction NLL plus beta x the gamma-weighted KL, per dimension."""
    loss = model.hp["loss"]
    n = recon.shape[0]
    nd = n * model.dims
    klsum_g = kl.sum(dim=0)
    if loss.use_gamma_schedule and step <= loss.gamma_max_steps:
        norm = torch.tensor([1.0 / (v * h * w) if loss.scaled_gamma else 1.0
                             for v, h, w in model.top_down.groups])
        a = (klsum_g * norm).detach()
        w = model.L * a / a.sum()
        kl_term = (klsum_g * w).sum()
    else:
        kl_term = klsum_g.sum()
    return recon.sum() / nd + kl_beta(loss, step) * kl_term / nd


# ---- optimizer --------------------------------------------------------------


def decayed(name):
    """vdvae's weight-decay mask: weights only, not the input and output convolutions or any
    projection (the learned state and the unpooling bias are not conv weights)."""
    if not name.endswith("weight"):
        return False
    return not any(s in name for s in ("input_conv", "output_conv", "projection"))


class Trainer:
    """Adamax with decoupled L2 decay, gradient-norm skip and EMA, in foreach ops."""

    def __init__(self, model, hp):
        self.model, self.hp = model, hp
        o = hp["optimizer"]
        self.b1, self.b2, self.eps = o.beta1, o.beta2, o.epsilon
        self.lr = o.learning_rate
        self.skip = o.gradient_skip_threshold if o.gradient_skip else math.inf
        self.wd = hp["loss"].l2_weight if hp["loss"].use_weight_decay else 0.0
        self.ema_decay = hp["train"].ema_decay
        self.names = [n for n, _ in model.named_parameters()]
        self.params = [p for _, p in model.named_parameters()]
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.ema = [p.detach().clone() for p in self.params]
        self.decay_idx = [i for i, n in enumerate(self.names) if decayed(n)]
        self.count = 0

    def step(self, x, eps):
        step = self.count + 1
        for p in self.params:
            p.grad = None
        _, recon, kl = self.model(x, eps)
        loss = total_loss(self.model, recon, kl, step)
        loss.backward()
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        grads = [self.params[i].grad for i in live]
        norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads))).item()
        if not math.isfinite(norm) or norm >= self.skip:
            return loss.item(), norm, True
        self.count += 1
        bc1 = 1 - self.b1 ** self.count
        p = [self.params[i].data for i in live]
        m = [self.m[i] for i in live]
        v = [self.v[i] for i in live]
        lr = self.lr  # the schedule's value does not change the work
        dec = [self.params[i].data for i in self.decay_idx if self.params[i].grad is not None]
        if self.wd and dec:
            torch._foreach_mul_(dec, 1 - lr * self.wd)
        torch._foreach_mul_(m, self.b1)
        torch._foreach_add_(m, grads, alpha=1 - self.b1)
        g_abs = torch._foreach_abs(grads)
        torch._foreach_add_(g_abs, self.eps)
        torch._foreach_mul_(v, self.b2)
        torch._foreach_maximum_(v, g_abs)
        torch._foreach_addcdiv_(p, m, v, value=-lr / bc1)
        torch._foreach_lerp_([self.ema[i] for i in live], p, 1 - self.ema_decay)
        return loss.item(), norm, False


# ---- generation -------------------------------------------------------------


@torch.inference_mode()
def generate(model, batch, temperature=1.0):
    """Prior noise, the top-down network without the posterior, and output sampling."""
    hp = model.hp
    d, m, loss = hp["data"], hp["model"], hp["loss"]
    eps = [torch.randn(batch, v, h, w) for v, h, w in model.top_down.groups]
    logits = model.top_down.sample([temperature] * len(eps), eps, batch)
    if is_padded28(d):
        logits = logits[:, :, 2:30, 2:30]
    if is_binarized(d):
        return torch.bernoulli(torch.sigmoid(logits))
    M, C = m.num_output_mixtures, d.channels
    B, _, Hh, W = logits.shape
    u = torch.empty(B, M, Hh, W).uniform_(1e-5, 1 - 1e-5)
    sel = torch.argmax(logits[:, :M] - torch.log(-torch.log(u)), dim=1, keepdim=True)  # B,1,H,W
    l = logits[:, M:].reshape(B, C, 3 * M, Hh, W)
    pick = lambda t: torch.gather(t, 2, sel.unsqueeze(1).expand(B, C, 1, Hh, W)).squeeze(2)
    means, raw, coeffs = pick(l[:, :, :M]), pick(l[:, :, M:2 * M]), torch.tanh(pick(l[:, :, 2 * M:]))
    if m.output_distribution_base == "logstd":
        scale = torch.exp(m.output_gradient_smoothing_beta * torch.clamp(raw, min=loss.min_mol_logscale))
    else:
        scale = F.softplus(raw, beta=m.output_gradient_smoothing_beta)
    u = torch.empty(B, C, Hh, W).uniform_(1e-5, 1 - 1e-5)
    x = means + scale * (torch.log(u) - torch.log1p(-u))
    out = [torch.clamp(x[:, 0], -1, 1)]
    if C == 3:
        out.append(torch.clamp(x[:, 1] + coeffs[:, 0] * out[0], -1, 1))
        out.append(torch.clamp(x[:, 2] + coeffs[:, 1] * out[0] + coeffs[:, 2] * out[1], -1, 1))
    return torch.stack(out, dim=1)


# ---- measurement ------------------------------------------------------------


def status_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def fixed_input(hp, batch):
    d = hp["data"]
    n = batch * d.channels * d.target_res ** 2
    i = np.arange(n)
    if is_binarized(d):
        x = ((i // 3) % 2).astype(np.float32)
    else:
        x = ((i % 255) / 127.5 - 1).astype(np.float32)
    return torch.from_numpy(x).reshape(batch, d.channels, d.target_res, d.target_res)


def measure(hp, args):
    torch.manual_seed(0)
    model = VDVAE(hp)
    tr = Trainer(model, hp)
    x = fixed_input(hp, args.batch)
    res = {"runtime": "torch", "torch": torch.__version__, "batch": args.batch,
           "threads": torch.get_num_threads(),
           "params": sum(p.numel() for p in model.parameters())}
    import gc
    gc.collect()
    res["rss_built_mib"] = status_mib("VmRSS")
    reset_peak()

    def eps():
        return [torch.randn(args.batch, v, h, w) for v, h, w in model.top_down.groups]

    for _ in range(args.warmup):
        tr.step(x, eps())
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        loss, _, _ = tr.step(x, eps())
        times.append((time.perf_counter() - t0) * 1e3)
    res["step_ms_all"] = times
    res["step_ms"] = statistics.median(times)
    res["last_loss"] = loss
    res["rss_peak_mib"] = status_mib("VmHWM")
    res["rss_growth_mib"] = res["rss_peak_mib"] - res["rss_built_mib"]

    gb = args.gen_batch or args.batch
    generate(model, gb)
    rates = []
    for _ in range(args.gen_reps):
        t0 = time.perf_counter()
        generate(model, gb)
        rates.append(gb / (time.perf_counter() - t0))
    res["gen_batch"] = gb
    res["gen_img_per_s"] = statistics.median(rates)
    with open("/proc/loadavg") as f:
        res["loadavg"] = " ".join(f.read().split()[:3])
    return res


def check(hp, dump):
    """Loads the weights, input and noise gobench -dump wrote, runs one forward and backward, and
    returns the losses, the gradient norm and the largest relative differences to Go's."""
    with open(os.path.join(dump, "index.json")) as f:
        idx = json.load(f)
    flat = np.fromfile(os.path.join(dump, "tensors.bin"), dtype=np.float32)

    def tensor(e):
        return torch.from_numpy(flat[e["offset"]:e["offset"] + int(np.prod(e["shape"]))].copy()).reshape(
            e["shape"])

    model = VDVAE(hp)
    state = {n: tensor(e) for n, e in idx["params"].items()}
    own = dict(model.named_parameters())
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        raise SystemExit(f"parameter names differ: torch only {missing[:5]}, go only {extra[:5]}")
    with torch.no_grad():
        for n, p in own.items():
            if tuple(p.shape) != tuple(state[n].shape):
                raise SystemExit(f"{n}: torch shape {tuple(p.shape)}, go {tuple(state[n].shape)}")
            p.copy_(state[n])
    x = tensor(idx["x"])
    eps = [tensor(e) for e in idx["eps"]]
    _, recon, kl = model(x, eps)
    loss = total_loss(model, recon, kl, idx["step"])
    loss.backward()
    norm = math.sqrt(sum(float((p.grad.double() ** 2).sum()) for p in model.parameters() if p.grad is not None))
    rel = lambda a, b: abs(a - b) / max(abs(b), 1e-12)
    go = idx["go"]
    return {"loss": loss.item(), "go_loss": go["loss"], "loss_rel_diff": rel(loss.item(), go["loss"]),
            "recon_rel_diff": rel(recon.sum().item(), go["recon_sum"]),
            "kl_rel_diff": rel(kl.sum().item(), go["kl_sum"]),
            "grad_norm": norm, "go_grad_norm": go["grad_norm"], "grad_norm_rel_diff": rel(norm, go["grad_norm"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hparams", required=True, help="hparams JSON written by gobench -hparams")
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--gen-batch", type=int, default=0)
    ap.add_argument("--gen-reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check", help="directory written by gobench -dump: compare one step's numbers")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    hp = load_hparams(args.hparams)
    if not args.batch:
        args.batch = hp["train"].batch_size
    out = check(hp, args.check) if args.check else measure(hp, args)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
