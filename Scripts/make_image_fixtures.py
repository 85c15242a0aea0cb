"""Writes the tiny image folder Tests/SwiftGradTests/Resources/images/folder (two classes, PNG and
JPEG files, RGB, gray, RGBA and palette PNGs) and images/expected.json: the pixels PIL decodes
(converted to RGB) and what torchvision's deterministic transforms (ToTensor, Normalize, Resize
bilinear with antialias=True on float tensors, CenterCrop) give for one image. ImageTests
compares SwiftGrad's decoders and transforms with them.

Run by a developer (never by the tests), from the repository root, with PIL, torch and
torchvision installed:
    /work/venv-numerics/bin/python Scripts/make_image_fixtures.py
"""
import json
import os
import random

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

root = "Tests/SwiftGradTests/Resources/images"
folder = os.path.join(root, "folder")
rng = random.Random(5)


def pixels(w, h, c):
    return np.array([rng.randrange(256) for _ in range(w * h * c)], dtype=np.uint8).reshape(h, w, c) if c > 1 else \
        np.array([rng.randrange(256) for _ in range(w * h)], dtype=np.uint8).reshape(h, w)


files = {
    "cat/b.png": Image.fromarray(pixels(17, 13, 3), "RGB"),
    "cat/a.jpg": Image.fromarray(pixels(16, 12, 3), "RGB"),
    "cat/nested/c.png": Image.fromarray(pixels(5, 4, 1), "L"),
    "dog/x.png": Image.fromarray(pixels(6, 7, 4), "RGBA"),
    "dog/y.png": Image.fromarray(pixels(9, 8, 3), "RGB").convert("P", palette=Image.ADAPTIVE, colors=16),
    "dog/notes.txt": None,
}
expected = {"files": {}}
for name, image in files.items():
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if image is None:
        with open(path, "w") as f:
            f.write("not an image\n")
        continue
    if name.endswith(".jpg"):
        image.save(path, quality=90)
    else:
        image.save(path)
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))
        expected["files"][name] = {"shape": list(rgb.shape), "rgb": rgb.reshape(-1).tolist(), "mode": im.mode}

# The transforms on ToTensor of cat/b.png (13 x 17).
with Image.open(os.path.join(folder, "cat/b.png")) as im:
    x = T.ToTensor()(im.convert("RGB"))


def enc(t):
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


expected["toTensor"] = enc(x)
expected["normalize"] = enc(T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])(x))
expected["resize7"] = enc(T.Resize(7, antialias=True)(x))                      # shrink: [3, 7, 9]
expected["resize5x11"] = enc(T.Resize((5, 11), antialias=True)(x))             # uneven shrink
expected["resize20x25"] = enc(T.Resize((20, 25), antialias=True)(x))           # enlarge
expected["centerCrop8"] = enc(T.CenterCrop(8)(x))
expected["centerCrop15x20"] = enc(T.CenterCrop((15, 20))(x))                   # larger: zero padding
gray = x[:, :4, :5]
expected["grayscale"] = enc(T.functional.rgb_to_grayscale(gray))
expected["adjust"] = {
    "brightness": enc(T.functional.adjust_brightness(gray, 1.3)),
    "contrast": enc(T.functional.adjust_contrast(gray, 0.6)),
    "saturation": enc(T.functional.adjust_saturation(gray, 1.7)),
    "hue": enc(T.functional.adjust_hue(gray, 0.2)),
}
with open(os.path.join(root, "expected.json"), "w") as f:
    json.dump(expected, f)
print("wrote", folder, "and", os.path.join(root, "expected.json"))
