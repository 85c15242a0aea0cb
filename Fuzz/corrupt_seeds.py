#!/usr/bin/env python3
"""Derives the corrupted seed files in Corpus/ from the valid ones (which SwiftGrad's own writers
made), and writes the CSV seeds. Deterministic; rerun after changing a valid seed:
    python3 Fuzz/corrupt_seeds.py
"""
import gzip, json, os, struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")

def put(kind, name, data):
    with open(os.path.join(root, kind, name), "wb") as f:
        f.write(data)

def get(kind, name):
    with open(os.path.join(root, kind, name), "rb") as f:
        return f.read()

def safetensors(header, data=b"", pad=True):
    h = json.dumps(header).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data

# safetensors ------------------------------------------------------------------------------------
v = get("safetensors", "valid-mixed.safetensors")
put("safetensors", "bad-truncated-data.safetensors", v[:-5])
put("safetensors", "bad-truncated-header.safetensors", v[:20])
put("safetensors", "bad-header-length-huge.safetensors", struct.pack("<Q", 1 << 62) + v[8:])
put("safetensors", "bad-header-length-past-end.safetensors", struct.pack("<Q", len(v)) + v[8:])
put("safetensors", "bad-json.safetensors", v[:8] + b"{\"w\": [" + v[15:])
put("safetensors", "bad-not-object.safetensors", safetensors([1, 2, 3]))
put("safetensors", "bad-offsets-out-of-range.safetensors",
    safetensors({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4000]}}, b"\0" * 8))
