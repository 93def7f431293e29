"""Side-by-side CPU benchmark of vdvae (Go) and the same model in PyTorch.

For each preset: the median training step time after warm-up, the growth of
resident memory during training over what the process held once the model,
its optimizer state and EMA were built (and the peak), and generation images
per second; Go through bench/gobench (plus ONNX Runtime on the exported
generator when its library is present), PyTorch through bench/torch_vdvae.py
with the same hyper-parameters, batch and thread count. It also measures the
machine's sgemm ceiling and each Go step's achieved GFLOP/s against it, and
checks once per preset that the PyTorch model computes the same loss and
gradient norm as Go on the same weights, input and noise.

    python bench/run.py --gobench bin/gobench [--out bench/results.json]

Runs alternate Go and PyTorch (--repeats times) so that load from other
processes falls on both; the table shows medians, with the load average seen.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# (preset, batch): the CPU presets at their own batch, the full binarized
# MNIST model of the paper at a batch a 2-core machine can take.
PRESETS = [("mnist_cpu", 32), ("cifar10_cpu", 32), ("binarized_mnist_baseline", 4)]


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def median_of(runs, key):
    vals = [r[key] for r in runs if r.get(key)]
    return statistics.median(vals) if vals else None


def bench_preset(args, env, preset, batch, tmp):
    hp = os.path.join(tmp, preset + ".json")
    subprocess.run([args.gobench, "-preset", preset, "-batch", str(batch), "-hparams", hp], env=env,
                   check=True)
    dump = os.path.join(tmp, preset + "-dump")
    subprocess.run([args.gobench, "-preset", preset, "-batch", str(min(batch, 4)), "-dump", dump],
                   env=env, check=True)
    parity = run_json([args.python, os.path.join(HERE, "torch_vdvae.py"), "--hparams", hp,
                       "--batch", str(min(batch, 4)), "--check", dump], env)
    steps = str(args.steps)
    go_runs, torch_runs = [], []
    for i in range(args.repeats):
        go_cmd = [args.gobench, "-preset", preset, "-batch", str(batch), "-steps", steps,
                  "-gen-reps", str(args.gen_reps)]
        if i == 0 and not args.no_ort:
            go_cmd.append("-ort")
        go_runs.append(run_json(go_cmd, env))
        torch_runs.append(run_json([args.python, os.path.join(HERE, "torch_vdvae.py"), "--hparams", hp,
                                    "--batch", str(batch), "--steps", steps, "--gen-reps",
                                    str(args.gen_reps), "--threads", str(args.threads)], env))
        print(f"  {preset} run {i + 1}/{args.repeats}: go {go_runs[-1]['step_ms']:.0f} ms/step, "
              f"torch {torch_runs[-1]['step_ms']:.0f} ms/step (load {loadavg():.1f})", file=sys.stderr)
    row = {"preset": preset, "batch": batch, "params": go_runs[0]["params"],
           "torch_params": torch_runs[0]["params"], "parity": parity,
           "train_flop_per_step": go_runs[0]["train_flop_per_step"],
           "go_allocs_per_step": go_runs[-1]["allocs_per_step"], "runs": {"go": go_runs, "torch": torch_runs}}
    for side, runs in (("go", go_runs), ("torch", torch_runs)):
        for key in ("step_ms", "rss_growth_mib", "rss_peak_mib", "rss_built_mib", "gen_img_per_s"):
            row[f"{side}_{key}"] = median_of(runs, key)
    row["ort_gen_img_per_s"] = median_of(go_runs, "ort_gen_img_per_s")
    row["go_train_gflops"] = row["train_flop_per_step"] / (row["go_step_ms"] / 1e3) / 1e9
    return row


def table(rows, ceiling):
    head = ("preset", "batch", "step ms go", "torch", "ratio", "RSS growth MiB go", "torch", "peak MiB go",
            "torch", "gen img/s go", "torch", "ort", "GFLOP/s", "% of sgemm")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        f = lambda v, p=0: "-" if v is None else f"{v:.{p}f}"
        lines.append(" | ".join([
            r["preset"], str(r["batch"]), f(r["go_step_ms"]), f(r["torch_step_ms"]),
            f(r["torch_step_ms"] / r["go_step_ms"], 2) + "x",
            f(r["go_rss_growth_mib"]), f(r["torch_rss_growth_mib"]),
            f(r["go_rss_peak_mib"]), f(r["torch_rss_peak_mib"]),
            f(r["go_gen_img_per_s"], 1), f(r["torch_gen_img_per_s"], 1), f(r["ort_gen_img_per_s"], 1),
            f(r["go_train_gflops"], 1), f(100 * r["go_train_gflops"] / ceiling, 1)]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gobench", required=True, help="the gobench binary")
    ap.add_argument("--python", default=sys.executable, help="a Python with torch")
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--presets", default=",".join(f"{p}:{b}" for p, b in PRESETS),
                    help="comma-separated preset:batch list")
    ap.add_argument("--steps", type=int, default=10, help="timed training steps per run")
    ap.add_argument("--gen-reps", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3, help="alternating Go/PyTorch runs per preset")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-ort", action="store_true", help="skip ONNX Runtime generation")
    args = ap.parse_args()

    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(args.threads)  # oneDNN's OpenMP team on both sides
    env.setdefault("GOMAXPROCS", str(args.threads))
    load_before = loadavg()
    sgemm = [run_json([args.gobench, "-sgemm", "2048"], env) for _ in range(3)]
    ceiling = statistics.median(s["train_gflops"] for s in sgemm)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.presets.split(","):
            preset, batch = spec.split(":")
            print(f"{preset} at batch {batch}", file=sys.stderr)
            rows.append(bench_preset(args, env, preset, int(batch), tmp))
    result = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "threads": args.threads,
              "loadavg_before": load_before, "loadavg_after": loadavg(),
              "sgemm_gflops": ceiling, "sgemm_runs": sgemm, "presets": rows}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print()
    print(table(rows, ceiling))
    print()
    print(f"sgemm ceiling (2048^3 through oneDNN, {args.threads} threads): {ceiling:.0f} GFLOP/s; "
          f"load average {load_before:.1f} before, {loadavg():.1f} after")
    for r in rows:
        p = r["parity"]
        print(f"{r['preset']}: parameters go {r['params']}, torch {r['torch_params']}; same weights and "
              f"noise: loss rel. diff {p['loss_rel_diff']:.1e}, grad norm rel. diff "
              f"{p['grad_norm_rel_diff']:.1e}; Go allocations per step {r['go_allocs_per_step']:.0f}")
    print(f"figures: {args.out}")


if __name__ == "__main__":
    main()
