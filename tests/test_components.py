"""Tokenizer offsets, tag/span conversion, constrained decoding, sector estimator contract."""

import pickle

import numpy as np
import pytest
from pathlib import Path
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from aseanner.sectors import SectorClassifier
from aseanner.spans import TAGS, spans_to_tags, strip_title, tags_to_spans, title_pattern, token_boundary_share
from aseanner.tagger import BIOTagger, constrained_viterbi, decode
from aseanner.text import normalize


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    return tiny_model.tokenizer


@pytest.mark.parametrize("text", [
    "รองปลัดกระทรวงการต่างประเทศเข้าร่วมการประชุมอาเซียน-แคนาดา ครั้งที่ ๑๘",
    "កម្ពុជាជំរុញកិច្ចពិគ្រោះយោបល់ ECO នៅទីក្រុងហ្សាការតា",
    "ASEAN-US Plan of Action 2559-2563 กับ 中文 และ 😀 emoji",
    "",
])
def test_pieces_tile_the_text_exactly(tokenizer, text):
    starts, ends, ids = tokenizer.tokenize(text)
    assert (starts < ends).all() and (ends[:-1] <= starts[1:]).all()
    covered = "".join(text[s:e] for s, e in zip(starts, ends))
    assert covered == "".join(text.split())  # every non-space character, in order, once
    assert len(ids) == len(starts)


def test_names_start_and_end_on_token_boundaries(tokenizer):
    text = "ฝ่ายไทยและประเทศแคนาดาหารือกับนายดอน ปรมัตถ์วินัย"
    starts, ends, _ = tokenizer.tokenize(text)
    spans = [(text.index("ไทย"), text.index("ไทย") + 3, "COUNTRY"),
             (text.index("แคนาดา"), text.index("แคนาดา") + 6, "COUNTRY"),
             (text.index("ดอน"), len(text), "PERSON")]
    assert token_boundary_share(starts, ends, spans) == (3, 3)


def test_segment_bounds_match_the_segment_regex():
    # the vectorised segmentation must cut exactly where the documented regex does, on every script,
    # on Unicode spaces (NBSP, U+3000, U+2028), zero-width characters, lone surrogates and emoji
    import random

    from aseanner.tokenizer import _SEGMENT_RE, segment_bounds
    rng = random.Random(7)
    alphabet = [chr(c) for c in [*range(0x20, 0x250), *range(0xE00, 0xE60), *range(0x1780, 0x17F0),
                                 0x9, 0xA, 0x85, 0xA0, 0x1C, 0x200B, 0x2028, 0x3000, 0x3001, 0xFEFF, 0xD800, 0x1F600]]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        starts, ends = segment_bounds(text)
        expected = [m.span() for m in _SEGMENT_RE.finditer(text)]
        assert list(zip(starts.tolist(), ends.tolist())) == expected, repr(text)


def test_unknown_characters_become_one_placeholder_each(tokenizer):
    text = "ไทย中文ไทย" + "".join(chr(0x4E00 + i) for i in range(40))  # few and many unknown characters
    starts, ends, ids = tokenizer.tokenize(text)
    assert "".join(text[s:e] for s, e in zip(starts, ends)) == text
    placeholder = tokenizer.sp.piece_to_id("\u25c6")
    assert (ids == placeholder).sum() == 42


def test_latin_words_are_one_token_each(tokenizer):
    from aseanner.tokenizer import LATIN_SHAPES, Tokenizer

    words = Tokenizer(tokenizer.model_bytes, tokenizer.lexicon, latin_words=True)
    pieces = Tokenizer(tokenizer.model_bytes, tokenizer.lexicon, latin_words=False)
    text = "លោក Qwertzuiop Shanahan ដែល ASEAN-US ในไทย xyzzyq iPhone"
    starts, ends, ids = words.tokenize(text)
    tokens = [text[s:e] for s, e in zip(starts, ends)]
    assert "Qwertzuiop" in tokens and "Shanahan" in tokens and "xyzzyq" in tokens and "iPhone" in tokens
    assert "".join(tokens) == "".join(text.split())  # offsets still tile the text
    # Thai and Khmer runs are cut exactly as without the option
    for s, e, i in zip(*pieces.tokenize(text)):
        if not text[s].isascii():
            assert (s, e, i) in set(zip(starts.tolist(), ends.tolist(), ids.tolist()))
    by_token = dict(zip(tokens, ids.tolist()))
    assert by_token["Qwertzuiop"] == words.vocab_size + 1  # unknown word: the id of its shape
    assert by_token["xyzzyq"] == words.vocab_size + 2 and by_token["iPhone"] == words.vocab_size + 3
    assert words.n_ids == words.vocab_size + LATIN_SHAPES and pieces.n_ids == pieces.vocab_size
    assert ids.max() < words.n_ids
    # a word the vocabulary has keeps its own piece
    known = next(w for w in ("ASEAN", "US", "the", "of") if words.sp.piece_to_id(w) != words.sp.unk_id())
    assert words.latin_id(known) == words.sp.piece_to_id(known)


