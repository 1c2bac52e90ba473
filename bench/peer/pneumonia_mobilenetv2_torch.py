"""The peer for bench/pneumonia.ts: torchvision's MobileNetV2 (width 0.35) features plus the same
head (GAP, Dense 256 relu, BN, Dropout 0.5, Dense 64 relu, Dropout 0.3, Dense 1 sigmoid), random
weights, eval mode, 2 threads. Prints one JSON line: median ms per image at the given batch size."""
import json
import statistics
import sys
import time

import torch
from torch import nn
from torchvision.models import mobilenet_v2

torch.set_num_threads(2)


def model():
    features = mobilenet_v2(width_mult=0.35).features  # ends at the 1280-channel ReLU6, like Keras's out_relu
    head = nn.Sequential(
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(1280, 256), nn.ReLU(), nn.BatchNorm1d(256, eps=1e-3), nn.Dropout(0.5),
        nn.Linear(256, 64), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(64, 1), nn.Sigmoid(),
    )
    return nn.Sequential(features, head).eval()


def main():
    batch, repeats = int(sys.argv[1]), int(sys.argv[2])
    net = model()
    x = torch.rand(batch, 3, 224, 224) * 2 - 1
    times = []
    with torch.no_grad():
        for i in range(repeats + 2):
            start = time.perf_counter()
            net(x)
            if i >= 2:
                times.append((time.perf_counter() - start) * 1000 / batch)
    print(json.dumps({"msPerImage": statistics.median(times), "batch": batch, "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
