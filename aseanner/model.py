"""The trained bundle: tokenizer + registry + sector classifier + entity tagger -> Documents.

:class:`Model` holds fitted parts and turns text into :class:`~aseanner.document.Document`.
It never touches paths; :mod:`aseanner.bundle` saves and loads it.
Paragraphs are processed in blocks of bounded size, so memory stays flat
for very long inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Iterator

import numpy as np
import scipy.sparse as sp

from .document import Document, Entity, Paragraph, SectorScore
from .cues import CueMatcher
from .features import (Tokens, codepoints, cue_counts, cuts_word, gazetteer_codes, glued, paragraph_matrix,
                       paragraph_scripts, shape_classes, token_matrix)
from .gazetteer import Gazetteer
from .linking import link
from .registry import Registry
from .sectors import SectorClassifier
from .spans import TAGS, strip_title, tags_to_spans, title_pattern
from .tagger import BIOTagger
from .taxonomy import SECTOR_IDS, is_partner
from .text import NormalizedText, detect_lang, normalize, paragraphs
from .tokenizer import Tokenizer

#: Characters of paragraph text handled per block (bounds memory on huge inputs).
BLOCK_CHARS = 200_000


def tfidf_transform(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """What ``TfidfTransformer(sublinear_tf=True)`` does (1 + log tf, times idf, l2 rows), without its per-call checks."""
    x = counts.tocsr(copy=True)
    x.data = ((1.0 + np.log(x.data)) * idf[x.indices]).astype(x.dtype)
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    norms = np.sqrt(np.bincount(rows, weights=x.data ** 2, minlength=x.shape[0]))
    x.data /= norms[rows]
    return x


def append_columns(x: sp.csr_matrix, dense: np.ndarray) -> sp.csr_matrix:
    """``hstack([x, dense])`` as CSR, built in one go (hstack costs more than the rest of a small call)."""
    n, width = x.shape
    rows, cols = np.nonzero(dense)
    per_row = np.diff(x.indptr) + np.bincount(rows, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(per_row)])
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1], dtype=x.dtype)
    # each row: x's entries, then its dense non-zeros
    x_rows = np.repeat(np.arange(n), np.diff(x.indptr))
    pos_x = indptr[x_rows] + (np.arange(len(x.indices)) - x.indptr[x_rows])
    indices[pos_x], data[pos_x] = x.indices, x.data
    offset_in_row = np.arange(len(rows)) - np.searchsorted(rows, rows)  # rank of each non-zero in its row
    pos_d = indptr[rows] + np.diff(x.indptr)[rows] + offset_in_row
    indices[pos_d], data[pos_d] = width + cols, dense[rows, cols]
    return sp.csr_matrix((data, indices, indptr), shape=(n, width + dense.shape[1]))


def check_text(text: object, name: str = "text") -> str:
    """Return ``text`` if it is a ``str``, else raise a ``TypeError`` naming what came."""
    if not isinstance(text, str):
        raise TypeError(f"{name} must be str, got {type(text).__name__}; "
                        f"decode bytes first (e.g. data.decode('utf-8')) or pass one string per document")
    return text


@dataclass
class Model:
    """A fitted pipeline. Build with :func:`aseanner.train.train_model` or :func:`aseanner.bundle.load`."""

    tokenizer: Tokenizer
    registry: Registry
    idf: np.ndarray | None  # inverse document frequency of each piece (sklearn TfidfTransformer's idf_)
    sectors: SectorClassifier
    tagger: BIOTagger
    config: dict
    cues: CueMatcher | None = None
    titles: tuple[str, ...] = ()  # leading titles cut off predicted PERSON spans (none: spans as tagged)

    @cached_property
    def _title_re(self):
        return title_pattern(self.titles)

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return Gazetteer(self.registry)

    @cached_property
    def _lexicon_has_registry(self) -> bool:
        """Can registry matches come from the tokenizer's lexicon scan (one pass over the text, not two)?"""
        return self.gazetteer.names() <= set(self.tokenizer.lexicon)

    def _registry_names(self, text: str, cuts: list[tuple[int, int]] | None = None) -> list[tuple]:
        """Registry names in ``text``, from the tokenizer's lexicon scan when it covers the registry.

        The gazetteer's own regex takes half a second to compile, once per process;
        the lexicon's is compiled anyway for tokenising.
        """
        if self._lexicon_has_registry:
            return self.gazetteer.among(text, self.tokenizer.lexicon_spans(text) if cuts is None else cuts)
        return self.gazetteer.find(text)

    # ---- featurisation -------------------------------------------------
    def encode(self, views: list[str]) -> Tokens:
        """Tokens of several normalised paragraphs, joined by newlines and tokenised at once."""
        joined = "\n".join(views)
        lengths = np.fromiter((len(v) for v in views), dtype=np.int64, count=len(views))
        par_start = np.cumsum(lengths + 1) - lengths - 1
        cuts = self.tokenizer.lexicon_spans(joined)
        starts, ends, ids = self.tokenizer.tokenize(joined, cuts)
        # newline sentinels on both sides, so that no token sees past its paragraph; cp[i + 1] is joined[i]
        cp = codepoints("\n" + joined + "\n")
        seq = np.searchsorted(par_start, starts, side="right") - 1
        found = self._registry_names(joined, cuts)
        matches = [(s, e, entry.type) for s, e, entry in found]
        gaz = gazetteer_codes(starts, ends, matches)
        before, after = cp[starts], cp[ends + 1]
        local = par_start[seq] if len(seq) else np.zeros(0, dtype=np.int64)
        cue_hits = self.cues.hits(joined, par_start) if self.cues is not None else None
        sub = self.tokenizer.latin_subpieces(joined, starts, ends) if self.tokenizer.latin_words else None
        return Tokens(ids=ids, starts=starts - local, ends=ends - local, seq=seq, sub=sub,
                      shape=shape_classes(cp[1:], starts, ends), space_before=before == 0x20,
                      space_after=after == 0x20, gaz=gaz, cue_hits=cue_hits,
                      glue=glued(cp[1:], starts, ends, seq), para_km=paragraph_scripts(cp[1:-1], par_start))

    def token_features(self, tok: Tokens):
        return token_matrix(tok, self.tokenizer.n_ids, self.config["token_buckets"])

    def paragraph_features(self, tok: Tokens, n: int, mentions: np.ndarray | None = None):
        """TF-IDF of piece unigrams (and bigrams), plus log-scaled sector cue counts.

        With ``cue_by_lang`` the cue counts of Thai and Khmer paragraphs go to
        separate columns: the same sector's cues are not equally reliable in both.
        With ``cue_split_mentions``, cues inside entity ``mentions`` (rows
        ``[paragraph, start, end]``: gold ones in training, the tagger's at
        prediction, see :meth:`mentions`) are counted apart from the others.
        """
        return self.sector_inputs(tok, n, mentions)[0]

    def sector_inputs(self, tok: Tokens, n: int, mentions: np.ndarray | None = None):
        """:meth:`paragraph_features` and the ``cued`` mask of the sector classifier.

        ``cued[i, j]``: paragraph ``i`` names a cue word of sector ``j``
        outside the entity ``mentions`` (anywhere without ``cue_split_mentions``).
        """
        x = tfidf_transform(paragraph_matrix(tok, n, self.tokenizer.n_ids, self.config["paragraph_buckets"]),
                            self.idf)
        if tok.cue_hits is None:
            return x, np.zeros((n, len(SECTOR_IDS)), dtype=bool)
        if self.config.get("cue_split_mentions"):
            if mentions is None:
                raise ValueError("mentions are required: this model counts sector cues inside entity mentions "
                                 "apart; pass model.mentions(tok)")
            counts = cue_counts(tok.cue_hits, n, mentions)
        else:
            counts = cue_counts(tok.cue_hits, n)
        cued = counts[:, :len(SECTOR_IDS)] > 0  # the split puts cues outside mentions first
        if not self.config.get("cue_weight"):
            return x, cued
        cues = np.log1p(counts) * self.config["cue_weight"]
        if self.config.get("cue_by_lang"):
            km = tok.para_km[:, None]
            cues = np.hstack([cues * ~km, cues * km]).astype(cues.dtype)
        return append_columns(x, cues), cued

    # ---- prediction ----------------------------------------------------
    def _tag(self, tok: Tokens) -> list[tuple[int, int, int, str, float]]:
        """Entity spans ``(paragraph, start, end, label, score)`` in view offsets, in text order."""
        out = []
        if len(tok.ids):
            logp = self.tagger.predict_log_proba(self.token_features(tok))
            tags = self.tagger.decode_log_proba(logp, tok.seq, tok.glue)
            for a, b, label in tags_to_spans(tags):
                p = int(tok.seq[a])
                if int(tok.seq[b - 1]) != p:  # never across paragraphs (decode keeps them apart)
                    continue
                score = float(np.exp(logp[np.arange(a, b), tags[a:b]].mean()))
                out.append((p, int(tok.starts[a]), int(tok.ends[b - 1]), label, score))
        return out

    def mentions(self, tok: Tokens, spans: list[tuple] | None = None) -> np.ndarray:
        """Rows ``[paragraph, start, end]`` of the tagger's non-COUNTRY mentions (or of ``spans``).

        A state's name carries no sector (ไทย-จีน); an organisation's, a
        person's title or a place's may name one without the paragraph being
        about it.
        """
        spans = self._tag(tok) if spans is None else spans
        rows = [(p, s, e) for p, s, e, label, *_ in spans if label != "COUNTRY"]
        return np.array(rows, dtype=np.int64).reshape(-1, 3)

    def _predict_block(self, views: list[NormalizedText]) -> tuple[np.ndarray, np.ndarray, list[list[tuple]]]:
        """Sector probabilities and thresholds per paragraph, entity tuples per paragraph (view offsets)."""
        tok = self.encode([v.text for v in views])
        spans = self._tag(tok)
        x, cued = self.sector_inputs(tok, len(views), self.mentions(tok, spans))
        probs = self.sectors.predict_proba(x)
        thresholds = np.broadcast_to(self.sectors.decision_thresholds(cued), probs.shape)
        ents: list[list[tuple]] = [[] for _ in views]
        for p, s, e, label, score in spans:
            if label == "PERSON" and self.titles:
                cut = strip_title(views[p].text, s, e, self._title_re)
                if not cuts_word(views[p].text, cut):  # a name that only begins like a title stays whole
                    s = cut
            ents[p].append((s, e, label, score))
        return probs, thresholds, ents

    def predict(self, text: str) -> Document:
        """Sectors and linked entities of one document (see :func:`aseanner.predict`)."""
        return next(iter(self.predict_many([text])))

    def predict_many(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[Document]:
        """One Document per text, in order; paragraphs of several texts share a block."""
        batch: list[str] = []
        for k, text in enumerate(texts):
            batch.append(check_text(text, f"texts[{k}]"))
            if len(batch) >= batch_size:
                yield from self._predict_docs(batch)
                batch = []
        if batch:
            yield from self._predict_docs(batch)

    def _predict_docs(self, texts: list[str]) -> list[Document]:
        """Normalise, predict and resolve paragraphs one block at a time.

        Only the current block's normalised views (and their offset maps) are
        alive at once; finished blocks leave nothing but result objects.
        """
        parts = [([], [], {}) for _ in texts]  # per document: paragraphs, entities, best score per sector
        block: list[tuple[int, object, NormalizedText]] = []
        size = 0
        for d, text in enumerate(texts):
            for p in paragraphs(text):
                view = normalize(text[p.start:p.end])
                block.append((d, p, view))
                size += len(view.text)
                if size >= BLOCK_CHARS:
                    self._resolve_block(texts, block, parts)
                    block, size = [], 0
        if block:
            self._resolve_block(texts, block, parts)
        return [self._document(text, *part) for text, part in zip(texts, parts)]

    def _resolve_block(self, texts: list[str], block: list, parts: list) -> None:
        """Predict one block and append its Paragraphs and linked Entities to ``parts``."""
        probs, thresholds, ents = self._predict_block([view for _, _, view in block])
        for (d, p, view), prob, threshold, found in zip(block, probs, thresholds, ents):
            paras, entities, best = parts[d]
            chosen = [SectorScore(SECTOR_IDS[j], float(prob[j])) for j in np.flatnonzero(prob >= threshold)]
            chosen.sort(key=lambda s: (-s.score, s.label))
            paras.append(Paragraph(p.start, p.end, tuple(chosen)))
            for s in chosen:
                best[s.label] = max(best.get(s.label, 0.0), s.score)
            for vs, ve, label, score in found:
                a, b = view.to_original(vs, ve)
                mention = texts[d][p.start + a:p.start + b]
                label, cid = link(mention, label, self.registry, self._registry_names)
                linked = cid if label in ("COUNTRY", "ORG") else None
                entities.append(Entity(p.start + a, p.start + b, label, mention, linked,
                                       is_partner(linked), score))

    def _document(self, text: str, paras: list, entities: list, best: dict) -> Document:
        lang = detect_lang(text)
        if not paras:
            return Document.empty(lang)
        sectors = tuple(SectorScore(l, s) for l, s in sorted(best.items(), key=lambda x: (-x[1], x[0])))
        partners = tuple(sorted({e.id for e in entities if e.partner}))
        return Document(lang=lang, sectors=sectors, entities=tuple(entities), paragraphs=tuple(paras),
                        partners=partners)

    # ---- evaluation helpers (paragraph level) ----------------------------
    def predict_paragraphs(self, texts: list[str]) -> list[tuple[list[str], list[dict]]]:
        """For paragraph texts (gold units): predicted sector ids and entity dicts with offsets."""
        out = []
        for doc in self.predict_many(texts, batch_size=256):
            sectors = [s.label for s in doc.sectors]
            ents = [{"start": e.start, "end": e.end, "label": e.label, "id": e.id} for e in doc.entities]
            out.append((sectors, ents))
        return out


__all__ = ["Model", "check_text", "tfidf_transform", "append_columns"]
