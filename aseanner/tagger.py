"""Linear BIO token classifier with constrained Viterbi decoding.

A multinomial logistic regression scores every token's tag (:data:`aseanner.spans.TAGS`);
decoding picks the best tag sequence among *valid* BIO sequences only
(``I-X`` only after ``B-X`` or ``I-X``). To stay fast, Viterbi runs only on
stretches of tokens where some entity tag has non-negligible probability;
every other token is ``O``, which is also the best valid choice there.

>>> import numpy as np
>>> logp = np.log(np.array([[0.05, 0.1, 0.8, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005]]))
>>> constrained_viterbi(logp).tolist()  # I-COUNTRY cannot start a sequence
[1]
"""

from __future__ import annotations

import numpy as np

from .linear import LinearEstimator, check_fitted

from .spans import N_TAGS, TAGS

_NEG = -1e9


def _transition_mask() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``allowed[prev, cur]``, ``start_ok[cur]`` and ``inside_word[prev, cur]`` for BIO.

    ``inside_word`` holds between two pieces of one word: no span may start or
    end there, so ``O`` follows only ``O`` and an entity can only continue.
    """
    allowed = np.ones((N_TAGS, N_TAGS), dtype=bool)
    start_ok = np.ones(N_TAGS, dtype=bool)
    inside_word = np.zeros((N_TAGS, N_TAGS), dtype=bool)
    inside_word[0, 0] = True
    for cur, tag in enumerate(TAGS):
        if tag.startswith("I-"):
            label = tag[2:]
            start_ok[cur] = False
            for prev, ptag in enumerate(TAGS):
                allowed[prev, cur] = ptag in (f"B-{label}", f"I-{label}")
                inside_word[prev, cur] = allowed[prev, cur]
    return allowed, start_ok, inside_word


_ALLOWED, _START_OK, _INSIDE_WORD = _transition_mask()
_TRANS = np.where(_ALLOWED, 0.0, _NEG)
_START = np.where(_START_OK, 0.0, _NEG)
_TRANS_GLUED = np.where(_INSIDE_WORD, 0.0, _NEG)


def transition_scores(transitions: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Viterbi's ``(between words, inside a word)`` score matrices ``[prev, cur]``.

    Invalid moves score ``-1e9``; valid ones score ``transitions[prev, cur]``
    (a learned log-score, see :class:`BIOTagger`) or 0 without it.

    >>> between, inside = transition_scores()
    >>> bool(between[0, 2] < -1e8), float(between[1, 2]), bool(inside[0, 1] < -1e8)
    (True, 0.0, True)
    """
    if transitions is None:
        return _TRANS, _TRANS_GLUED
    t = np.asarray(transitions, dtype=float)
    if t.shape != (N_TAGS, N_TAGS):
        raise ValueError(f"transitions must have shape ({N_TAGS}, {N_TAGS}), got {t.shape}")
    return np.where(_ALLOWED, t, _NEG), np.where(_INSIDE_WORD, t, _NEG)


def constrained_viterbi(logp: np.ndarray, glue: np.ndarray | None = None,
                        transitions: np.ndarray | None = None) -> np.ndarray:
    """Best valid BIO tag sequence for one stretch of token log-probabilities (the reference decoder).

    ``glue[i]`` marks token ``i`` as continuing token ``i - 1``'s word: no span boundary between them.
    ``transitions[prev, cur]`` (optional) is added to every valid step.

    >>> logp = np.log(np.array([[0.01, 0.95, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025, 0.0025],
    ...                         [0.9, 0.01, 0.05, 0.01, 0.01, 0.01, 0.005, 0.005, 0.0]] ) + 1e-12)
    >>> constrained_viterbi(logp).tolist(), constrained_viterbi(logp, np.array([False, True])).tolist()
    ([1, 0], [1, 2])
    """
    n = len(logp)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    glue = np.zeros(n, dtype=bool) if glue is None else np.asarray(glue, dtype=bool)
    between, inside = transition_scores(transitions)
    score = logp[0] + _START
    back = np.zeros((n, N_TAGS), dtype=np.int64)
    for i in range(1, n):
        cand = score[:, None] + (inside if glue[i] else between)
        back[i] = cand.argmax(axis=0)
        score = cand[back[i], np.arange(N_TAGS)] + logp[i]
    tags = np.zeros(n, dtype=np.int64)
    tags[-1] = int(score.argmax())
    for i in range(n - 1, 0, -1):
        tags[i - 1] = back[i, tags[i]]
    return tags