def test_latin_subpieces_are_the_words_first_and_last_pieces(tokenizer):
    from aseanner.tokenizer import Tokenizer

    words = Tokenizer(tokenizer.model_bytes, tokenizer.lexicon, latin_words=True)
    text = "ไทย Shanahan 2024"
    starts, ends, _ = words.tokenize(text)
    sub = words.latin_subpieces(text, starts, ends)
    expected = words.sp.encode("Shanahan")
    rows = {text[s:e]: r for s, e, r in zip(starts, ends, sub.tolist())}
    assert rows["Shanahan"] == [expected[0], expected[-1]]
    assert all(r == [-1, -1] for t, r in rows.items() if t != "Shanahan")
    with pytest.raises(TypeError, match="latin_words must be True or False"):
        Tokenizer(tokenizer.model_bytes, latin_words=1)


def test_tokenizer_pickles_as_bytes(tokenizer):
    clone = pickle.loads(pickle.dumps(tokenizer))
    assert clone.latin_words == tokenizer.latin_words
    text = "อาเซียน-แคนาดา Shanahan"
    assert [a.tolist() for a in clone.tokenize(text)] == [a.tolist() for a in tokenizer.tokenize(text)]
    assert "sp" not in pickle.loads(pickle.dumps(tokenizer)).__dict__


def test_offsets_through_normalisation(tokenizer):
    text = "ក\u200bម្ពុជា និង ជប៉ុន"
    nt = normalize(text)
    starts, ends, _ = tokenizer.tokenize(nt.text)
    back = [nt.to_original(s, e) for s, e in zip(starts, ends)]
    assert "".join(text[a:b] for a, b in back).replace("\u200b", "") == "កម្ពុជានិងជប៉ុន"


def test_tags_spans_round_trip():
    starts, ends = np.array([0, 3, 6, 10]), np.array([3, 6, 9, 12])
    spans = [(0, 6, "ORG"), (10, 12, "COUNTRY")]
    tags, aligned = spans_to_tags(starts, ends, spans)
    assert [TAGS[t] for t in tags] == ["B-ORG", "I-ORG", "O", "B-COUNTRY"] and aligned == [True, True]
    assert tags_to_spans(tags) == [(0, 2, "ORG"), (3, 4, "COUNTRY")]
    _, aligned = spans_to_tags(starts, ends, [(1, 6, "LOC")])
    assert aligned == [False]


def test_strip_title_cuts_stacked_titles_and_keeps_a_title_alone():
    from aseanner.resources import person_titles

    rx = title_pattern(person_titles())
    for text, want in [("ศ.ดร.นพ.สิริฤกษ์ ทรงศิวิไล", "สิริฤกษ์ ทรงศิวิไล"), ("พล.อ. ประยุทธ์", "ประยุทธ์"),
                       ("ឯកឧត្តម\u200bប្រាក់ សុខុន", "ប្រាក់ សុខុន"), ("H.E. Mrs. Sanna Marin", "Sanna Marin"),
                       ("ฮุน เซน", "ฮุน เซน")]:
        assert text[strip_title(text, 0, len(text), rx):] == want
    assert strip_title("xx นายแพทย์", 3, 11, rx) == 3  # nothing but titles: unchanged
    assert strip_title("นายสมชาย", 0, 8, None) == 0


def test_every_title_the_guide_names_is_in_the_title_list():
    from aseanner.resources import person_titles

    guide = ["พลเอก", "ฯพณฯ", "นาย", "นาง", "ดร.", "សម្តេច", "សម្តេចតេជោ", "ឯកឧត្តម", "លោកជំទាវ", "លោក", "លោកស្រី"]
    assert set(guide) <= set(person_titles())


def test_predicted_person_spans_lose_leading_titles_but_not_name_syllables(tiny_model, monkeypatch):
    import copy

    model = copy.copy(tiny_model)
    model.titles = ("นาย", "คุณ", "นายแพทย์")
    model.__dict__.pop("_title_re", None)
    text = "นายแพทย์โอภาส และคุณากร"
    a, b = text.index("และ"), text.index("คุณากร")
    # the tagger's spans are replaced so that the test fixes what the tagger returned
    monkeypatch.setattr(type(model), "_tag", lambda self, tok: [(0, 0, a - 1, "PERSON", 0.9),
                                                                (0, b, len(text), "PERSON", 0.9)])
    got = [(e.text, e.start) for e in model.predict(text).entities]
    assert got == [("โอภาส", 8), ("คุณากร", b)]  # คุณ|ากร would cut a syllable: the name stays whole
    model.titles = ()
    assert [e.text for e in model.predict(text).entities] == ["นายแพทย์โอภาส", "คุณากร"]


