#!/usr/bin/env python3
"""Peer figure for benchmarks/inputs: CPU ms per image of torchvision's PIL path
(open + convert("RGB") + Resize/CenterCrop/ToTensor/Normalize), one thread, same photos and
Fashion-MNIST samples as thaw-inputs-bench. Command: python3 benchmarks/inputs/peer_torchvision.py
"""
import gzip, time
import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

torch.set_num_threads(1)
IMAGENET = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                      T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
F224 = T.Compose([T.Resize(224), T.CenterCrop(224), T.ToTensor(),
                  T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

def cpu_ms(fn, n):
    t = time.process_time()
    for i in range(n): fn(i)
    return (time.process_time() - t) * 1000 / n

photos = [f"/usr/local/share/thaw/photos/{f}" for f in ["dog.jpg", "eagle.jpg", "horses.jpg"]]
ms = cpu_ms(lambda i: IMAGENET(Image.open(photos[i % 3]).convert("RGB")), 60)
print(f"torchvision PIL path, real JPEG photos → imagenet 256/224: {ms:.2f} CPU ms/image ({1000 / ms:.0f} img/s per core)")
raw = np.frombuffer(gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").read()[16:], np.uint8).reshape(-1, 28, 28)
ms = cpu_ms(lambda i: F224(Image.fromarray(raw[i], "L").convert("RGB")), 300)
print(f"torchvision PIL path, Fashion-MNIST → imagenet 224/224: {ms:.2f} CPU ms/image ({1000 / ms:.0f} img/s per core)")
