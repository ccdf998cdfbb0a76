import os

# Without it scikit-learn skips its array-API checks; with it they run (on
# NumPy), so that parametrize_with_checks reports no skipped check at all.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
