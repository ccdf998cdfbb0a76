"""Training-time augmentation against our best plain fits and MLPClassifier.

In one process, on the same data (issue 13's bars in brackets):

1. MNIST: TwoLayerMLPClassifier trained on distorted digits, our best
   configuration without augmentation, and MLPClassifier's defaults:
   test accuracy and time [augmented: >= 0.990 in <= 5 minutes];
2. Fashion-MNIST: our fastest route to 0.90 [>= 0.90 in <= 1/5 of
   MLPClassifier's time], which is standardized pixels without
   augmentation; MLPClassifier with the same settings but for the weight
   averaging it lacks; and a longer fit with and without transforms that
   suit clothing (see FASHION_TRANSFORMS). Section "fashion-seeds" refits
   the fastest route with 5 seeds;
3. the course's 20x20 digits, 5-fold cross-validated.

Each row also gives the seconds per epoch of training and, measured apart on
the same images in minibatches of 200, of the augmentation alone. Times are
medians over ``--rounds`` interleaved rounds (each round fits every model of
a section once, MLPClassifier first); the fits are seeded, so each round
trains the same models and the accuracies are those of every round.

    python benchmarks/bench_augment.py [--quick] [--rounds N] [--only SECTION ...]

``--quick`` trains every model on 10,000 images for at most 10 epochs (3-fold
CV on the course digits): a check that everything runs, not the figures.
"""

import argparse
import os
import sys
import time

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _common import print_table, timed_fit
from skmnist import TwoLayerMLPClassifier
from skmnist.augmentation import (
    Compose,
    ElasticDistortion,
    RandomAffine,
    RandomHorizontalFlip,
    RandomShift,
)
from skmnist.datasets import fetch_fashion_mnist, fetch_mnist, get_data_home, load_mat

BATCH = 200
PEER = "MLPClassifier() defaults"
SECTIONS = ["mnist", "fashion", "fashion-seeds", "course"]
QUICK_SAMPLES, QUICK_EPOCHS = 10_000, 10


# Each configuration as README documents it. With augmentation the training
# loss is measured on fresh distortions and wobbles, so the no-improvement
# rule is switched off (n_iter_no_change = max_iter): the budget is the plan.
MNIST_AUGMENT = ElasticDistortion(alpha=34, sigma=4)
MNIST_AUGMENTED = dict(
    n_hidden=800, dropout=0.3, max_iter=100, n_iter_no_change=100, average=3_000_000
)
#: README's most accurate row without augmentation (the last 20 epochs averaged).
MNIST_PLAIN = dict(n_hidden=800, dropout=0.5, max_iter=40, average=1_200_000)

#: Fashion-MNIST's fastest route to 0.90: standardized pixels, no dropout,
#: minibatches of 500, 16 epochs, the last 11 averaged. No augmentation:
#: see the longer rows for what transforms do on Fashion-MNIST.
FASHION_FAST = dict(
    n_hidden=512, batch_size=500, learning_rate_init=2e-3, max_iter=16, average=300_000
)
#: A longer fit with and without transforms that suit clothing: mirror
#: images, the classic one, and a small affine wobble (what moves into the
#: image is ``fill``, 0: the mean pixel, once standardized).
FASHION_LONG = dict(
    n_hidden=800, dropout=0.3, max_iter=60, n_iter_no_change=60, average=1_800_000
)
FASHION_TRANSFORMS = {
    "no augmentation": None,
    "mirror images": RandomHorizontalFlip(p=0.5),
    "small affine": RandomAffine(degrees=5, scale=(0.95, 1.05), shear=0),
}

DIGITS20_AUGMENT = Compose(
    [
        ("shift", RandomShift(max_shift=1)),
        ("affine", RandomAffine(degrees=10, scale=(0.9, 1.1), shear=10)),
    ]
)
#: README's settings for the course digits, and with augmentation: 200
#: epochs, the last 100 averaged (on the 4,000 training digits of a fold).
DIGITS20_PLAIN = dict(n_hidden=200, dropout=0.5, learning_rate_init=2e-3, max_iter=60)
DIGITS20_AUGMENTED = dict(
    DIGITS20_PLAIN, max_iter=200, n_iter_no_change=200, average=400_000
)