put("safetensors", "bad-offsets-overlap.safetensors",
    safetensors({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12))
put("safetensors", "bad-shape-overflow.safetensors",
    safetensors({"w": {"dtype": "F64", "shape": [1 << 40, 1 << 40], "data_offsets": [0, 8]}}, b"\0" * 8))
put("safetensors", "bad-negative-shape.safetensors",
    safetensors({"w": {"dtype": "F32", "shape": [-1, 2], "data_offsets": [0, 8]}}, b"\0" * 8))
put("safetensors", "bad-unknown-dtype.safetensors",
    safetensors({"w": {"dtype": "F8_E9", "shape": [2], "data_offsets": [0, 2]}}, b"\0" * 2))
put("safetensors", "bad-metadata-not-string.safetensors",
    safetensors({"__metadata__": {"k": 1}, "w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}, b"\1"))
put("safetensors", "valid-f16-bf16-bool.safetensors",
    safetensors({"h": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},
                 "b": {"dtype": "BF16", "shape": [2], "data_offsets": [4, 8]},
                 "m": {"dtype": "BOOL", "shape": [2], "data_offsets": [8, 10]}},
                struct.pack("<2e", 1.5, -0.25) + struct.pack("<2H", 0x3F80, 0xC000) + b"\1\0"))

# checkpoint -------------------------------------------------------------------------------------
c = get("checkpoint", "valid-model-adam-generator.ckpt")
put("checkpoint", "bad-truncated.ckpt", c[: len(c) // 2])
n = struct.unpack("<Q", c[:8])[0]
header = json.loads(c[8 : 8 + n])
data = c[8 + n :]
def ckpt(mutate):
    h = json.loads(json.dumps(header))
    mutate(h)
    return safetensors(h, data)
put("checkpoint", "bad-version.ckpt", ckpt(lambda h: h["__metadata__"].update({"swiftgrad.checkpoint": "99"})))
put("checkpoint", "bad-epoch.ckpt", ckpt(lambda h: h["__metadata__"].update({"swiftgrad.epoch": "x"})))
put("checkpoint", "bad-components.ckpt", ckpt(lambda h: h["__metadata__"].update({"swiftgrad.components": "model"})))
put("checkpoint", "bad-no-metadata.ckpt", ckpt(lambda h: h.pop("__metadata__")))
def reshape_first_model_tensor(h):
    k = sorted(x for x in h if x.startswith("model.") and len(h[x]["shape"]) == 2)[0]
    h[k]["shape"] = list(reversed(h[k]["shape"]))
put("checkpoint", "bad-model-shape.ckpt", ckpt(reshape_first_model_tensor))
def retype_generator(h):
    h["generator.state"]["dtype"] = "F64"
put("checkpoint", "bad-generator-dtype.ckpt", ckpt(retype_generator))

def add_scheduler(h, d):
    """StepLR's state (last_epoch, step_count, base_lrs, last_lr) as a 'scheduler' component."""
    extra = struct.pack("<q", 3) + struct.pack("<q", 4) + struct.pack("<d", 0.01) + struct.pack("<d", 0.001)
    base = len(d)
    h["scheduler.last_epoch"] = {"dtype": "I64", "shape": [], "data_offsets": [base, base + 8]}
    h["scheduler.step_count"] = {"dtype": "I64", "shape": [], "data_offsets": [base + 8, base + 16]}
    h["scheduler.base_lrs"] = {"dtype": "F64", "shape": [1], "data_offsets": [base + 16, base + 24]}
    h["scheduler.last_lr"] = {"dtype": "F64", "shape": [1], "data_offsets": [base + 24, base + 32]}
    h["__metadata__"]["swiftgrad.components"] += ",scheduler"
    return d + extra
h = json.loads(json.dumps(header))
put("checkpoint", "valid-with-scheduler.ckpt", safetensors(h, add_scheduler(h, data)))
h = json.loads(json.dumps(header))
d = add_scheduler(h, data)
h["scheduler.last_epoch"]["dtype"] = "F64"
d = d[: h["scheduler.last_epoch"]["data_offsets"][0]] + struct.pack("<d", float("nan")) + d[h["scheduler.last_epoch"]["data_offsets"][1] :]
put("checkpoint", "bad-scheduler-nan-epoch.ckpt", safetensors(h, d))
h = json.loads(json.dumps(header))
k = sorted(x for x in h if x.startswith("optimizer.state.") and x.endswith(".step"))[0]
h[k]["dtype"] = "F64"
o = h[k]["data_offsets"][0]
put("checkpoint", "bad-optimizer-huge-step.ckpt", safetensors(h, data[:o] + struct.pack("<d", 1e300) + data[o + 8 :]))

# IDX --------------------------------------------------------------------------------------------
i = get("idx", "valid-labels-idx1-ubyte")
put("idx", "bad-magic", b"\1\0" + i[2:])
put("idx", "bad-type", i[:2] + b"\x42" + i[3:])
put("idx", "bad-truncated", i[:-2])
put("idx", "bad-extra-data", i + b"\0\0")
put("idx", "bad-huge-shape", b"\0\0\x08\x03" + b"\xff\xff\xff\xff" * 3 + b"\0" * 16)
put("idx", "bad-huge-shape.gz", gzip.compress(b"\0\0\x08\x02" + b"\x00\x10\x00\x00" * 2 + b"\0" * 64, mtime=0))
put("idx", "bad-rank-zero", b"\0\0\x08\x00")
g = get("idx", "valid-images-idx3-ubyte.gz")
put("idx", "bad-corrupt.gz", g[:20] + bytes(b ^ 0x5A for b in g[20:30]) + g[30:])
put("idx", "bad-truncated.gz", g[: len(g) - 12])

# CSV (the first byte is the fuzz target's control byte: label column, header mode, separator) ---
csv = {
    "valid-header.csv": b"\x03" + b"x,y,label\n1,2,0\n3.5,-4,1\n# comment\n\n5,6e3,2\n",
    "valid-noheader.csv": b"\x0b" + b"1,2,3\n4,5,6\n",
    "valid-quoted.csv": b"\x03" + b"\"a\",\"b, c\",\"label\"\n\"1\",\"2\",0\n",
    "valid-semicolon-crlf.csv": b"\x23" + b"a;b;c\r\n1;2;3\r\n4;5;6\r\n",
    "valid-named-label.csv": b"\x80" + b"f,label\n0.5,1\n0.25,0\n",
    "bad-ragged.csv": b"\x03" + b"a,b,c\n1,2,3\n4,5\n",
    "bad-not-a-number.csv": b"\x03" + b"a,b\n1,x\n",
    "bad-label-fraction.csv": b"\x03" + b"a,b\n1,0.5\n",
    "bad-empty.csv": b"\x03" + b"\n# only a comment\n",
    "bad-header-only.csv": b"\x03" + b"a,b,c\n",
    "bad-unterminated-quote.csv": b"\x03" + b"a,b\n\"1,2\n",
    "bad-huge-label.csv": b"\x03" + b"a,b\n1,1e300\n",
}
for name, data in csv.items():
    put("csv", name, data)