def test_invalid_i_is_repaired_into_a_span():
    codes = [TAGS.index("I-LOC"), TAGS.index("I-LOC"), 0, TAGS.index("I-ORG")]
    assert tags_to_spans(np.array(codes)) == [(0, 2, "LOC"), (3, 4, "ORG")]


def _valid(tags):
    prev = "O"
    for t in (TAGS[c] for c in tags):
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def _random_tokens(rng, max_tokens: int, n_paragraphs: int):
    """Peaky random tag log-probabilities of 1..max_tokens-1 tokens and a sorted paragraph index per token."""
    n = int(rng.integers(1, max_tokens))
    logp = np.log(rng.dirichlet(np.ones(len(TAGS)) * 0.3, size=n))
    return logp, np.sort(rng.integers(0, n_paragraphs, size=n))


def test_viterbi_only_returns_valid_sequences():
    rng = np.random.default_rng(0)
    for _ in range(200):
        logp, seq = _random_tokens(rng, 12, 3)
        assert _valid(constrained_viterbi(logp))
        assert _valid(decode(logp, seq, o_floor=1.0))


def test_decode_keeps_paragraphs_apart():
    b, i = TAGS.index("B-ORG"), TAGS.index("I-ORG")
    p = np.full((2, len(TAGS)), 1e-6)
    p[0, b] = p[1, i] = 1.0
    assert decode(np.log(p), np.array([0, 0])).tolist() == [b, i]
    assert decode(np.log(p), np.array([0, 1])).tolist()[1] != i


def test_estimators_say_when_not_fitted():
    with pytest.raises(NotFittedError):
        SectorClassifier().predict_proba(sp.csr_matrix((1, 2)))
    with pytest.raises(NotFittedError):
        BIOTagger().predict_log_proba(sp.csr_matrix((1, 2)))


def test_estimator_params_validated():
    X = sp.csr_matrix(np.eye(2))
    with pytest.raises(ValueError, match="C must be a positive float, got -1"):
        SectorClassifier(C=-1).fit(X, np.eye(2))
    with pytest.raises(ValueError, match="o_floor must be in"):
        BIOTagger(o_floor=2).fit(X, [0, 1])


def test_estimators_follow_the_sklearn_parameter_contract():
    from sklearn.base import clone

    tagger = BIOTagger(C=0.5, transition_weight=0.3)
    assert tagger.get_params() == {"C": 0.5, "max_iter": 300, "o_floor": 0.99, "transition_weight": 0.3, "o_penalty": 0.0}
    assert repr(tagger) == "BIOTagger(C=0.5, transition_weight=0.3)"
    X = sp.csr_matrix(np.eye(2))
    fitted = SectorClassifier(C=2.0).fit(X, np.eye(2))
    copy = clone(fitted)  # parameters only: the clone is not fitted
    assert copy.get_params() == fitted.get_params() and not hasattr(copy, "coef_")
    assert copy.set_params(C=3.0) is copy and copy.C == 3.0
    with pytest.raises(ValueError, match="invalid parameter 'c' for SectorClassifier"):
        copy.set_params(c=1.0)


def test_missing_sector_labels_are_not_negatives():
    X = sp.csr_matrix(np.array([[1, 0], [0, 1], [1, 0], [1, 0]], dtype=float))
    Y_known = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], dtype=float)
    Y_missing = Y_known.copy()
    Y_missing[3] = np.nan
    a = SectorClassifier(C=10).fit(X, Y_missing)
    b = SectorClassifier(C=10).fit(X[:3], Y_known[:3])
    assert np.allclose(a.predict_proba(X), b.predict_proba(X))
    assert SectorClassifier().fit(X, Y_missing) is not None  # fit returns self


def test_thresholds_are_tuned_per_label():
    X = sp.csr_matrix(np.array([[1.0, 0], [0.5, 0], [0, 1.0], [0, 0.4]]))
    Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    clf = SectorClassifier(C=0.1).fit(X, Y).tune_thresholds(X, Y)
    assert clf.predict(X).tolist() == Y.astype(int).tolist()
    assert clf.thresholds_.shape == (2,)


