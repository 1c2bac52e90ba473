"""The peer for our benchmarks: the textbook CIFAR-10 CNN in PyTorch, same layers, same batch,
2 threads. Prints one JSON line: ms per training step (median) or images/s for inference."""
import json
import statistics
import sys
import time

import torch
from torch import nn

torch.set_num_threads(2)


def block(cin, cout, bn):
    layers = [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]
    return layers + ([nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)] if bn else [])


def textbook_cnn():
    return nn.Sequential(
        *block(3, 32, True), *block(32, 32, False), nn.MaxPool2d(2), nn.Dropout(0.25),
        *block(32, 64, True), *block(64, 64, False), nn.MaxPool2d(2), nn.Dropout(0.25),
        *block(64, 128, True), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(2048, 512), nn.ReLU(), nn.BatchNorm1d(512, eps=1e-3, momentum=0.01),
        nn.Dropout(0.5), nn.Linear(512, 10),
    )


def main():
    mode, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    model = textbook_cnn()
    x = torch.rand(batch, 3, 32, 32)
    if mode == "train":
        y = torch.randint(0, 10, (batch,))
        # Keras's L2(1e-4) adds 1e-4 * sum(w^2) to the loss; weight_decay 2e-4 on those weights is the same gradient.
        decayed = [m.weight for m in model if isinstance(m, (nn.Conv2d, nn.Linear))][:-1]
        others = [p for p in model.parameters() if all(p is not d for d in decayed)]
        opt = torch.optim.Adam([{"params": decayed, "weight_decay": 2e-4}, {"params": others}], lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        model.train()
        times = []
        for i in range(steps + 2):
            t = time.perf_counter()
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            if i >= 2:
                times.append((time.perf_counter() - t) * 1000)
        print(json.dumps({"msPerStep": statistics.median(times)}))
    else:
        model.eval()
        with torch.no_grad():
            model(x)
            t = time.perf_counter()
            for _ in range(steps):
                torch.softmax(model(x), 1)
            elapsed = time.perf_counter() - t
        print(json.dumps({"imagesPerSecond": batch * steps / elapsed}))


main()
