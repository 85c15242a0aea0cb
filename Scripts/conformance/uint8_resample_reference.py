"""Prints PyTorch's uint8 bilinear/bicubic interpolation of a small image, the reference values of
ConformanceUnsupportedFeatureTests.uint8BilinearAndBicubicMatchPyTorch (run by a developer, with torch;
the CPU kernel for uint8 with at most 4 channels is the AVX2 fixed-point one)."""
import torch
import torch.nn.functional as F

x = torch.tensor([[[[0, 255, 17, 200], [3, 254, 128, 64], [90, 10, 250, 5]],
                   [[1, 2, 3, 4], [250, 251, 252, 253], [0, 0, 255, 255]],
                   [[77, 78, 200, 10], [9, 99, 199, 255], [128, 127, 126, 125]]]], dtype=torch.uint8)
print(x.flatten().tolist())
for mode, size, ac in [('bilinear', (5, 6), False), ('bilinear', (5, 6), True), ('bicubic', (5, 3), False), ('bicubic', (2, 7), True)]:
    print(mode, size, ac, F.interpolate(x, size=size, mode=mode, align_corners=ac).flatten().tolist())
print('scale 1.7', F.interpolate(x, scale_factor=1.7, mode='bilinear', align_corners=False).flatten().tolist())