def test_thresholds_shrink_towards_the_shared_threshold_by_dev_support():
    X = sp.csr_matrix(np.array([[1.0, 0], [0.5, 0], [0, 1.0], [0, 0.4], [0.2, 0.2], [0.9, 0]]))
    Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 0], [1, 0]], dtype=float)
    raw = SectorClassifier(C=0.1).fit(X, Y).tune_thresholds(X, Y)
    assert raw.thresholds_.tolist() == SectorClassifier(C=0.1).fit(X, Y).tune_thresholds(X, Y, shrinkage=0).thresholds_.tolist()
    shared = SectorClassifier(C=0.1).fit(X, Y).tune_thresholds(X, Y, shrinkage=1e12)
    assert shared.thresholds_[0] == pytest.approx(shared.thresholds_[1])
    # the shared threshold is the best micro-F1 over all labels at once
    P = shared.predict_proba(X)
    f1 = lambda t: 2 * ((P >= t) & (Y == 1)).sum() / ((P >= t).sum() + Y.sum())
    grid = np.linspace(0.05, 0.95, 37)
    t = shared.thresholds_[0]
    assert f1(t) == max(f1(g) for g in grid)
    # shrinkage k weighs the shared threshold like k dev positives: label 0 has 3, label 1 has 2
    half = SectorClassifier(C=0.1).fit(X, Y).tune_thresholds(X, Y, shrinkage=2)
    assert half.thresholds_[0] == pytest.approx((3 * raw.thresholds_[0] + 2 * t) / 5)
    assert half.thresholds_[1] == pytest.approx((raw.thresholds_[1] + t) / 2)
    with pytest.raises(ValueError, match="shrinkage must be a number >= 0"):
        SectorClassifier().fit(X, Y).tune_thresholds(X, Y, shrinkage=-1)


def test_cue_threshold_decides_cued_cells_and_tuning_sets_the_others():
    clf = SectorClassifier(C=1.0, threshold=0.7, cue_threshold=0.3).fit(sp.csr_matrix(np.eye(2)), np.array([[1], [0]]))
    clf.predict_proba = lambda X: np.array([[0.4], [0.4], [0.75], [0.2]])
    cued = np.array([[True], [False], [False], [True]])
    assert clf.decision_thresholds(cued).tolist() == [[0.3], [0.7], [0.7], [0.3]]
    assert clf.predict(np.zeros((4, 1)), cued).ravel().tolist() == [1, 0, 1, 0]
    # tuning only moves the threshold of uncued cells: row 1 (0.4, positive) needs it at or below 0.4,
    # while the cued row 3 stays negative at 0.2 whatever the threshold
    y = np.array([[1], [1], [1], [0]])
    X = np.zeros((4, 1))
    tuned = clf.tune_thresholds(X, y, grid=[0.35, 0.5, 0.7], cued=cued)
    assert tuned.thresholds_.tolist() == pytest.approx([0.35])
    assert tuned.predict(X, cued).ravel().tolist() == [1, 1, 1, 0]
    with pytest.raises(ValueError, match="cued is required"):
        clf.predict(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"cued must have shape \(n_samples, 1\)"):
        clf.decision_thresholds(np.ones((4, 2), dtype=bool))
    with pytest.raises(ValueError, match="cue_threshold must be None or a probability"):
        SectorClassifier(cue_threshold=1.5).fit(sp.csr_matrix(np.eye(2)), np.array([[1], [0]]))
    # without a cue_threshold, cued is not needed and changes nothing
    plain = SectorClassifier(C=1.0).fit(sp.csr_matrix(np.eye(2)), np.array([[1], [0]]))
    assert plain.decision_thresholds(cued).tolist() == [0.5]


def test_model_marks_cues_outside_mentions_as_cued(tiny_model):
    ministry_text = "กระทรวงพลังงานหารือเรื่องพลังงานกับญี่ปุ่น"
    tok = tiny_model.encode([ministry_text])
    start = ministry_text.index("กระทรวงพลังงาน")
    inside = np.array([[0, start, start + len("กระทรวงพลังงาน")]])
    energy = 7
    _, cued = tiny_model.sector_inputs(tok, 1, inside)
    assert cued.shape == (1, 15) and cued[0, energy]  # the second พลังงาน is outside the ministry's name
    only_title = tiny_model.encode(["กระทรวงพลังงานหารือกับญี่ปุ่น"])
    _, cued = tiny_model.sector_inputs(only_title, 1, inside)
    assert not cued.any()


def _decode_per_run(logp, seq, active, glue=None, transitions=None):
    """Reference for decode(): the one-run Viterbi on every maximal run of active tokens of a paragraph."""
    ref = np.zeros(len(logp), dtype=np.int64)
    idx = np.flatnonzero(active)
    if len(idx):
        for run in np.split(idx, np.flatnonzero((np.diff(idx) != 1) | (np.diff(seq[idx]) != 0)) + 1):
            a, b = run[0], run[-1] + 1
            ref[a:b] = constrained_viterbi(logp[a:b], None if glue is None else glue[a:b], transitions)
    return ref


def test_batched_decoding_equals_viterbi_per_run():
    rng = np.random.default_rng(1)
    for trial in range(200):
        logp, seq = _random_tokens(rng, 40, 4)
        got = decode(logp, seq, 0.6)
        assert got.tolist() == _decode_per_run(logp, seq, logp[:, 0] < np.log(0.6)).tolist()


