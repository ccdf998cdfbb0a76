"""Progress on stderr while the models train: one line per model.

On a terminal the line of the model in training shows its latest epoch,
overwritten in place, and ends with the model's result. Elsewhere (a log
file, a pipe) nothing is overwritten: each model's line grows by a word per
fold and ends with its result, so a log holds one line per model.
"""

import contextlib
import io
import sys


class _EpochLines(io.TextIOBase):
    """A text stream handing each complete line to ``show``.

    The estimators print ``Iteration N, loss = ...`` on stdout; redirected
    here, those lines become the status of the model's progress line.
    """

    def __init__(self, show):
        self.show = show
        self._pending = ""

    def writable(self):
        return True

    def write(self, text):
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self.show(line.strip())
        return len(text)


class Progress:
    """Reports training progress on a stream (stderr), or nothing when quiet.

    Parameters
    ----------
    stream : file, default=None
        Where to write; ``sys.stderr`` by default.
    quiet : bool, default=False
        Print no progress (warnings are still printed).
    live : bool, default=None
        Overwrite a status line per epoch; by default when ``stream`` is a
        terminal.
    """

    def __init__(self, stream=None, quiet=False, live=None):
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        if live is None:
            isatty = getattr(self.stream, "isatty", None)
            live = bool(isatty and isatty())
        self.live = live and not quiet
        self._label = None  # the model whose line is open
        self._status_shown = False
        self._warned = set()

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def message(self, text):
        """A line of its own (a plan, a note)."""
        if not self.quiet:
            self.end_line()
            self._write(f"{text}\n")

    def warning(self, text):
        """A warning: printed even when quiet, each text once."""
        if text in self._warned:
            return
        self._warned.add(text)
        self.end_line()
        self._write(f"skmnist: warning: {text}\n")

    def start_model(self, label):
        """Open the line of one model."""
        if self.quiet:
            return
        self.end_line()
        self._label = label
        if not self.live:
            self._write(f"{label}:")

    def step(self, text):
        """Record a step of the open line (a fold): a word appended off a
        terminal, the status on one."""
        if self.quiet or self._label is None:
            return
        if self.live:
            self.status(text)
        else:
            self._write(f" {text}")

    def status(self, text):
        """The open line's transient status (terminals only)."""
        if self.live and self._label is not None:
            self._write(f"\r\033[K{self._label}: {text}")
            self._status_shown = True

    def finish_model(self, text):
        """Close the open line with the model's result."""
        if self.quiet or self._label is None:
            return
        if self.live:
            self._write(f"\r\033[K{self._label}: {text}\n")
        else:
            self._write(f" {text}\n")
        self._label = None
        self._status_shown = False

    def end_line(self):
        """End an open line (before a message, or when interrupted)."""
        if self._label is None:
            return
        if not self.live:
            self._write("\n")
        elif self._status_shown:
            self._write("\r\033[K")
        self._label = None
        self._status_shown = False

    @contextlib.contextmanager
    def epochs(self, prefix=""):
        """Show the estimators' per-epoch stdout lines as the status (terminals
        only; elsewhere the estimators are not asked to print them)."""
        if not self.live:
            yield
            return
        lines = _EpochLines(lambda line: self.status(f"{prefix}{line}"))
        with contextlib.redirect_stdout(lines):
            yield
