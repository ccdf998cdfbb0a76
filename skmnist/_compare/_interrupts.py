"""Ctrl-C is a failure, even when a model catches it.

scikit-learn's MLPClassifier catches ``KeyboardInterrupt`` inside ``fit``,
warns "Training interrupted by user." and returns the model trained so far;
skmnist's estimators do the same. A comparison that carried on from there
would print timings and accuracies of half-trained models as if complete.
:func:`interrupts_are_failures` turns both signs of an interrupt -- that
warning, or a SIGINT counted by the handler :func:`install` sets -- back into
``KeyboardInterrupt``.
"""

import contextlib
import signal
import sys
import threading
import warnings

#: How both libraries' interrupt warnings begin.
INTERRUPT_WARNING = "Training interrupted by user"

_sigint_count = 0


def _count_and_raise(signum, frame):
    global _sigint_count
    _sigint_count += 1
    raise KeyboardInterrupt


def install():
    """Count every SIGINT (still raising ``KeyboardInterrupt`` as usual).

    Left alone when SIGINT is ignored (a background job) or handled by
    someone else, and outside the main thread, where it cannot be set.

    Returns
    -------
    restore : callable
        Puts the previous handler back.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        return lambda: None
    previous_hook = sys.unraisablehook
    signal.signal(signal.SIGINT, _count_and_raise)
    sys.unraisablehook = _quiet_about_interrupts(previous_hook)

    def restore():
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = previous_hook

    return restore


def _quiet_about_interrupts(previous_hook):
    """An unraisable-exception hook that says nothing of a counted Ctrl-C.

    A Ctrl-C that lands in a C callback (numba's compiler calls back into
    Python) cannot propagate, and Python would print its traceback. The
    handler has counted it, so the run still fails, with one line.
    """

    def hook(unraisable):
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous_hook(unraisable)

    return hook


def ignore_from_now():
    """Ignore Ctrl-C from now on: the run's results are out.

    Called once the table is printed and ``--out`` written, so that a Ctrl-C
    in the last moments (interpreter shutdown included) cannot turn a
    finished run into a failure. Outside the main thread, nothing to do.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def sigint_count():
    """SIGINTs seen since :func:`install` (0 without it)."""
    return _sigint_count


def is_interrupt_warning(record):
    """Whether a recorded warning is a model's "Training interrupted by user"."""
    return str(record.message).startswith(INTERRUPT_WARNING)


@contextlib.contextmanager
def interrupts_are_failures():
    """Record the block's warnings; raise KeyboardInterrupt if it was interrupted.

    Yields the list the warnings are recorded into, for the caller to look at
    (convergence) once the block is over.
    """
    before = sigint_count()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    if sigint_count() != before or any(is_interrupt_warning(w) for w in caught):
        raise KeyboardInterrupt
