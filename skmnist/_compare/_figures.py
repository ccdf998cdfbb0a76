"""The comparison's PNG figures: learning curves, the race, and per model
what it learned and where it went wrong."""

import os
import types


def _fold_note(evaluation):
    return "" if evaluation.n_splits == 1 else f"fold 1 of {evaluation.n_splits}"


def _curve_sources(comparison):
    """Label -> object with ``loss_curve_`` (and, for races, held-out scores)."""
    sources = {r.spec.label: r.estimator for r in comparison.results}
    for race in comparison.races:
        sources[race.spec.label] = types.SimpleNamespace(
            loss_curve_=getattr(race.estimator, "loss_curve_", None),
            validation_scores_=race.curve_scores,
        )
    return sources


def write_figures(comparison, out_dir, *, max_misclassified=36):
    """Draw the comparison's PNG figures into ``out_dir``.

    Returns
    -------
    paths : list of str
        The files written: ``learning_curves.png`` (and
        ``time_to_accuracy.png`` with a race); per model
        ``weights_<model>.png`` (one image per class, linear models),
        ``hidden_units_<model>.png`` (networks), ``misclassified_<model>.png``
        and ``confusion_<model>.png``.
    """
    from .. import plotting

    dataset = comparison.dataset
    evaluation = comparison.evaluation
    shape = dataset.image_shape
    names = dataset.target_names
    written = []

    def save(fig, filename):
        path = os.path.join(out_dir, filename)
        plotting.save_figure(fig, path)
        written.append(path)

    fold = _fold_note(evaluation)
    save(
        plotting.plot_learning_curves(_curve_sources(comparison), title=fold or None),
        "learning_curves.png",
    )
    for race in comparison.races:
        target = race.target
        save(
            plotting.plot_time_to_accuracy(
                {race.spec.label: (race.curve_times, race.curve_scores)},
                goal=race.target_scores[0],
                goal_label=f"{target.spec.label} ({target.fit_times[0]:.2f} s)",
                goal_time=target.fit_times[0],
                title=fold or None,
            ),
            "time_to_accuracy.png",
        )
    for result in comparison.results:
        for fig, filename in _model_figures(
            plotting, result, evaluation, shape, names, max_misclassified
        ):
            save(fig, filename)
    return written


def _model_figures(plotting, result, evaluation, shape, names, max_misclassified):
    key, estimator = result.spec.key, result.estimator
    title = result.spec.label
    fold = _fold_note(evaluation)
    model_title = f"{title} ({fold})" if fold else title
    coef = _class_images(estimator, shape)
    if coef is not None:
        yield (
            plotting.plot_class_weights(
                coef, shape, class_names=names, title=model_title
            ),
            f"weights_{key}.png",
        )
    if _has_hidden_images(estimator, shape):
        yield (
            plotting.plot_hidden_units(estimator, shape, title=model_title),
            f"hidden_units_{key}.png",
        )
    yield (
        plotting.plot_misclassified(
            evaluation.heldout_X,
            evaluation.heldout_y,
            result.heldout_pred,
            shape,
            class_names=names,
            max_images=max_misclassified,
            title=title,
        ),
        f"misclassified_{key}.png",
    )
    yield (
        plotting.plot_confusion_matrix(
            evaluation.heldout_y,
            result.heldout_pred,
            class_names=names,
            title=title,
        ),
        f"confusion_{key}.png",
    )


def _class_images(estimator, shape):
    """Per-class weights (n_classes, pixels) of a linear model, else None.

    Linear models keep them in ``coef_``; MLPClassifier without a hidden
    layer keeps their transpose in ``coefs_[0]``.
    """
    n_pixels = shape[0] * shape[1]
    coef = getattr(estimator, "coef_", None)
    if coef is not None and coef.ndim == 2 and coef.shape[1] == n_pixels:
        return coef
    coefs = getattr(estimator, "coefs_", None)
    if coefs is not None and len(coefs) == 1 and coefs[0].shape[0] == n_pixels:
        return coefs[0].T
    return None


def _has_hidden_images(estimator, shape):
    coefs = getattr(estimator, "coefs_", None)
    return (
        coefs is not None
        and len(coefs) > 1
        and coefs[0].shape[0] == shape[0] * shape[1]
    )


_CAPTIONS = {
    "learning_curves": (
        "Training loss (left) and held-out accuracy after each epoch (right), "
        "one line per model{fold}. Each model has its own colour, line style "
        "and marker, so lines that coincide stay visible; a model that does "
        "not record a curve is absent from that panel."
    ),
    "time_to_accuracy": (
        "Held-out accuracy of {model} against seconds of training{fold}; the "
        "dashed line is the accuracy to reach, the square when its target "
        "model finished its whole fit."
    ),
    "weights": (
        "{model}: the weights of each class drawn as an image{fold} (red "
        "positive, blue negative): the strokes that speak for a class."
    ),
    "hidden_units": (
        "{model}: the input weights of the first hidden units{fold}, each drawn "
        "as an image (red positive, blue negative)."
    ),
    "misclassified": (
        "{model}: held-out images it got wrong, taken in turn from each true "
        "class; above each, the predicted class and, in brackets, the true one."
    ),
    "confusion": (
        "{model}: confusion matrix on the held-out rows (rows: true class, "
        "columns: predicted class, counts in the cells)."
    ),
}


def caption_of(path, comparison):
    """The caption of a figure :func:`write_figures` wrote, for the report."""
    stem = os.path.splitext(os.path.basename(path))[0]
    labels = {r.spec.key: r.spec.label for r in comparison.results}
    labels.update({race.spec.key: race.spec.label for race in comparison.races})
    fold = _fold_note(comparison.evaluation)
    fold = f" ({fold})" if fold else ""
    for prefix, template in _CAPTIONS.items():
        if stem == prefix or stem.startswith(prefix + "_"):
            key = stem[len(prefix) + 1 :]
            model = labels.get(
                key, ", ".join(race.spec.label for race in comparison.races)
            )
            return template.format(model=model, fold=fold)
    return stem.replace("_", " ")
