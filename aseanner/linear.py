"""What both linear estimators share: scikit-learn's parameter contract and cached transposed weights.

The fitted estimators are unpickled every time a model loads, so this module
and the estimators' modules import scikit-learn only where they fit: a model
loads (and predicts) without importing scikit-learn, which alone takes longer
than the 0.5 s load budget. ``fit`` still uses scikit-learn's solvers, and
:func:`sklearn.base.clone`, ``get_params`` and ``set_params`` work as for any
scikit-learn estimator.

>>> import numpy as np
>>> class Toy(LinearEstimator):
...     def __init__(self, C: float = 1.0):
...         self.C = C
>>> toy = Toy(C=2.0)
>>> toy.get_params(), toy
({'C': 2.0}, Toy(C=2.0))
>>> toy.coef_ = np.ones((2, 3), dtype=np.float32)
>>> toy._transposed_coef().shape
(3, 2)
"""

from __future__ import annotations

import inspect

import numpy as np
import scipy.sparse as sp


class LinearEstimator:
    """Mixin for estimators with ``coef_`` of shape ``(n_outputs, n_features)``.

    Parameters are the keyword arguments of ``__init__``, stored unchanged
    (scikit-learn's contract). ``X @ coef_.T`` would re-layout the weights on
    every call (a copy for a dense ``coef_``, a sparse-sparse product for a
    sparse one); the transposed weights are built once, dense and C-ordered
    (sparse ``X`` times dense weights is the fast product), and kept out of
    pickles.
    """

    _estimator_type = "classifier"

    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values()
                      if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params) -> "LinearEstimator":
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid parameters: {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) is not v and defaults.get(k) != v]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_coef_t", None)
        return state

    def _transposed_coef(self):
        coef_t = self.__dict__.get("_coef_t")
        if coef_t is None:
            coef = self.coef_.toarray() if sp.issparse(self.coef_) else self.coef_
            coef_t = np.ascontiguousarray(coef.T)
            self.__dict__["_coef_t"] = coef_t
        return coef_t


def check_fitted(estimator, attribute: str = "coef_") -> None:
    """Raise scikit-learn's ``NotFittedError`` if ``estimator`` lacks its fitted ``attribute``."""
    if not hasattr(estimator, attribute):
        from sklearn.exceptions import NotFittedError  # only on the error path: importing sklearn is slow

        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
                             f"appropriate arguments before using this estimator.")
