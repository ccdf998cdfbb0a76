"""Do the parallel kernels pay here? One fit's epoch with them on and off.

784-800-10 (Adam's update over 636,010 parameters is split in slices) and
the same with dropout and elastic distortions (each batch's resampling is
split by images), full MNIST float32, default BLAS threads, in interleaved
rounds: ``SKMNIST_KERNEL_THREADS=1`` (off, the default) against the cores
present. Prints medians and the per-round ratio off / on.

    python benchmarks/bench_kernel_threads.py [--rounds N]
"""

import argparse
import os

import numpy as np

from _common import (
    environment,
    interleaved_rounds,
    load_mnist,
    ratio_text,
    seconds_text,
    timed_fit,
)
from skmnist import TwoLayerMLPClassifier
from skmnist.augmentation import ElasticDistortion

MODELS = {
    "784-800-10 Adam, 2 epochs": TwoLayerMLPClassifier(
        800, max_iter=2, tol=0, random_state=0
    ),
    "784-800-10, dropout 0.3, elastic, 1 epoch": TwoLayerMLPClassifier(
        800,
        dropout=0.3,
        augment=ElasticDistortion(34, 4),
        max_iter=1,
        tol=0,
        random_state=0,
    ),
}


def timer(model, X, y, threads):
    def run():
        with environment("SKMNIST_KERNEL_THREADS", str(threads)):
            return timed_fit(model, X, y, warm_up=True) / model.n_iter_

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    rounds = parser.parse_args().rounds
    X, y, _, _ = load_mnist(np.float32)
    cores = os.cpu_count() or 1
    print(f"Seconds per epoch, {cores} cores, medians of {rounds} rounds")
    for name, model in MODELS.items():
        times = interleaved_rounds(
            {1: timer(model, X, y, 1), cores: timer(model, X, y, cores)}, rounds
        )
        print(
            f"{name}: kernels on 1 thread {seconds_text(times[1])}, on {cores} "
            f"{seconds_text(times[cores])}; off / on {ratio_text(times[1], times[cores])}"
        )


if __name__ == "__main__":
    main()