def build(settings, n_samples, quick):
    """Our model with a row's settings; quick: few epochs, the last half averaged."""
    settings = dict(settings)
    if quick:
        settings["max_iter"] = min(settings["max_iter"], QUICK_EPOCHS)
        settings["n_iter_no_change"] = settings["max_iter"]
        if settings.get("average"):
            settings["average"] = settings["max_iter"] // 2 * n_samples
    return TwoLayerMLPClassifier(random_state=0, **settings)


def fit(model, augment, X, y):
    """Fit ``model`` on ``X`` distorted afresh by ``augment`` (None: plain)."""
    if augment is not None:
        final_step(model).set_params(augment=augment)
    return timed_fit(model, X, y, warm_up=True)


def augment_seconds_per_epoch(augment, X, repeats=2):
    """Seconds to distort all of X once, in minibatches as the trainer does."""
    if augment is None:
        return 0.0
    rng, best = np.random.default_rng(0), np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, len(X), BATCH):
            augment(X[i : i + BATCH], rng)
        best = min(best, time.perf_counter() - start)
    return best


def load_split(fetch, quick):
    try:
        train = fetch(subset="train")
        test = fetch(subset="test")
    except OSError as exc:
        sys.exit(f"{exc}")
    X, y = train.data, train.target
    if quick:
        X, y = X[:QUICK_SAMPLES], y[:QUICK_SAMPLES]
    return X, y, test.data, test.target


def final_step(model):
    """The classifier itself, also when it is a pipeline's last step."""
    return model.steps[-1][1] if hasattr(model, "steps") else model


def hold_out_rows(name, fetch, contenders, quick, rounds):
    """Train each contender on the training set; a row per contender.

    The contenders are fitted in interleaved rounds, so that a change in the
    machine's load hits all of them alike; each row shows median seconds.
    """
    X, y, X_test, y_test = load_split(fetch, quick)
    entries = list(contenders(len(y), quick))
    seconds = {label: [] for label, _, _ in entries}
    for _ in range(rounds):
        for label, model, augment in entries:
            X_fit = X.astype(np.float64) if label == PEER else X  # its default
            seconds[label].append(fit(model, augment, X_fit, y))
    reference = np.median(seconds[PEER])
    rows, settings = [], []
    for label, model, augment in entries:
        X_score = X_test.astype(np.float64) if label == PEER else X_test
        median, epochs = np.median(seconds[label]), int(final_step(model).n_iter_)
        rows.append(
            [
                label,
                f"{model.score(X_score, y_test):.4f}",
                f"{median:.1f}",
                epochs,
                f"{median / epochs:.2f}",
                f"{augment_seconds_per_epoch(augment, X):.2f}",
                f"{median / reference:.2f}x",
            ]
        )
        settings.append(f"{label}: {model!r}")  # augment, if any, is a parameter
    print(f"\n{name}: {len(y)} training images, {len(y_test)} test images")
    print(f"seconds: median of {rounds} interleaved round(s)")
    header = ["model", "test acc", "seconds", "epochs", "s/epoch", "augment s/epoch"]
    print_table([*header, "time vs MLPClassifier"], rows)
    print("\n".join(settings))


def mnist_contenders(n_samples, quick):
    max_iter = QUICK_EPOCHS if quick else 200
    yield PEER, MLPClassifier(random_state=0, max_iter=max_iter), None
    yield "ours, plain", build(MNIST_PLAIN, n_samples, quick), None
    augmented = build(MNIST_AUGMENTED, n_samples, quick)
    yield "ours, augmented", augmented, clone(MNIST_AUGMENT)


