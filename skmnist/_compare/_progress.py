"""Per-epoch progress lines while the models train."""

import contextlib
import io
import sys


class _EpochLines(io.TextIOBase):
    """A text stream that forwards each complete line to ``sink`` with a prefix.

    The estimators print ``Iteration N, loss = ...`` on stdout; redirected
    here, those lines become progress on stderr. On a terminal every line
    overwrites the previous one, so a 1,000-epoch fit takes a single line.
    """

    def __init__(self, prefix, sink, overwrite):
        self.prefix = prefix
        self.sink = sink
        self.overwrite = overwrite
        self._pending = ""
        self._shown = False

    def writable(self):
        return True

    def write(self, text):
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self._show(line.strip())
        return len(text)

    def _show(self, line):
        if self.overwrite:
            self.sink.write(f"\r\033[K{self.prefix}{line}")
        else:
            self.sink.write(f"{self.prefix}{line}\n")
        self.sink.flush()
        self._shown = True

    def close_line(self):
        """Clear the overwritten line, so that the next message starts clean."""
        if self.overwrite and self._shown:
            self.sink.write("\r\033[K")
            self.sink.flush()


class Progress:
    """Reports training progress on a stream (stderr), or nothing when quiet."""

    def __init__(self, stream=None, quiet=False):
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        isatty = getattr(self.stream, "isatty", None)
        self.overwrite = bool(isatty and isatty())

    def message(self, text):
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    @contextlib.contextmanager
    def epochs(self, prefix):
        """Route the estimators' per-epoch stdout lines to the progress stream."""
        if self.quiet:
            yield
            return
        lines = _EpochLines(prefix, self.stream, self.overwrite)
        try:
            with contextlib.redirect_stdout(lines):
                yield
        finally:
            lines.close_line()