def decode(logp: np.ndarray, seq: np.ndarray, o_floor: float = 0.99, glue: np.ndarray | None = None,
           transitions: np.ndarray | None = None, o_penalty: float = 0.0) -> np.ndarray:
    """Constrained decoding of many paragraphs at once.

    ``seq`` gives each token's paragraph; ``glue`` (optional) marks tokens
    that continue the previous token's word (see :func:`aseanner.features.glued`);
    ``transitions`` (optional) adds a score to every valid tag-to-tag step.
    Words all of whose tokens have ``O`` probability at least ``o_floor`` are
    fixed to ``O``; Viterbi runs on the maximal runs of other tokens inside
    one paragraph (a run starts after an ``O``, so ``I`` cannot open it).
    ``o_penalty`` is subtracted from the ``O`` log-probability of the tokens
    Viterbi sees: more recall, less precision.

    >>> logp = np.log(np.array([[0.6, 0.3] + [0.0125] * 7]))  # O 0.6, B-COUNTRY 0.3
    >>> decode(logp, np.zeros(1, dtype=int)).tolist(), decode(logp, np.zeros(1, dtype=int), o_penalty=1.0).tolist()
    ([0], [1])
    """
    n = len(logp)
    tags = np.zeros(n, dtype=np.int64)
    if n == 0:
        return tags
    active = logp[:, 0] < np.log(o_floor)
    if not active.any():
        return tags
    glue = np.zeros(n, dtype=bool) if glue is None else np.asarray(glue, dtype=bool)
    if glue.any():
        word = np.cumsum(~glue) - 1  # a word is a token and the glued tokens after it
        active = np.bincount(word, weights=active, minlength=word[-1] + 1)[word] > 0
    idx = np.flatnonzero(active)
    if o_penalty:
        logp = logp.copy()
        logp[idx, 0] -= o_penalty
    # break runs at gaps and at paragraph changes
    breaks = np.flatnonzero((np.diff(idx) != 1) | (np.diff(seq[idx]) != 0)) + 1
    bounds = np.concatenate([[0], breaks, [len(idx)]])
    lengths = np.diff(bounds)
    _viterbi_runs(logp, idx[bounds[:-1]], lengths, tags, glue, *transition_scores(transitions))
    return tags


def _viterbi_runs(logp: np.ndarray, starts: np.ndarray, lengths: np.ndarray, tags: np.ndarray,
                  glue: np.ndarray, between: np.ndarray = _TRANS, inside: np.ndarray = _TRANS_GLUED) -> None:
    """Constrained Viterbi over many runs at once: one numpy step per position, not per token.

    Run ``k`` covers ``logp[starts[k]:starts[k] + lengths[k]]``; its best tags are written into ``tags``.
    Same result as :func:`constrained_viterbi` on each run (with its slice of ``glue``).
    """
    order = np.argsort(-lengths, kind="stable")
    st, ln = starts[order], lengths[order]
    score = logp[st] + _START
    neg_ln = -ln
    backs = []
    for i in range(1, int(ln[0])):
        k = int(np.searchsorted(neg_ln, -i, side="left"))  # runs longer than i come first
        g = glue[st[:k] + i]
        cand = score[:k, :, None] + np.where(g[:, None, None], inside, between) if g.any() else \
            score[:k, :, None] + between
        backs.append(cand.argmax(axis=1))
        score[:k] = cand.max(axis=1) + logp[st[:k] + i]
    tags[st + ln - 1] = score.argmax(axis=1)
    for i in range(int(ln[0]) - 1, 0, -1):
        k = int(np.searchsorted(neg_ln, -i, side="left"))
        # runs longer than i have a tag at position i; step back to i - 1
        tags[st[:k] + i - 1] = backs[i - 1][np.arange(k), tags[st[:k] + i]]


