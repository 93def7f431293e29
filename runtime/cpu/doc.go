// Package cpu is the CPU backend (Backend, registered as "cpu"). This note
// covers its convolution kernels: the forward, backward-data and
// backward-filter passes of 2-D convolutions on float32 NCHW tensors, run by
// oneDNN (libdnnl, its 2.x C API), and the slow pure-Go reference that
// defines them (ConvForwardRef, ConvBackwardDataRef, ConvBackwardFilterRef);
// how work is split between threads; and the other kernels (elementwise,
// reductions, layout, the mixture-of-logistics loss, fused groups, the
// optimizer). Sgemm, a checked row-major GEMM, is exported for other
// kernels.
//
// # Shapes and checks
//
// A ConvShape describes one convolution completely; Same fills in the
// model's "same" padding (total Kernel-Stride per axis, the larger half
// before). Validate reports a bad shape as an error wrapping ErrShape. The
// kernels check the shape and every slice length in Go before any C call;
// a mismatch panics with a "cpu: " message, since it is a programmer bug.
// Outputs are overwritten, never accumulated into. Tensors must not
// overlap.
//
// # Methods and the choice between them
//
// Four implementations exist (method, in conv.go):
//
//   - blas: im2col + OpenBLAS sgemm. A 1x1 stride-1 convolution skips
//     im2col: it is one GEMM per image, or on 1x1 images one GEMM over the
//     batch (N×C times C×K). Small images are gathered side by side until one
//     GEMM has 1024 columns.
//   - dnnl_gemm: the same, with oneDNN's sgemm (dnnl_sgemm).
//   - dnnl: a oneDNN convolution primitive on the plain nchw/oihw tensors;
//     oneDNN then runs "gemm:jit", its own im2col + GEMM.
//   - dnnl_blocked: a oneDNN convolution in the layouts it prefers
//     (nChw16c and blocked weights: "jit:avx512_core",
//     "jit_1x1:avx512_core"), with reorders from and to NCHW around every
//     call. Our tensors stay NCHW between ops, so the reorders are part of
//     the measured time.
//
// ConvForward, ConvBackwardData and ConvBackwardFilter choose (choose, in
// conv.go):
//
//   - kernel larger than 1 (3x3, pooling convolutions): dnnl_blocked;
//   - 1x1 stride 1 on 1x1 images: dnnl_gemm;
//   - 1x1 stride 1 on fewer than 64 pixels: dnnl_blocked;
//   - 1x1 stride 1 on 64 pixels or more: dnnl for the forward and
//     backward-data passes, dnnl_blocked for backward filter.
//
// Why. The table below gives GFLOP per CPU-second, one thread, batch 32,
// median of 5 interleaved runs (blk is dnnl_blocked, gemm dnnl_gemm; * marks
// the choice). A pass costs 2·N·K·OH·OW·C·KH·KW FLOP. Machine: AMD EPYC
// (Zen 4, AVX-512) with 2 cores under KVM, oneDNN 2.6.3 (OpenMP), OpenBLAS
// 0.3.21 (core Cooperlake; OPENBLAS_CORETYPE unset on that machine).
//
//	                         forward            backward data      backward filter
//	conv                blas gemm dnnl  blk  blas gemm dnnl  blk  blas gemm dnnl  blk
//	1x1/1 16>64 32x32    49   53   45*  35    50   56   67*  43    20   21   24   32*
//	1x1/1 64>16 32x32    53   64   68*  40    55   60   53*  40    25   11   11   36*
//	1x1/1 384>96 32x32   74   99  101*  72    85   95   90*  78    67   71   71   74*
//	1x1/1 96>384 32x32   78   89   93*  77    79   91   89*  75    57   55   58   70*
//	1x1/1 128>32 16x16   54   65   93*  58    38   44   93*  63    31   33   62   62*
//	1x1/1 48>24 16x16    47   54   81*  53    33   38   84*  52    25   12   34   43*
//	1x1/1 256>256 8x8    78   86   93*  86    76   83   97*  88    63   62   80   80*
//	1x1/1 512>128 4x4    64   68   74  100*   57   62   75   99*   56   59   87   88*
//	1x1/1 512>128 2x2    43   44   18   82*   43   47   17   71*   41   44   63   60*
//	1x1/1 512>512 1x1    57   58*  37   44    74  101*  43   43    77   87*  13   26
//	3x3/1 8>8 32x32      45   43   25   34*   22   23   17   23*   35   32   16   57*
//	3x3/1 16>16 32x32    47   58   39   68*   30   36   28   95*   24   25   18   72*
//	3x3/1 24>24 32x32    56   68   49   52*   41   47   37   52*   34   34   25   44*
//	3x3/1 32>32 32x32    63   78   57   95*   47   55   46   97*   40   41   31   76*
//	3x3/1 96>96 32x32    84   93   77  108*   74   79   68  103*   68   70   60   89*
//	3x3/1 24>24 16x16    47   54   51   57*   38   44   38   61*   29   30   28   54*
//	3x3/1 48>48 16x16    61   69   67  102*   57   64   56  105*   46   47   44   98*
//	3x3/1 64>64 16x16    64   76   74  104*   62   64   66  104*   51   54   52   93*
//	3x3/1 128>128 16x16  71   78   87  113*   76   78   79  113*   67   70   70  102*
//	3x3/1 128>128 8x8    64   66   82  122*   68   75   73  119*   60   63   83  107*
//	3x3/1 384>384 8x8    80   87   90  127*   82   90   90  122*   81   88   94   87*
//	2x2/2 64>64 32x32    54   58   38   58*   55   59   56   61*   42   44   41   68*
//	2x2/2 128>128 16x16  67   69   69   79*   69   68   69   75*   57   58   69   74*
//	4x4/4 32>32 32x32    32   35   33   75*   38   43   35   67*   26   25   34   74*
//	4x4/4 128>128 8x8    50   52   16   45*   53   52   15   54*   50   49   29   49*
//
// For 3x3 and pooling convolutions the blocked direct kernels win or tie
// nearly every pass, reorders included, by up to 3.4x (3x3 16->16 backward
// data). The exceptions: forward at 8 and 24 channels (16-channel blocks
// are then partly padding) and stride-4 pooling to 2x2, where im2col is
// 15-30% faster, and backward filter of 3x3 384->384 on 8x8, where plain
// dnnl is 8% faster. They stay on dnnl_blocked: they are small ops, and
// im2col runs on one thread while its GEMM uses both cores, so its edge
// shrinks with two threads. For 1x1 convolutions oneDNN's gemm:jit on nchw
// wins forward and backward data on 8x8 to 16x16 images (up to 2.2x) and
// ties with dnnl_gemm (within 15% either way) at 32x32; blocked wins below
// 8x8 and wins or ties backward filter. On 1x1 images one GEMM over the
// batch beats every convolution primitive by 1.3-3.3x. oneDNN's sgemm
// beats OpenBLAS's on every size measured (GFLOP per CPU-second, OpenBLAS /
// oneDNN, m×n×k: 1024³ 91/95, 96×32768×864 71/77, 96×1024×384 89/102,
// 32×512×512 79/100, 128×576×4096 79/104), so Sgemm and dnnl_gemm use
// oneDNN too, and only one thread pool, oneDNN's OpenMP team, ever runs;
// OpenBLAS's own pool would otherwise compete with it for the two cores.
// The blas method stays for benchmarks on other machines.
//
// The numbers are per CPU-second of one thread because the machine was
// shared with other processes (two training runs, load 4-6) while measuring:
// wall-clock runs with two threads then reached no more than one thread's
// throughput. Measure again on a quiet machine with
//
//	go test ./runtime/cpu -run '^$' -bench 'Conv|Sgemm' -benchtime 0.2s -count 5
//
// (and OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 for the per-core figures).
//
// # Threads and concurrency
//
// Kernels use workers threads: GOMAXPROCS, capped by OMP_NUM_THREADS when
// that is set (parallel.go). A large kernel is cut into parts that run at
// the same time on the calling goroutine and on helper goroutines (one per
// further worker), which spin briefly between parts before parking, since
// the kernels of a step come back to back. Parts are fixed by the shapes,
// never by timing, so results do not depend on scheduling; they do depend
// on the number of workers (a backward-filter sum is split differently).
//
// A convolution is split between workers instead of being handed to oneDNN's
// OpenMP threads (conv_split.go): by images when the images' data outweigh
// the filter, by output channels (input channels for backward data, as
// strided views of the full tensors) when the filter outweighs them or there
// is one image; each part is a one-thread oneDNN call on the worker's own
// stream and scratch. OpenMP's threading of one call gained little or lost
// on this 2-core machine: in isolation the 3x3 convolutions of the full
// binarized MNIST model at batch 4 scaled to 240 GFLOP/s on two threads, but
// inside a training step they reached half that, and the 1x1 ones (and the
// mnist_cpu convolutions at batch 32) ran no faster, or slower, on two
// threads than on one, their time going to OpenMP's fork and join and to its
// team spinning while Go ran the elementwise kernels. With the split, a
// training step of mnist_cpu (batch 32) went from 279 to 139 ms and one of
// binarized_mnist_baseline (batch 4) from 467 ms (OpenMP threads for its
// filter-heavy layers) to 362 ms. A single image is split by channels, which
// took generation at batch 1 from 211 to 658 images per second (mnist_cpu);
// what cannot be split runs on OpenMP's threads.
//
// The convolutions and Sgemm take one mutex (mu) around each call, which
// then owns every worker's scratch; they may be called from any goroutine,
// but concurrent calls run one after another. The C side sets OpenMP's
// thread count on every call (a per-thread setting) and creates each plan
// for the thread count it will run with, since oneDNN sizes its work split
// then. libgomp keeps one thread team per calling OS thread, so goroutines
// that migrate between threads leave a few idle teams behind (a test with
// 200 goroutines and 30 dying threads ended with 10 OS threads in all).
//
// Known issue: Go's CPU profiler (runtime/pprof, go test -cpuprofile)
// crashes the process with a glibc heap-corruption abort while OpenMP
// threads run (OMP_NUM_THREADS > 1); this predates the split. Profile with
// OMP_NUM_THREADS=1, or use runtime.Program's per-op Profile.
//
// # Elementwise, reduction and layout kernels
//
// Unary functions and their gradients, same-shape and broadcasting binary
// ops (cut into rows along which each operand advances or repeats), sums
// over leading and trailing axes (ReduceSumTo, BroadcastTo, ConvBwdBias),
// nearest upsampling and its adjoint are C loops (elem.c) compiled for
// AVX-512 and AVX2 with GCC's target_clones, the loader picking the best
// the CPU has. The transcendental functions are branch-free polynomials
// (vmath.h) so that every loop vectorizes; they agree with runtime/ref to a
// few float32 ulps (elem_test.go). Slice and Pad copy the longest runs the
// layout allows (layout.go). Large tensors are split between workers.
//
// Fused groups (runtime.Fuser, fuse.go): the runtime fuses chains of
// elementwise nodes (runtime/fuse.go); vd_fused runs a group block by block
// (256 elements, intermediates on the stack) through the same C kernels.
//
// The mixture-of-logistics NLL and its gradient (dmol.c) run in float32
// across blocks of 16 pixels, with the reference's cancelling differences
// of sigmoids rewritten in stable forms; they agree with the float64
// reference to 1e-6 (NLL) and 5e-5 (gradient), the rounding of x - mean
// times the inverse scale. As the reference's Go loops they took 722 ms of a
// 1,333 ms one-thread cifar10_cpu training step; these take 18 ms on two.
//
// The optimizer kernels (update.c, runtime.Updater) run the trainer's
// Adamax step and EMA in one pass, in double, with FMA contraction off, so
// that they give exactly the bits of its Go loops; the sum of squares
// behind the gradient norm adds in 8 lanes and two fixed halves.
//
// # Plans and memory owned by C
//
// The first call of a (shape, view, pass, method, bias, worker, threads)
// creates a oneDNN plan: the convolution primitive, its reorders and memory
// descriptors, in C memory. It took 0.04 ms on average for dnnl and 0.3 ms
// (at most 3 ms) for dnnl_blocked on the benchmark shapes. Plans live until
// ReleasePlans or the end of the process; no finalizer frees them. They run
// with a user-managed scratchpad, because oneDNN's default one is per OS
// thread and a goroutine can run a plan on another thread than the one that
// created it. The blocked tensor copies and the scratchpads of one worker's
// plans share that worker's C arena, and the im2col columns one Go slice
// per worker, all grown to the largest need; repeated calls allocate
// nothing. A plan oneDNN cannot create is remembered, and the im2col path
// computes that shape instead (a channel split that oneDNN cannot run is
// not split).
//
// # Errors
//
// Every oneDNN status other than success becomes a *DNNLError naming the
// call ("cpu: dnnl_primitive_desc_create: unimplemented"). Creation errors
// lead to the im2col fallback above; an error while running a created plan
// is a bug and panics.
//
// # Building
//
// The cgo preambles include the package's headers as <elem.h> with
// -I${SRCDIR}: cgo compiles its probes from a file in $TMPDIR, where a
// quoted include would first find any stray copy of a header of the same
// name (a stale /tmp/elem.h once shadowed the real one).
package cpu
