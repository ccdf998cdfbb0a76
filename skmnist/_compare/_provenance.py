"""What a saved result needs to be reproduced and trusted later."""

import importlib.metadata
import os
import platform

_LIBRARIES = ("numpy", "scipy", "scikit-learn", "numba", "threadpoolctl", "matplotlib")

# threadpoolctl's description of each BLAS/OpenMP library, minus its file path.
_POOL_FIELDS = (
    "user_api",
    "internal_api",
    "prefix",
    "version",
    "num_threads",
    "threading_layer",
    "architecture",
)


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _usable_cores():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def thread_pools():
    """The BLAS and OpenMP libraries loaded, with their current thread counts."""
    from threadpoolctl import threadpool_info

    return [
        {name: pool.get(name) for name in _POOL_FIELDS} for pool in threadpool_info()
    ]


def running_blas_threads():
    """The most threads any loaded BLAS library runs now (None: no BLAS seen)."""
    counts = [
        pool["num_threads"] for pool in thread_pools() if pool["user_api"] == "blas"
    ]
    return max(counts) if counts else None


def environment():
    """Versions, machine and thread pools, as JSON-ready values.

    Call it while the thread limits of the run are in force, so that the
    thread counts are those the models ran with.
    """
    from .. import __version__

    versions = {"python": platform.python_version(), "skmnist": __version__}
    versions.update({name: _version(name) for name in _LIBRARIES})
    return {
        "versions": versions,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "usable_cores": _usable_cores(),
        "thread_pools": thread_pools(),
    }
