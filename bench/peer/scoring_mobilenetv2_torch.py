"""The peer for bench/scoring.ts: scores image files end to end the way a PyTorch script would.
Each file is decoded with Pillow (to grey, bilinear resize to 224x224, as the app's preprocessing),
copied to three channels and scaled to [-1, 1]; batches of 8 go through torchvision's
MobileNetV2 (width 0.35) features, global average pooling and the app's head (Dense 256 relu, BN,
Dropout, Dense 64 relu, Dropout, Dense 1, sigmoid). Random weights (same shapes as the app's
version; the cost does not depend on the values), eval mode, no_grad, 2 threads. The model is
built and run once before timing (kept warm, as the app's worker is). File paths on stdin, one a
line; prints one JSON line: the median of `runs` end-to-end wall times over all the files.
"""
import json
import statistics
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision.models import mobilenet_v2

torch.set_num_threads(2)
BATCH = 8
SIZE = 224


def model():
    features = mobilenet_v2(width_mult=0.35).features  # ends at the 1280-channel ReLU6, like Keras's out_relu
    head = nn.Sequential(
        nn.Linear(1280, 256), nn.ReLU(), nn.BatchNorm1d(256, eps=1e-3), nn.Dropout(0.5),
        nn.Linear(256, 64), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(64, 1),
    )
    return features.eval(), head.eval()


def load(path):
    grey = Image.open(path).convert("L").resize((SIZE, SIZE), Image.BILINEAR)
    return np.asarray(grey, dtype=np.float32)


def score_all(paths, features, head):
    probabilities = []
    with torch.no_grad():
        for start in range(0, len(paths), BATCH):
            batch = np.stack([load(p) for p in paths[start:start + BATCH]])
            x = torch.from_numpy(batch).unsqueeze(1).expand(-1, 3, -1, -1) / 127.5 - 1
            fmap = features(x)
            pooled = fmap.mean(dim=(2, 3))
            probabilities.extend(torch.sigmoid(head(pooled)).flatten().tolist())
    return probabilities


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    paths = [line.strip() for line in sys.stdin if line.strip()]
    features, head = model()
    score_all(paths[:BATCH], features, head)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        scores = score_all(paths, features, head)
        times.append(time.perf_counter() - start)
    assert len(scores) == len(paths)
    print(json.dumps({
        "seconds": statistics.median(times),
        "runs": times,
        "images": len(paths),
        "batch": BATCH,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
