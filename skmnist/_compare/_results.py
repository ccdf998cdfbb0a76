"""What a comparison found: per model, per race, per pair, and in all."""

from dataclasses import dataclass, field

import numpy as np

from ._contenders import ModelSpec
from ._datasets import Dataset
from ._evaluation import Evaluation


@dataclass
class ModelResult:
    """Scores, timings and the first split's fitted model, for one model."""

    spec: ModelSpec
    params: dict = None
    kernels: str = None
    test_scores: list = field(default_factory=list)
    train_scores: list = field(default_factory=list)
    fit_times: list = field(default_factory=list)
    iterations: list = field(default_factory=list)
    stopped_at_max_iter: list = field(default_factory=list)
    estimator: object = None
    heldout_pred: np.ndarray = None
    #: The peer's time per epoch / this model's (skmnist's side of a pair).
    speed_vs_peer: float = None

    @property
    def test_accuracy(self):
        return float(np.mean(self.test_scores))

    @property
    def test_accuracy_std(self):
        return float(np.std(self.test_scores)) if len(self.test_scores) > 1 else None

    @property
    def train_accuracy(self):
        return float(np.mean(self.train_scores))

    @property
    def fit_time(self):
        return float(np.mean(self.fit_times))

    @property
    def mean_iterations(self):
        return float(np.mean(self.iterations)) if self.iterations else None

    @property
    def mean_epochs(self):
        return self.mean_iterations if self.spec.counts_epochs else None

    @property
    def time_per_epoch(self):
        if not (self.spec.counts_epochs and self.iterations):
            return None
        return float(np.sum(self.fit_times) / np.sum(self.iterations))

    @property
    def converged(self):
        return not any(self.stopped_at_max_iter)


@dataclass
class RaceResult:
    """Time until our model first reached the accuracy its target ended with.

    Per split: ``target_scores`` (the target's held-out accuracy),
    ``times`` (seconds of training until reached, or all the epochs run when
    not), ``epochs`` and ``reached``. ``curve_times``/``curve_scores`` are
    the first split's held-out accuracy after each epoch.
    """

    spec: ModelSpec
    target: ModelResult
    params: dict = None
    kernels: str = None
    target_scores: list = field(default_factory=list)
    times: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    reached: list = field(default_factory=list)
    curve_times: list = field(default_factory=list)
    curve_scores: list = field(default_factory=list)
    estimator: object = None

    @property
    def all_reached(self):
        return all(self.reached)

    @property
    def time(self):
        return float(np.mean(self.times))

    @property
    def mean_epochs(self):
        return float(np.mean(self.epochs))

    @property
    def speedup(self):
        """The target's whole fit time / our time to its accuracy."""
        if not self.all_reached:
            return None
        return self.target.fit_time / max(self.time, 1e-12)


@dataclass
class Pair:
    """skmnist's model and its like-for-like scikit-learn peer."""

    ours: ModelResult
    peer: ModelResult
    title: str
    held_equal: str
    #: Parameters that differ (empty by construction; checked at run time).
    mismatches: list


@dataclass
class Comparison:
    """Everything :func:`run_comparison` found, ready to print and save."""

    dataset: Dataset
    evaluation: Evaluation
    results: list
    races: list = field(default_factory=list)
    pairs: list = field(default_factory=list)
    #: What skmnist's training step ran on: "numba <version>" or "numpy".
    kernels: str = "numpy"
    random_state: int = 0
    started_at: str = None
    #: Versions, machine and thread pools (see ``_provenance.environment``).
    environment: dict = None
    #: BLAS threads every model ran with, as the BLAS library reported them
    #: while the run's limit was in force (None: unknown).
    threads: int = None
    #: What --threads asked for (None: the libraries' default).
    threads_requested: int = None
    #: The plan line printed before training (None when not made).
    plan: str = None

    def result(self, key):
        return next((r for r in self.results if r.spec.key == key), None)

    def paired_keys(self):
        return {r.spec.key for pair in self.pairs for r in (pair.ours, pair.peer)}
