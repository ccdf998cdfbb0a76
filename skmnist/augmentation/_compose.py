"""Several transforms in a row, with named steps as in a scikit-learn Pipeline."""

from sklearn.base import BaseEstimator

from ._batch import as_generator, check_batch


class Compose(BaseEstimator):
    """Apply several transforms in turn, each to the previous one's output.

    Steps are named as in a :class:`~sklearn.pipeline.Pipeline`, and their
    parameters are reached the same way: ``compose.set_params(shift__max_shift=3)``,
    or ``"clf__augment__shift__max_shift"`` in a grid search over a
    classifier whose ``augment`` is this object; ``set_params(shift=...)``
    replaces the step named ``shift``. A step set to ``"passthrough"`` (or
    None) is skipped, so a grid can switch it off.

    Parameters
    ----------
    steps : list of (str, transform) pairs
        The transforms, in order, each with a unique name (without ``__``);
        a pair may be a tuple or a list, as in a Pipeline. A transform is
        any callable ``(X, rng) -> X_new``, usually one of this module.
        Malformed steps are reported, with a ValueError or TypeError, when
        the transform is called; ``get_params`` then lists only ``steps``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import Compose, ElasticDistortion, RandomShift
    >>> augment = Compose([("shift", RandomShift(2)), ("elastic", ElasticDistortion())])
    >>> augment.get_params()["shift__max_shift"]
    2
    >>> augment = augment.set_params(elastic="passthrough", shift__max_shift=0)
    >>> X = np.random.default_rng(0).random((3, 784))
    >>> bool(np.array_equal(augment(X, 0), X))
    True
    """

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, X, rng=None):
        """Apply each step in turn; see :class:`RandomShift` for the arguments."""
        steps = self._checked_steps()
        X = check_batch(X)
        rng = as_generator(rng)
        out = None
        for _, step in steps:
            if not _skipped(step):
                out = step(X if out is None else out, rng)
        return X.copy() if out is None else out

    def _checked_steps(self):
        """The steps as (name, transform) pairs; a clear error for bad ones."""
        if not isinstance(self.steps, (list, tuple)):
            raise TypeError(
                "steps must be a list of (name, transform) pairs; got "
                f"{type(self.steps).__name__} {self.steps!r}."
            )
        pairs = []
        for position, item in enumerate(self.steps):
            if not (isinstance(item, (list, tuple)) and len(item) == 2):
                raise ValueError(
                    "Each step must be a (name, transform) pair, as a tuple or a "
                    f"list; step {position} is {item!r}."
                )
            _check_transform(*item)
            pairs.append(tuple(item))
        self._check_names([name for name, _ in pairs])
        return pairs

    def _check_names(self, names):
        reserved = self._get_param_names()
        for name in names:
            if not isinstance(name, str) or "__" in name or name in reserved:
                raise ValueError(
                    f"Step names must be strings without '__' and other than "
                    f"{reserved}; got {name!r}."
                )
        if len(set(names)) != len(names):
            raise ValueError(f"Step names must be unique; got {names}.")

    def _step_names(self):
        """The names of well-formed steps, or [] when they are not."""
        try:
            return [name for name, _ in self.steps]
        except (TypeError, ValueError):
            return []

    def get_params(self, deep=True):
        """The parameters; with ``deep``, each step and its own as ``name__param``.

        Parameters
        ----------
        deep : bool, default=True
            Also list the steps by name and their parameters.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=False)
        if not deep:
            return params
        try:
            named = dict(self.steps)
        except (TypeError, ValueError):
            # Malformed steps: only ``steps`` (so that repr, clone and
            # set_params still work); calling the transform says what is wrong.
            return params
        reserved = set(params)
        for name, step in named.items():
            if name in reserved:  # refused when called; must not hide ``steps``
                continue
            params[name] = step
            if hasattr(step, "get_params") and not isinstance(step, type):
                for key, value in step.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params):
        """Set ``steps``, replace a step by its name, or set ``name__param``.

        ``steps`` is set first, then steps are replaced, then their
        parameters are set, so one call can do all three.

        Parameters
        ----------
        **params : dict
            Parameter names (see :meth:`get_params`) and their new values.

        Returns
        -------
        self : Compose
            This object.
        """
        if "steps" in params:
            self.steps = params.pop("steps")
        names = self._step_names()
        replacing = {key: params.pop(key) for key in list(params) if key in names}
        if replacing:
            self.steps = [
                (name, replacing[name]) if name in replacing else item
                for name, item in zip(names, self.steps)
            ]
        self._check_nested_targets(params)
        return super().set_params(**params)

    def _check_nested_targets(self, params):
        """A clear error for ``name__param`` when step ``name`` has no parameters."""
        steps = {
            name: step
            for name, (_, step) in zip(self._step_names(), self.steps)
            if isinstance(name, str)
        }
        for key in params:
            name, nested, _ = key.partition("__")
            if not nested or name not in steps:
                continue  # BaseEstimator.set_params reports unknown names
            step = steps[name]
            if isinstance(step, type) or not hasattr(step, "set_params"):
                raise ValueError(
                    f"Cannot set {key!r}: step {name!r} is {step!r}, which has "
                    "no parameters to set; replace the step instead "
                    f"(set_params({name}=...))."
                )


def _check_transform(name, step):
    """A clear error for a step that is neither a transform nor skipped."""
    if _skipped(step):
        return
    if isinstance(step, type):
        raise TypeError(
            f"Step {name!r} is the class {step.__name__}, not a transform; "
            f"pass an instance, e.g. {step.__name__}()."
        )
    if not callable(step):
        raise TypeError(
            f"Step {name!r} is {step!r}, which is not callable; a step "
            "must be a transform (X, rng) -> X_new or 'passthrough'."
        )


def _skipped(step):
    return step is None or (isinstance(step, str) and step == "passthrough")