def test_batched_decoding_with_glue_equals_viterbi_per_word_run():
    rng = np.random.default_rng(2)
    for trial in range(200):
        logp, seq = _random_tokens(rng, 40, 4)
        n = len(logp)
        glue = rng.random(n) < 0.4
        glue[0] = False
        glue[1:] &= seq[1:] == seq[:-1]
        got = decode(logp, seq, 0.6, glue)
        assert _valid(got)
        # no span starts or ends between glued tokens
        for k in np.flatnonzero(glue):
            assert not (got[k] == 0) ^ (got[k - 1] == 0), (trial, k)
            assert got[k] == 0 or not TAGS[got[k]].startswith("B-")
        word = np.cumsum(~glue) - 1
        active = np.bincount(word, weights=logp[:, 0] < np.log(0.6), minlength=word[-1] + 1)[word] > 0
        assert got.tolist() == _decode_per_run(logp, seq, active, glue).tolist()
        trans = rng.normal(size=(len(TAGS), len(TAGS)))
        got = decode(logp, seq, 0.6, glue, trans)
        assert _valid(got)
        assert got.tolist() == _decode_per_run(logp, seq, active, glue, trans).tolist()


def test_learned_transitions_carry_a_name_over_its_last_piece():
    b, i = TAGS.index("B-PERSON"), TAGS.index("I-PERSON")
    # the classifier alone puts the name's last piece at O by a small margin
    logp = np.log(np.array([[0.01] * len(TAGS)] * 2))
    logp[0, b], logp[1, 0], logp[1, i] = np.log(0.9), np.log(0.5), np.log(0.4)
    assert decode(logp, np.zeros(2, int), 1.0).tolist() == [b, 0]
    # in training, B-PERSON is mostly followed by I-PERSON
    y = np.array([0, b, i, i, 0, b, i, 0, 0, b, i, 0] * 5)
    X = sp.csr_matrix(np.eye(len(TAGS))[y])
    tagger = BIOTagger(C=1.0, o_floor=1.0, transition_weight=1.0).fit(X, y)
    assert tagger.transitions_[b, i] > tagger.transitions_[b, 0]
    assert tagger.decode_log_proba(logp, np.zeros(2, int)).tolist() == [b, i]
    flat = BIOTagger(C=1.0, o_floor=1.0, transition_weight=0.0).fit(X, y)
    assert not flat.transitions_.any() and flat.decode_log_proba(logp, np.zeros(2, int)).tolist() == [b, 0]
    # transitions are not counted across paragraphs: O -> B only ever happens at a paragraph change here
    seq = np.repeat(np.arange(len(y) // 2), 2)
    y2 = np.array([b, i] * (len(y) // 2))
    apart = BIOTagger(transition_weight=1.0).fit(sp.csr_matrix(np.eye(len(TAGS))[y2]), y2, seq=seq)
    together = BIOTagger(transition_weight=1.0).fit(sp.csr_matrix(np.eye(len(TAGS))[y2]), y2)
    assert apart.transitions_[i, b] < together.transitions_[i, b]
    with pytest.raises(ValueError, match="transition_weight must be a number >= 0"):
        BIOTagger(transition_weight=-1).fit(X, y)


def test_o_penalty_trades_o_for_names_only_where_viterbi_runs():
    b, i = TAGS.index("B-ORG"), TAGS.index("I-ORG")
    logp = np.log(np.array([[0.01] * len(TAGS)] * 3))
    logp[0, b], logp[0, 0] = np.log(0.8), np.log(0.1)   # a name's first piece
    logp[1, 0], logp[1, i] = np.log(0.55), np.log(0.35)  # its last piece, O by a small margin
    logp[2, 0] = np.log(0.995)                           # sure O: skips Viterbi, stays O whatever the penalty
    seq = np.zeros(3, int)
    assert decode(logp, seq).tolist() == [b, 0, 0]
    assert decode(logp, seq, o_penalty=1.0).tolist() == [b, i, 0]
    assert decode(logp, seq, o_penalty=50.0).tolist()[2] == 0
    y = np.array([0, b, i, 0] * 5)
    X = sp.csr_matrix(np.eye(len(TAGS))[y])
    assert BIOTagger(o_penalty=1.0).fit(X, y).decode_log_proba(logp, seq).tolist() == [b, i, 0]
    old = BIOTagger().fit(X, y)
    del old.o_penalty  # a model pickled before the parameter existed decodes as it did
    assert old.decode_log_proba(logp, seq).tolist() == [b, 0, 0]
    with pytest.raises(ValueError, match="o_penalty must be a number >= 0, got -1"):
        BIOTagger(o_penalty=-1).fit(X, y)


def test_glued_marks_cuts_inside_words_only():
    from aseanner.features import codepoints, glued
    # Thai: cut before a dependent vowel; Khmer: cut after coeng; Latin: inside a word; not at spaces or hyphens
    text = "แปซิฟิก ខ្មែរ Trudeau ASEAN-US"
    cuts = [(0, 5), (5, 7), (8, 10), (10, 13), (14, 17), (17, 21), (22, 27), (27, 28), (28, 30)]
    starts, ends = np.array([c[0] for c in cuts]), np.array([c[1] for c in cuts])
    got = glued(codepoints(text), starts, ends, np.zeros(len(cuts), dtype=int)).tolist()
    assert got == [False, True, False, True, False, True, False, False, False]
    # never across paragraphs
    assert glued(codepoints("ab"), np.array([0, 1]), np.array([1, 2]), np.array([0, 1])).tolist() == [False, False]


def test_glued_keeps_a_khmer_final_consonant_with_its_syllable():
    from aseanner.features import codepoints, glued
    # សឿ យ៉ា|ន and ពិសិ|ដ្ឋ: a bare consonant (with subscripts) that ends the word is the coda of the
    # syllable before it; សាឡេ|ហ៍ with the sign ៍ too. Not when a vowel follows (យ៉ា|នា), not a
    # list marker (អាស៊ាន|គ.), not a consonant whose sign is its vowel (កម្ពុជា|ធំ: ធំ is a word)
    def cut(text, i):
        cp = codepoints(text)
        return bool(glued(cp, np.array([0, i]), np.array([i, len(text)]), np.zeros(2, dtype=int))[1])

    assert cut("យ៉ាន", 3) and cut("ពិសិដ្ឋ ប្រធាន", 4) and cut("សាឡេហ៍", 4) and cut("យ៉ាន។", 3)
    assert not cut("យ៉ានា", 3) and not cut("អាស៊ានគ.", 6) and not cut("កម្ពុជាធំ", 7)
    assert cut("Ab", 1)  # Latin runs stay glued as before
    # the Viterbi then keeps the whole name: the classifier alone would end it before ន
    b, i = TAGS.index("B-PERSON"), TAGS.index("I-PERSON")
    logp = np.log(np.full((3, len(TAGS)), 0.01))
    logp[0, b], logp[1, i] = np.log(0.9), np.log(0.9)
    logp[2, 0], logp[2, i] = np.log(0.6), np.log(0.3)
    text = "សឿ យ៉ាន"
    starts, ends = np.array([0, 3, 6]), np.array([2, 6, 7])
    glue = glued(codepoints(text), starts, ends, np.zeros(3, dtype=int))
    assert glue.tolist() == [False, False, True]
    assert decode(logp, np.zeros(3, int), 1.0).tolist() == [b, i, 0]
    assert decode(logp, np.zeros(3, int), 1.0, glue).tolist() == [b, i, i]

def test_fast_tfidf_equals_sklearn():
    from sklearn.feature_extraction.text import TfidfTransformer
    from aseanner.model import tfidf_transform

    counts = sp.csr_matrix(np.array([[3, 0, 1, 0], [0, 0, 0, 0], [1, 2, 0, 5]], dtype=np.float32))
    tf = TfidfTransformer(sublinear_tf=True).fit(counts)
    assert np.allclose(tfidf_transform(counts, tf.idf_).toarray(), tf.transform(counts).toarray())


def test_append_columns_equals_hstack():
    from aseanner.model import append_columns

    x = sp.csr_matrix(np.array([[0, 1.5, 0], [0, 0, 0], [2, 0, 3]]))
    dense = np.array([[0, 1.0], [4.0, 0], [0, 0]])
    assert np.array_equal(append_columns(x, dense).toarray(), sp.hstack([x, sp.csr_matrix(dense)]).toarray())


def test_paragraph_scripts_follow_detect_lang():
    from aseanner.features import codepoints, paragraph_scripts
    from aseanner.text import detect_lang

    paras = ["ไทย ASEAN", "ខ្មែរ ไทย", "᧠᧡᧢᧣ ไทย", "ASEAN 2024", "កម្ពុជា"]
    text = "\n".join(paras)
    starts = np.cumsum([0] + [len(p) + 1 for p in paras[:-1]])
    assert paragraph_scripts(codepoints(text), starts).tolist() == [detect_lang(p) == "km" for p in paras]


def test_encode_views_in_blocks_equals_one_encode(tiny_model):
    from aseanner.train import encode_views

    views = ["ความร่วมมือด้านสาธารณสุขและการค้า", "", "កិច្ចសហប្រតិបត្តិការ ពាណិជ្ជកម្ម និង ទេសចរណ៍", "การท่องเที่ยว"]
    whole, blocks = tiny_model.encode(views), encode_views(tiny_model, views, block=2)
    for name in ("ids", "starts", "ends", "seq", "cue_hits", "glue", "para_km"):
        assert getattr(blocks, name).tolist() == getattr(whole, name).tolist(), name
    # cue rows point at their paragraph's own text
    for p, s, e, sector in whole.cue_hits:
        assert views[p][s:e]
    assert sorted({int(p) for p in whole.cue_hits[:, 0]}) == [0, 2, 3]


def test_names_without_the_registry_lose_their_features_cuts_and_links(tiny_model):
    from aseanner.features import GAZ_CODE
    from aseanner.train import hidden_names, without_names

    views = ["กระทรวงการต่างประเทศแคนาดาและจีน"]
    full = tiny_model.encode(views)
    found = {views[0][s:e]: entry.type for s, e, entry in tiny_model._registry_names(views[0])}
    assert found == {"กระทรวงการต่างประเทศ": "ORG", "แคนาดา": "COUNTRY", "จีน": "COUNTRY"}
    less = without_names(tiny_model, ["แคนาดา"])
    assert less.tagger is tiny_model.tagger and "แคนาดา" in tiny_model.tokenizer.lexicon  # shared, not changed
    assert "แคนาดา" not in less.tokenizer.lexicon and less.registry.lookup("แคนาดา") is None
    part = less.encode(views)
    canada = (full.starts >= 20) & (full.ends <= 26)
    assert set(full.gaz[canada].tolist()) <= {GAZ_CODE["COUNTRY"], GAZ_CODE["COUNTRY"] + 1} and full.gaz[canada].any()
    in_part = (part.starts >= 20) & (part.ends <= 26)
    assert not part.gaz[in_part].any()
    # the other names keep their tokens and features
    keep = full.ends <= 20
    assert part.starts[part.ends <= 20].tolist() == full.starts[keep].tolist()
    assert part.gaz[part.ends <= 20].tolist() == full.gaz[keep].tolist()
    assert part.gaz[part.starts >= 29].tolist() == full.gaz[full.starts >= 29].tolist() != []
    assert without_names(tiny_model, []) is tiny_model
    # the training recipe hides a seeded share of the chosen types only
    hidden = hidden_names(tiny_model.registry, 0.5, ("ORG",), 13)
    types = {e.type for e in tiny_model.registry.entries if e.name in hidden}
    assert types == {"ORG"} and 0.4 < len(hidden) / len({e.name for e in tiny_model.registry.entries
                                                          if e.type == "ORG"}) < 0.6
    with pytest.raises(ValueError, match="gaz_dropout must be a share in"):
        hidden_names(tiny_model.registry, 1.5, ("ORG",), 13)


def test_records_scored_as_if_the_registry_lacked_their_names(tiny_model):
    from aseanner.train import predict_records, unlisted_names, without_names

    text = "นายกฯ พบ Ann  LEE ที่เชียงใหม่ กับ UNICEF และ Foo Corp ของแคนาดา"
    ents = [("Ann  LEE", "PERSON", None), ("เชียงใหม่", "LOC", None), ("UNICEF", "ORG", "UNICEF"),
            ("Foo Corp", "ORG", None), ("แคนาดา", "COUNTRY", "CA")]
    rec = {"id": "x#0", "lang": "th", "text": text, "sectors": [],
           "entities": [{"start": text.index(t), "end": text.index(t) + len(t), "label": lab, "id": i}
                        for t, lab, i in ents]}
    # people, places and organisations without an id go; states and linked organisations stay listed
    assert unlisted_names([rec]) == {"Ann  LEE", "เชียงใหม่", "Foo Corp"}
    assert tiny_model.registry.entry("เชียงใหม่") is not None
    less = without_names(tiny_model, unlisted_names([rec]))
    assert less.registry.entry("เชียงใหม่") is None and less.registry.lookup("แคนาดา") == "CA"
    assert "เชียงใหม่" not in less.tokenizer.lexicon and "เชียงใหม่" in tiny_model.tokenizer.lexicon
    pred = predict_records(less, [rec])[0]["entities"]
    assert {(e["label"], e["id"]) for e in pred if text[e["start"]:e["end"]] == "แคนาดา"} == {("COUNTRY", "CA")}


def test_sector_cues_inside_mentions_are_counted_apart(tiny_model):
    view = "รัฐมนตรีว่าการกระทรวงพลังงานหารือด้านพลังงาน"
    tok = tiny_model.encode([view])
    energy = [(s, e) for p, s, e, sector in tok.cue_hits.tolist() if sector == 7]
    assert [view[s:e] for s, e in energy] == ["พลังงาน", "พลังงาน"]
    ministry = (view.index("กระทรวง"), view.index("หารือ"))
    from aseanner.features import cue_counts

    split = cue_counts(tok.cue_hits, 1, np.array([[0, *ministry]]))
    assert split[0, 7] == 1 and split[0, 15 + 7] == 1  # outside, inside the ministry's name
    assert cue_counts(tok.cue_hits, 1)[0, 7] == 2
    assert tiny_model.config["cue_split_mentions"]
    with pytest.raises(ValueError, match="mentions are required"):
        tiny_model.paragraph_features(tok, 1)
    # a COUNTRY mention never hides a cue; other types do
    spans = [(0, *ministry, "ORG"), (0, 0, 3, "COUNTRY")]
    assert tiny_model.mentions(tok, spans).tolist() == [[0, *ministry]]


def test_threshold_near_ties_go_to_the_default():
    clf = SectorClassifier(C=1.0).fit(sp.csr_matrix(np.eye(2)), np.array([[1], [0]]))
    grid = [0.2, 0.5, 0.8]

    def tuned(probs, y, **kw):
        clf.predict_proba = lambda X: np.array(probs)[:, None]
        return clf.tune_thresholds(np.zeros((len(y), 1)), np.array(y)[:, None], grid=grid, **kw).thresholds_.tolist()

    # F1 is 1.0 at 0.5 and 0.8 (exact tie: the default wins), 0.667 at 0.2
    assert tuned([0.95, 0.25, 0.1], [1, 0, 0]) == pytest.approx([0.5])
    # F1 at 0.5: 3 right of 5 predicted -> 0.75; at 0.8: 2 of 2 -> 0.8
    probs, y = [0.95, 0.85, 0.6, 0.6, 0.6, 0.1], [1, 1, 1, 0, 0, 0]
    assert tuned(probs, y) == pytest.approx([0.8])
    assert tuned(probs, y, tolerance=0.06) == pytest.approx([0.5])  # within 0.06 of the best: a near-tie
    assert tuned(probs, y, tolerance=0.04) == pytest.approx([0.8])
    with pytest.raises(ValueError, match="tolerance must be a number >= 0"):
        tuned(probs, y, tolerance=-0.1)


def test_cue_counts_split_equals_a_plain_loop():
    from aseanner.features import cue_counts

    rng = np.random.default_rng(5)
    for _ in range(100):
        n = int(rng.integers(1, 5))
        hits = []
        for p in range(n):
            for _ in range(int(rng.integers(0, 4))):
                s = int(rng.integers(0, 40))
                hits.append([p, s, s + int(rng.integers(1, 6)), int(rng.integers(0, 15))])
        hits = np.array(hits, dtype=np.int64).reshape(-1, 4)
        mentions = []
        for p in range(n):  # non-overlapping mentions per paragraph, in random order
            cuts = np.sort(rng.choice(np.arange(50), size=2 * int(rng.integers(0, 3)), replace=False))
            mentions += [[p, int(a), int(b)] for a, b in zip(cuts[::2], cuts[1::2])]
        rng.shuffle(mentions)
        mentions = np.array(mentions, dtype=np.int64).reshape(-1, 3)
        ref = np.zeros((n, 30))
        for p, s, e, sector in hits:
            inside = any(mp == p and ms <= s and e <= me for mp, ms, me in mentions)
            ref[p, sector + 15 * inside] += 1
        assert cue_counts(hits, n, mentions).tolist() == ref.tolist()
        assert cue_counts(hits, n).tolist() == (ref[:, :15] + ref[:, 15:]).tolist()


def test_paragraph_matrix_equals_a_plain_count_loop():
    from aseanner.features import Tokens, paragraph_matrix

    rng = np.random.default_rng(11)
    for _ in range(100):
        n, n_par, vocab = int(rng.integers(0, 40)), int(rng.integers(1, 5)), 12
        seq, ids = np.sort(rng.integers(0, n_par, n)), rng.integers(0, vocab, n)
        z = np.zeros(n, dtype=np.int64)
        m = paragraph_matrix(Tokens(ids, z, z, seq, z, z.astype(bool), z.astype(bool), z), n_par, vocab, 0)
        ref = np.zeros((n_par, vocab))
        for p, i in zip(seq, ids):
            ref[p, i] += 1
        assert m.toarray().tolist() == ref.tolist()
        assert m.has_sorted_indices and len(m.data) == int((ref > 0).sum())  # canonical: no duplicate entries


def test_linking_uses_the_lexicon_scan_not_the_gazetteer_regex():
    from aseanner.bundle import load
    from aseanner.linking import link
    from aseanner.resources import default_model_dir

    m = load(default_model_dir())  # a fresh instance: nothing compiled yet
    m.predict("ความร่วมมือระหว่างไทยและแคนาดา")
    assert link("ประชาชนแคนาดาทั้งหมด", "COUNTRY", m.registry, m._registry_names) == ("COUNTRY", "CA")
    assert "_regex" not in m.gazetteer.__dict__  # half a second to compile, and not needed
    for text in ("ประชาชนแคนาดาทั้งหมด", "កម្ពុជា និង ជប៉ុន", "EU and ASEAN, EUR", "สหรัฐอเมริกาและจีน"):
        assert m._registry_names(text) == m.gazetteer.find(text)