def fashion_contenders(n_samples, quick):
    max_iter = QUICK_EPOCHS if quick else 200
    yield PEER, MLPClassifier(random_state=0, max_iter=max_iter), None
    fast = make_pipeline(StandardScaler(), build(FASHION_FAST, n_samples, quick))
    yield "ours, standardized pixels", fast, None
    yield "MLPClassifier, the same settings", same_settings_peer(fast), None
    for label, augment in FASHION_TRANSFORMS.items():
        model = make_pipeline(StandardScaler(), build(FASHION_LONG, n_samples, quick))
        yield f"ours, longer, {label}", model, clone(augment) if augment else None


def same_settings_peer(ours):
    """MLPClassifier set as ``ours`` (a pipeline) is, but for the averaging it lacks."""
    clf = final_step(ours)
    peer = MLPClassifier(
        hidden_layer_sizes=(clf.n_hidden,),
        batch_size=clf.batch_size,
        learning_rate_init=clf.learning_rate_init,
        alpha=clf.alpha * clf.batch_size,  # its penalty is divided by the batch
        max_iter=clf.max_iter,
        random_state=0,
    )
    return make_pipeline(StandardScaler(), peer)


def fashion_seed_rows(quick, seeds=5):
    """The fastest route's accuracy and time for several seeds."""
    X, y, X_test, y_test = load_split(fetch_fashion_mnist, quick)
    rows = []
    for seed in range(seeds):
        model = build(FASHION_FAST, len(y), quick).set_params(random_state=seed)
        model = make_pipeline(StandardScaler(), model)
        seconds = fit(model, None, X, y)
        rows.append([seed, f"{model.score(X_test, y_test):.4f}", f"{seconds:.1f}"])
    accuracies = [float(row[1]) for row in rows]
    print(f"\nFashion-MNIST, the fastest route with {seeds} seeds")
    print_table(["random_state", "test acc", "seconds"], rows)
    print(
        f"mean {np.mean(accuracies):.4f}, range {min(accuracies):.4f} to "
        f"{max(accuracies):.4f}"
    )


def find_course_digits():
    for name in ("digits20x20.mat", "ex4data1.mat"):
        path = os.path.join(get_data_home(), name)
        if os.path.isfile(path):
            return path
    return None


def course_digits_rows(quick):
    """5-fold CV (3 in quick mode) of ours with and without augmentation."""
    path = find_course_digits()
    if path is None:
        print(f"\n(course digits skipped: no digits20x20.mat in {get_data_home()})")
        return
    # load_mat turns the course's column-major rows upright: X[i].reshape(20, 20).
    X, y = load_mat(path, return_X_y=True)
    folds = StratifiedKFold(3 if quick else 5, shuffle=True, random_state=0)
    rows, settings = [], []
    for label, config, augment in [
        ("ours, plain (README)", DIGITS20_PLAIN, None),
        ("ours, augmented", DIGITS20_AUGMENTED, DIGITS20_AUGMENT),
    ]:
        scores, seconds = [], []
        for train, test in folds.split(X, y):
            model = build(config, len(train), quick)
            fresh = None if augment is None else clone(augment)
            seconds.append(fit(model, fresh, X[train], y[train]))
            scores.append(model.score(X[test], y[test]))
        rows.append([label, f"{np.mean(scores):.4f}", f"{np.mean(seconds):.1f}"])
        settings.append(f"{label}: {model!r}")  # augment, if any, is a parameter
    print(f"\n{path}: {folds.get_n_splits()}-fold stratified CV, {len(y)} digits")
    print_table(["model", "CV acc", "fit s/fold"], rows)
    print("\n".join(settings))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SAMPLES} images, at most {QUICK_EPOCHS} epochs: a smoke run",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="interleaved rounds of the hold-out sections; times are medians",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=SECTIONS,
        help="run these sections (default: all)",
    )
    args = parser.parse_args()
    quick, rounds = args.quick, args.rounds
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if "mnist" in args.only:
        hold_out_rows("MNIST", fetch_mnist, mnist_contenders, quick, rounds)
    if "fashion" in args.only:
        hold_out_rows(
            "Fashion-MNIST", fetch_fashion_mnist, fashion_contenders, quick, rounds
        )
    if "fashion-seeds" in args.only:
        fashion_seed_rows(quick)
    if "course" in args.only:
        course_digits_rows(quick)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
