"""What both linear estimators share: their weights, transposed once for fast products.

>>> import numpy as np
>>> class Toy(CachedTranspose):
...     coef_ = np.ones((2, 3), dtype=np.float32)
>>> Toy()._transposed_coef().shape
(3, 2)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class CachedTranspose:
    """Mixin for estimators with ``coef_`` of shape ``(n_outputs, n_features)``.

    ``X @ coef_.T`` would re-layout the weights on every call (a copy for a
    dense ``coef_``, a sparse-sparse product for a sparse one); the transposed
    weights are built once, dense and C-ordered (sparse ``X`` times dense
    weights is the fast product), and kept out of pickles.
    """

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
