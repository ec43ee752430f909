"""predict_many: argument checks, batching, and optional worker processes (order kept)."""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import Iterable, Iterator

from .document import Document

_worker_model = None


def _init(model) -> None:
    global _worker_model
    _worker_model = model


def _work(texts: list[str]) -> list[Document]:
    return list(_worker_model.predict_many(texts, batch_size=len(texts) or 1))


def _check(texts, batch_size, n_jobs) -> None:
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"texts must be an iterable of str, got {type(texts).__name__}; "
                        f"wrap one text in a list or call aseanner.predict(text)")
    if not hasattr(texts, "__iter__"):
        raise TypeError(f"texts must be an iterable of str, got {type(texts).__name__}")
    for name, value in (("batch_size", batch_size), ("n_jobs", n_jobs)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}; e.g. {name}=1")


def predict_many(model, texts: Iterable[str], batch_size: int = 64, n_jobs: int = 1) -> Iterator[Document]:
    """Yield one Document per text, in input order."""
    _check(texts, batch_size, n_jobs)
    return _generate(model, texts, batch_size, n_jobs)


def _generate(model, texts, batch_size, n_jobs) -> Iterator[Document]:
    from .model import check_text

    def checked():
        for k, t in enumerate(texts):
            yield check_text(t, f"texts[{k}]")

    if n_jobs == 1:
        yield from model.predict_many(checked(), batch_size=batch_size)
        return
    it = checked()
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=_init, initargs=(model,)) as pool:
        pending: deque = deque()
        while True:
            while len(pending) < 2 * n_jobs:
                chunk = list(islice(it, batch_size))
                if not chunk:
                    break
                pending.append(pool.submit(_work, chunk))
            if not pending:
                return
            yield from pending.popleft().result()