class BIOTagger(LinearEstimator):
    """Multinomial logistic regression over BIO tags, decoded with :func:`decode`.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength.
    max_iter : int
        lbfgs iterations.
    o_floor : float
        ``O`` probability above which a token skips Viterbi (speed; see :func:`decode`).
    transition_weight : float
        Weight of the learned tag-to-tag log-probabilities (``transitions_``,
        counted on the training tags) in Viterbi; 0 decodes with the BIO
        constraints only. The token classifier sees its neighbours' pieces but
        not their tags, so without it a name's last piece often falls to ``O``.
    o_penalty : float
        Subtracted from the ``O`` log-probability in Viterbi (see :func:`decode`):
        trades precision for recall, a decision threshold like the sectors'.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 300, o_floor: float = 0.99, transition_weight: float = 0.0,
                 o_penalty: float = 0.0):
        self.C = C
        self.max_iter = max_iter
        self.o_floor = o_floor
        self.transition_weight = transition_weight
        self.o_penalty = o_penalty

    def fit(self, X, y, sample_weight=None, seq=None) -> "BIOTagger":
        """Fit on token rows ``X`` with tag codes ``y`` (see :data:`aseanner.spans.TAGS`).

        ``seq`` (paragraph of each row, optional) keeps tag transitions from
        being counted across paragraphs.
        """
        from sklearn.linear_model import LogisticRegression  # fitting only: loading a model never imports sklearn

        if self.C <= 0:
            raise ValueError(f"C must be a positive float, got {self.C!r}; pass e.g. C=1.0")
        if not 0 < self.o_floor <= 1:
            raise ValueError(f"o_floor must be in (0, 1], got {self.o_floor!r}")
        if not self.o_penalty >= 0:
            raise ValueError(f"o_penalty must be a number >= 0, got {self.o_penalty!r}; pass 0 to decode the "
                             "classifier's probabilities as they are")
        if not self.transition_weight >= 0:
            raise ValueError(f"transition_weight must be a number >= 0, got {self.transition_weight!r}; "
                             f"pass 0 to decode with the BIO constraints only")
        y = np.asarray(y)
        X = X.tocsr()
        # Fit on the columns that occur: lbfgs cost grows with the number of weights,
        # and unseen features would only get zero weight anyway.
        used = np.unique(X.indices)
        lr = LogisticRegression(C=self.C, max_iter=self.max_iter, solver="lbfgs")
        lr.fit(X[:, used], y, sample_weight=sample_weight)
        coef = np.zeros((N_TAGS, X.shape[1]), dtype=np.float32)
        intercept = np.full(N_TAGS, -30.0)
        full = np.zeros((len(lr.classes_), X.shape[1]), dtype=np.float32)
        full[:, used] = lr.coef_
        coef[lr.classes_] = full
        intercept[lr.classes_] = lr.intercept_
        self.coef_ = coef
        self.intercept_ = intercept
        self.classes_ = np.arange(N_TAGS)
        self.n_features_in_ = X.shape[1]
        self.transitions_ = self.transition_weight * _transition_log_probs(y, sample_weight, seq)
        return self

    def decode_log_proba(self, logp: np.ndarray, seq: np.ndarray, glue: np.ndarray | None = None) -> np.ndarray:
        """:func:`decode` with this tagger's ``o_floor`` and learned transitions."""
        check_fitted(self)
        # models written before o_penalty existed decode as they did
        return decode(logp, seq, self.o_floor, glue, self.transitions_, getattr(self, "o_penalty", 0.0))

    def predict_log_proba(self, X) -> np.ndarray:
        check_fitted(self)
        z = np.asarray(X @ self._transposed_coef()) + self.intercept_
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def predict(self, X, seq: np.ndarray | None = None) -> np.ndarray:
        """Valid BIO tag codes; ``seq`` (paragraph of each row) keeps paragraphs apart."""
        logp = self.predict_log_proba(X)
        seq = np.zeros(len(logp), dtype=np.int64) if seq is None else np.asarray(seq)
        return self.decode_log_proba(logp, seq)  # no word information here: pieces only


def _transition_log_probs(y: np.ndarray, sample_weight=None, seq=None) -> np.ndarray:
    """``log P(cur | prev)`` of consecutive tags in ``y`` (add-one smoothed), never across paragraphs.

    >>> t = _transition_log_probs(np.array([1, 2, 0, 1, 2]))
    >>> bool(t[1, 2] > t[1, 0])
    True
    """
    y = np.asarray(y, dtype=np.int64)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    same = np.ones(max(len(y) - 1, 0), dtype=bool) if seq is None else np.diff(np.asarray(seq)) == 0
    counts = np.ones((N_TAGS, N_TAGS))
    np.add.at(counts, (y[:-1][same], y[1:][same]), w[1:][same])
    return np.log(counts / counts.sum(axis=1, keepdims=True))
