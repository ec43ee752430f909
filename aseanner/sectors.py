"""Multi-label sector classifier: one logistic regression per sector, thresholds per label.

Follows scikit-learn's estimator contract. Rows whose labels are missing
(``NaN`` in ``Y``, e.g. NER-only records) are dropped before fitting: they
never count as negatives.

>>> import numpy as np, scipy.sparse as sp
>>> X = sp.csr_matrix(np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=float))
>>> Y = np.array([[1, 0], [0, 1], [1, 0], [np.nan, np.nan]])
>>> clf = SectorClassifier(C=10.0).fit(X, Y)
>>> clf.predict(X[:2]).tolist()
[[1, 0], [0, 1]]
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .linear import LinearEstimator, check_fitted


class SectorClassifier(LinearEstimator):
    """Independent binary logistic regressions, one per label column of ``Y``.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength of every per-label model.
    class_weight : "balanced" or None
        Re-weights positives, which are rare for most sectors.
    threshold : float
        Decision threshold until :meth:`tune_thresholds` sets per-label ones.
    cue_threshold : float or None
        Decision threshold of a label in a paragraph that names one of its cue
        words (``cued``, see :meth:`predict`); the per-label thresholds then
        apply to the other paragraphs. None: one threshold per label for all.
    """

    def __init__(self, C: float = 4.0, class_weight: str | None = "balanced", threshold: float = 0.5,
                 cue_threshold: float | None = None):
        self.C = C
        self.class_weight = class_weight
        self.threshold = threshold
        self.cue_threshold = cue_threshold

    def fit(self, X, Y) -> "SectorClassifier":
        from sklearn.linear_model import LogisticRegression  # fitting only: loading a model never imports sklearn

        if self.C <= 0:
            raise ValueError(f"C must be a positive float, got {self.C!r}; pass e.g. C=4.0")
        if self.cue_threshold is not None and not 0.0 <= self.cue_threshold <= 1.0:
            raise ValueError(f"cue_threshold must be None or a probability in [0, 1], got {self.cue_threshold!r}; "
                             "pass e.g. cue_threshold=0.3")
        Y = np.asarray(Y, dtype=float)
        if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
            raise ValueError(f"Y must have shape (n_samples, n_labels) with n_samples={X.shape[0]}, got {Y.shape}")
        known = ~np.isnan(Y).any(axis=1)
        X, Y = X[known], Y[known].astype(int)
        n_labels = Y.shape[1]
        coef = np.zeros((n_labels, X.shape[1]), dtype=np.float32)
        intercept = np.full(n_labels, -10.0)
        for j in range(n_labels):
            y = Y[:, j]
            if 0 < y.sum() < len(y):
                lr = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=1000)
                lr.fit(X, y)
                coef[j] = lr.coef_[0]
                intercept[j] = lr.intercept_[0]
            elif y.sum() == len(y) and len(y):
                intercept[j] = 10.0
        self.coef_ = sp.csr_matrix(coef)  # mostly zeros: small on disk, fast to apply
        self.intercept_ = intercept
        self.thresholds_ = np.full(n_labels, self.threshold)
        self.n_labels_ = n_labels
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Per-label probabilities, shape ``(n_samples, n_labels)``."""
        check_fitted(self)
        z = np.asarray(X @ self._transposed_coef()) + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))

    def decision_thresholds(self, cued: np.ndarray | None = None) -> np.ndarray:
        """Thresholds per paragraph and label, shape ``(n_samples, n_labels)`` (or ``(n_labels,)``).

        ``cued[i, j]`` is true where paragraph ``i`` names a cue word of label
        ``j``; there the label's threshold is ``cue_threshold``.

        >>> import numpy as np
        >>> clf = SectorClassifier(cue_threshold=0.3).fit(np.eye(2), np.eye(2))
        >>> clf.decision_thresholds(np.array([[True, False]])).tolist()
        [[0.3, 0.5]]
        """
        check_fitted(self)
        if self.cue_threshold is None:
            return self.thresholds_
        return np.where(self._cued(cued), self.cue_threshold, self.thresholds_)

    def _cued(self, cued) -> np.ndarray:
        if cued is None:
            raise ValueError(f"cued is required: this classifier uses cue_threshold={self.cue_threshold!r} where a "
                             "label's cue word occurs; pass a boolean array of shape (n_samples, n_labels)")
        cued = np.asarray(cued, dtype=bool)
        if cued.ndim != 2 or cued.shape[1] != self.n_labels_:
            raise ValueError(f"cued must have shape (n_samples, {self.n_labels_}), got {cued.shape}")
        return cued

    def predict(self, X, cued: np.ndarray | None = None) -> np.ndarray:
        """0/1 labels, shape ``(n_samples, n_labels)``; ``cued`` as in :meth:`decision_thresholds`."""
        return (self.predict_proba(X) >= self.decision_thresholds(cued)).astype(int)

    def tune_thresholds(self, X, Y, grid: np.ndarray | None = None, shrinkage: float = 0.0,
                        tolerance: float = 0.0, cued: np.ndarray | None = None) -> "SectorClassifier":
        """Per-label decision thresholds tuned for F1 on ``(X, Y)`` (dev data).

        Each label's best-F1 threshold ``t_j`` (from its ``n_j`` positives) is
        pulled towards the threshold ``t`` that maximises micro-F1 over all
        labels at once: ``(n_j * t_j + shrinkage * t) / (n_j + shrinkage)``.
        A threshold tuned on a handful of positives fits those paragraphs, not
        the label; ``shrinkage=0`` keeps the raw per-label thresholds. A label
        with no positives in ``Y`` takes ``t``. "Best" is the grid threshold
        nearest the default ``threshold`` among those whose F1 is within
        ``tolerance`` of the highest: F1 is often flat over a wide range of
        thresholds, and its exact peak on a dev set is noise. With a
        ``cue_threshold``, paragraphs marked in ``cued`` keep it, and the tuned
        thresholds are those of the other paragraphs.

        >>> import numpy as np, scipy.sparse as sp
        >>> X = sp.csr_matrix(np.eye(2))
        >>> clf = SectorClassifier(C=10.0).fit(X, np.eye(2)).tune_thresholds(X, np.eye(2), shrinkage=1e9)
        >>> bool(clf.thresholds_[0] == clf.thresholds_[1])
        True
        """
        check_fitted(self)
        if not shrinkage >= 0:
            raise ValueError(f"shrinkage must be a number >= 0, got {shrinkage!r}; pass 0 for raw per-label thresholds")
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be a number >= 0, got {tolerance!r}; pass 0 for the highest dev F1")
        Y = np.asarray(Y, dtype=float)
        known = ~np.isnan(Y).any(axis=1)
        P, Y = self.predict_proba(X[known]), Y[known].astype(int)
        # cells decided by cue_threshold keep their decision whatever the tuned threshold
        fixed = self._cued(cued)[known] if self.cue_threshold is not None else np.zeros(P.shape, dtype=bool)
        fixed_pred = fixed & (P >= (self.cue_threshold or 0.0))
        grid = np.asarray(np.linspace(0.05, 0.95, 37) if grid is None else grid, dtype=float)

        def best(p: np.ndarray, y: np.ndarray, fixed: np.ndarray, fixed_pred: np.ndarray) -> float:
            f1 = np.empty(len(grid))
            for k, t in enumerate(grid):
                pred = np.where(fixed, fixed_pred, p >= t)
                tp = int((pred & (y == 1)).sum())
                denom = int(pred.sum()) + int(y.sum())
                f1[k] = 2 * tp / denom if denom else 0.0
            # near-ties go to the threshold nearest the default: less tuned to a small dev set
            near = np.flatnonzero(f1 >= f1.max() - tolerance - 1e-9)
            return float(grid[near[np.argmin(np.abs(grid[near] - self.threshold))]])

        shared = best(P.ravel(), Y.ravel(), fixed.ravel(), fixed_pred.ravel()) if Y.sum() else self.threshold
        for j in range(Y.shape[1]):
            n = int(Y[:, j].sum())
            own = best(P[:, j], Y[:, j], fixed[:, j], fixed_pred[:, j]) if n else shared
            self.thresholds_[j] = (n * own + shrinkage * shared) / (n + shrinkage) if n + shrinkage > 0 else own
        return self
