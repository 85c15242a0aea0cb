#!/usr/bin/env python3
"""Checks SwiftGrad's TensorBoard event files with TensorBoard's own reader.

Usage: python3 Scripts/check_tensorboard_events.py DIR   (needs `pip install tensorboard`)

Loads every run under DIR with tensorboard's EventAccumulator and prints, per run, the scalar,
histogram, image and tensor (text, hparams) tags it found with their last values; exits non-zero
if a file cannot be read or a run holds no data. Not used by the tests (they use our reader).
"""
import os
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2


def main(root):
    runs = sorted({d for d, _, files in os.walk(root) if any(f.startswith("events.out.tfevents.") for f in files)})
    if not runs:
        sys.exit(f"no event files under {root}")
    for run in runs:
        acc = event_accumulator.EventAccumulator(run, size_guidance={k: 0 for k in event_accumulator.DEFAULT_SIZE_GUIDANCE})
        acc.Reload()
        tags = acc.Tags()
        print(f"run {os.path.relpath(run, root)}")
        for tag in tags["scalars"]:
            events = acc.Scalars(tag)
            print(f"  scalar {tag}: {len(events)} points, last step {events[-1].step} value {events[-1].value:.6g}")
        for tag in tags["histograms"]:
            h = acc.Histograms(tag)[-1].histogram_value
            print(f"  histogram {tag}: n={h.num:g} min={h.min:.4g} max={h.max:.4g} buckets={len(h.bucket)}")
        for tag in tags["images"]:
            img = acc.Images(tag)[-1]
            print(f"  image {tag}: {img.width}x{img.height}, {len(img.encoded_image_string)} PNG bytes")
        for tag in tags["tensors"]:
            t = acc.Tensors(tag)[-1].tensor_proto
            print(f"  tensor {tag}: {t.string_val[0].decode()[:60]!r}" if t.string_val else f"  tensor {tag}")
        try:
            hparams = acc.PluginTagToContent("hparams")
        except KeyError:
            hparams = {}
        for tag, content in hparams.items():
            data = plugin_data_pb2.HParamsPluginData.FromString(content)
            which = data.WhichOneof("data")
            detail = ""
            if which == "session_start_info":
                detail = ", ".join(f"{k}={v.number_value if v.HasField('number_value') else v.string_value or v.bool_value}"
                                   for k, v in sorted(data.session_start_info.hparams.items()))
            elif which == "experiment":
                detail = "hparams " + ", ".join(h.name for h in data.experiment.hparam_infos) + \
                         "; metrics " + ", ".join(m.name.tag for m in data.experiment.metric_infos)
            print(f"  hparams {tag}: {which} {detail}")
        if not any(tags[k] for k in ("scalars", "histograms", "images", "tensors")):
            sys.exit(f"run {run}: TensorBoard found no data")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs")
