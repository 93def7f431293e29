// Package ssim computes the structural similarity index (SSIM) the way the
// reference implementation's StructureSimilarityIndexMap does for the
// reconstruct command (model/ssim.py and model/losses.py of
// efficient_vdvae_torch, itself modelled on tf.image.ssim).
//
// # Definition
//
// Both images are first mapped to 0..255: x*127.5+127.5 for data in
// [-1, 1] (Signed), x*255 for data in [0, 1] (Unit). Each channel is then
// filtered by an 11x11 Gaussian window (sigma 1.5, weights summing to 1)
// with zero padding of 5 on every side, so the maps keep the image size
// ("same" convolution, not "valid"). With mu the filtered image and
// C1 = (0.01*255)^2, C2 = (0.03*255)^2, at every pixel
//
//	luminance = (2*mu_x*mu_y + C1) / (mu_x^2 + mu_y^2 + C1)
//	cs        = (2*f(x*y) - 2*mu_x*mu_y + C2) / (f(x^2+y^2) - mu_x^2 - mu_y^2 + C2)
//
// where f is the filter. A channel's SSIM is the mean of luminance*cs over
// its pixels; an image's SSIM is the mean over its channels. The reference
// returns, per batch, the sum of the image SSIMs divided by the global batch
// size (BatchMean), and reports the mean of that over the batches.
//
// # Departures
//
// The reference computes in float32 on the GPU; this package computes in
// float64 with the window applied as two 1-D passes (the 2-D Gaussian is
// their product). On the golden inputs the two agree within 1e-6. The
// reference reports 0 for binarized MNIST instead of any SSIM; Unit gives a
// real SSIM for [0, 1] data, and a caller that wants the reference's number
// reports 0 itself.
//
// # Errors
//
// Errors start with "ssim: " and name the shape or length that is wrong.
package ssim
