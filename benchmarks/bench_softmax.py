"""SoftmaxSGDClassifier vs scikit-learn's linear classifiers on full MNIST.

Same data (float64 pixels / 255, as most users feed it), same process, one
run. Bar (issue #2): test accuracy within 0.002 of LogisticRegression's in at
most 1/5 of its fit time.

    python benchmarks/bench_softmax.py
"""

import numpy as np
from sklearn.linear_model import LogisticRegression, SGDClassifier

from _common import load_mnist, n_epochs, print_table, timed_fit
from skmnist import SoftmaxSGDClassifier


def main():
    X_train, y_train, X_test, y_test = load_mnist(np.float64)
    models = {
        "SoftmaxSGDClassifier()": SoftmaxSGDClassifier(random_state=0),
        "LogisticRegression()": LogisticRegression(),
        "SGDClassifier(log_loss, early_stopping)": SGDClassifier(
            loss="log_loss", early_stopping=True, random_state=0
        ),
    }
    results = {}
    for name, model in models.items():
        seconds = timed_fit(model, X_train, y_train, warm_up=True)
        results[name] = (model.score(X_test, y_test), seconds, n_epochs(model))
    reference_accuracy, reference_time, _ = results["LogisticRegression()"]
    rows = [
        [
            name,
            f"{acc:.4f}",
            f"{acc - reference_accuracy:+.4f}",
            f"{seconds:.2f}",
            epochs,
            f"{reference_time / seconds:.1f}x",
        ]
        for name, (acc, seconds, epochs) in results.items()
    ]
    print("Full MNIST, 60,000 train / 10,000 test, float64 pixels / 255")
    print_table(
        ["model", "test acc", "vs LogReg", "fit s", "epochs/iters", "speed vs LogReg"],
        rows,
    )


if __name__ == "__main__":
    main()
