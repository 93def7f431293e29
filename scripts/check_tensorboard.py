#!/usr/bin/env python3
"""Read a folder of TensorBoard event files with TensorBoard's own reader.

Checks that files written by vdvae's train/tensorboard package load in
TensorBoard: prints every scalar tag (count, step range, last value) and every
image tag (count, width x height), and exits 1 when nothing was read. DIR may
be a run's tensorboard/ folder: each subfolder holding event files (train/,
val/) is read as TensorBoard reads runs under --logdir.

    python scripts/check_tensorboard.py DIR

Needs the tensorboard Python package; it is a manual check, not part of CI.
"""
import os
import sys

from tensorboard.backend.event_processing import event_accumulator as ea


def event_dirs(root):
    """Folders under root (root included) that hold event files."""
    out = []
    for d, _, files in sorted(os.walk(root)):
        if any(f.startswith("events.out.tfevents.") for f in files):
            out.append(d)
    return out


def report(path):
    """Prints one folder's tags; returns the number of values read."""
    # Size guidance 0 keeps every event instead of a reservoir sample.
    guidance = {kind: 0 for kind in ea.DEFAULT_SIZE_GUIDANCE}
    acc = ea.EventAccumulator(path, size_guidance=guidance)
    acc.Reload()
    tags = acc.Tags()
    read = 0
    for tag in sorted(tags[ea.SCALARS]):
        events = acc.Scalars(tag)
        read += len(events)
        last = events[-1]
        print(f"scalar {tag}: {len(events)} events, steps {events[0].step}..{last.step}, "
              f"last value {last.value:.6g}")
    for tag in sorted(tags[ea.IMAGES]):
        events = acc.Images(tag)
        read += len(events)
        sizes = sorted({(e.width, e.height) for e in events})
        print(f"image {tag}: {len(events)} events, width x height "
              + ", ".join(f"{w}x{h}" for w, h in sizes))
    print(f"file_version {acc.file_version!r}, {read} values")
    return read


def main(argv):
    if len(argv) != 2:
        print("usage: check_tensorboard.py DIR", file=sys.stderr)
        return 2
    read = 0
    for d in event_dirs(argv[1]):
        print(f"== {d}")
        read += report(d)
    if read == 0:
        print(f"check_tensorboard: no scalars or images in {argv[1]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
