// Vectorizable float32 math for the elementwise kernels of package cpu.
// Every function is branch-free (selects only), so that GCC vectorizes the
// loops that call it; libm's scalar expf and logf would stop it. Each
// comment gives the function it equals and its error.
#ifndef VDVAE_CPU_VMATH_H
#define VDVAE_CPU_VMATH_H

#include <stdint.h>
#include <string.h>

#define VM_INLINE static inline __attribute__((always_inline))

VM_INLINE float vm_bits_float(int32_t b) {
	float f;
	memcpy(&f, &b, sizeof f);
	return f;
}

VM_INLINE int32_t vm_float_bits(float f) {
	int32_t b;
	memcpy(&b, &f, sizeof b);
	return b;
}

// vexp is expf(x), relative error below 2e-7 on [-87, 88]: x = n ln2 + r
// with |r| <= ln2/2, exp(r) by a degree-6 polynomial, and 2^n put straight
// into the exponent bits. Inputs are clamped to [-87, 88]; NaN stays NaN.
VM_INLINE float vexp(float x) {
	float in = x;
	x = x != x ? 0.0f : x; // no NaN reaches the integer conversion
	x = x < -87.0f ? -87.0f : x;
	x = x > 88.0f ? 88.0f : x;
	// Round to nearest by adding and subtracting 1.5 * 2^23.
	float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
	float r = x - n * 0.693359375f;
	r = r - n * -2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	p = p * vm_bits_float(((int32_t)n + 127) << 23);
	return in != in ? in : p;
}

// vlog is logf(x), relative error below 3e-7 for normal and subnormal x:
// x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by Cephes' degree-9
// polynomial in m - 1. log(0) = -inf, log(x < 0) = NaN, log(inf) = inf,
// log(NaN) = NaN.
VM_INLINE float vlog(float x) {
	float in = x;
	// Subnormals: scale by 2^23 first.
	int sub = x < 1.17549435e-38f;
	x = sub ? x * 8388608.0f : x;
	int32_t b = vm_float_bits(x);
	float e = (float)(((b >> 23) & 0xff) - 126) - (sub ? 23.0f : 0.0f);
	float m = vm_bits_float((b & 0x007fffff) | 0x3f000000); // [0.5, 1)
	int low = m < 0.707106781186547524f;
	e = low ? e - 1.0f : e;
	m = low ? m + m - 1.0f : m - 1.0f;
	float z = m * m;
	float y = 7.0376836292e-2f;
	y = y * m - 1.1514610310e-1f;
	y = y * m + 1.1676998740e-1f;
	y = y * m - 1.2420140846e-1f;
	y = y * m + 1.4249322787e-1f;
	y = y * m - 1.6668057665e-1f;
	y = y * m + 2.0000714765e-1f;
	y = y * m - 2.4999993993e-1f;
	y = y * m + 3.3333331174e-1f;
	y = y * m * z;
	y += -2.12194440e-4f * e;
	y += -0.5f * z;
	float r = m + y + 0.693359375f * e;
	r = in == 0.0f ? -__builtin_inff() : r;
	r = in < 0.0f ? __builtin_nanf("") : r;
	r = in == __builtin_inff() ? in : r;
	r = in != in ? in : r;
	return r;
}

// vlog1p is log1pf(u) for u >= 0 (the only use: softplus, u = exp(-|z|)):
// w = 1 + u rounds, and the rounding error (w - 1) - u is exact, so
// log(w) - ((w - 1) - u) / w is within a few ulps of log(1 + u).
VM_INLINE float vlog1p(float u) {
	float w = 1.0f + u;
	float err = (w - 1.0f) - u;
	return w == 1.0f ? u : vlog(w) - err / w;
}

// vsigmoid is 1 / (1 + exp(-x)), 0 below -88 (where it is below 6e-39 and
// vexp's clamp would make it larger).
VM_INLINE float vsigmoid(float x) {
	float s = 1.0f / (1.0f + vexp(-x));
	return x < -88.0f ? 0.0f : s;
}

// vsigmoid_grad is sigmoid(x) (1 - sigmoid(x)) = e / (1 + e)^2 with
// e = exp(-|x|), which keeps its relative accuracy where 1 - sigmoid(x)
// would round to 0.
VM_INLINE float vsigmoid_grad(float x) {
	float a = x < 0.0f ? -x : x;
	float e = vexp(-a);
	float d = e / ((1.0f + e) * (1.0f + e));
	return a > 88.0f ? 0.0f : d;
}

// vtanh_grad is 1 - tanh(x)^2 = 4 sigmoid'(2x), accurate where tanh(x)
// rounds to +-1.
VM_INLINE float vtanh_grad(float x) { return 4.0f * vsigmoid_grad(2.0f * x); }

// vsoftplus is log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)).
VM_INLINE float vsoftplus(float x) {
	float pos = x > 0.0f ? x : 0.0f;
	float neg = x > 0.0f ? -x : x;
	return pos + vlog1p(vexp(neg));
}

// vtanh is tanhf(x), relative error below 1e-6: Cephes' odd polynomial for
// |x| < 0.625, else sign(x) (1 - 2 / (exp(2|x|) + 1)).
VM_INLINE float vtanh(float x) {
	float a = x < 0.0f ? -x : x;
	float z = x * x;
	float p = -5.70498872745e-3f;
	p = p * z + 2.06390887954e-2f;
	p = p * z - 5.37397155531e-2f;
	p = p * z + 1.33314422036e-1f;
	p = p * z - 3.33332819422e-1f;
	float small = p * z * x + x;
	float big = 1.0f - 2.0f / (vexp(2.0f * a) + 1.0f);
	big = x < 0.0f ? -big : big;
	return a < 0.625f ? small : big;
}

#endif
