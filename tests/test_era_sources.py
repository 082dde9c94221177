"""Validation across sources: collections grouped, no source on both sides of a split, spans read
as eras, eras weighed equally."""
import numpy as np

from models.era import FEATURES, LABELS
from train.eras import sources as SRC
from train.eras import training as T


def test_collections_are_the_sources_and_spans_give_their_middle_decade():
    dv = "distant-viewing/dvscripts"
    assert SRC.source_of({"source_repo": dv, "note": "EPA DOCUMERICA (NARA id)"}) == "DOCUMERICA"
    assert SRC.source_of({"source_repo": dv, "note": "FSA/OWI B&W negatives"}) == "FSA/OWI"
    assert SRC.source_of({"source_repo": "tmoody1973/redlined", "note": ""}) == "FSA/OWI"  # the same LOC collection
    plates = {SRC.source_of({"source_repo": r, "note": ""}) for r in
              ("JophiArcana/CS180-HW1", "chetanaramaiyer/Prokudin-Gorskii", "TurnoffyourTV/ColorfulPictureRecovery")}
    assert plates == {"Prokudin-Gorskii"}
    values = ("1880s", "1937", "1935-1944", "1905-1915", "1970s")
    assert [SRC.decade_of(v) for v in values] == [1880, 1930, 1930, 1910, 1970]


def test_no_source_is_on_both_sides_of_a_split(monkeypatch):
    rng = np.random.default_rng(0)
    sources = ["a"] * 5 + ["b"] * 4 + ["c"] * 6
    labels = rng.choice([LABELS.index("1880s"), LABELS.index("1910s"), LABELS.index("1930s")], len(sources))
    dated = T.Photos(rng.normal(size=(len(sources), len(FEATURES))), labels, [f"f{i}" for i in range(15)], sources)
    modern = T.Photos(rng.normal(size=(6, len(FEATURES))), np.full(6, LABELS.index("modern")),
                      [f"m{i}" for i in range(6)])
    seen = []

    def recording_train(real, modern_part, cfg, columns):
        seen.append((set(real.sources), set(modern_part.files)))
        n = len(columns)
        return np.zeros(n), np.ones(n), np.zeros((n, len(LABELS))), np.zeros(len(LABELS))
    monkeypatch.setattr(SRC, "train", recording_train)
    probs, modern_probs, _, _ = SRC.source_held_out_probs(dated, modern, T.EraConfig())
    assert [s for s, _ in seen] == [{"b", "c"}, {"a", "c"}, {"a", "b"}]  # each source held out once, wholly
    held = [set(modern.files) - m for _, m in seen]
    assert all(held) and set().union(*held) == set(modern.files) and sum(map(len, held)) == 6  # each modern photo once
    assert probs.shape == (15, len(LABELS)) and np.allclose(probs.sum(1), 1) and np.allclose(modern_probs.sum(1), 1)


def test_era_weights_make_every_era_and_modern_weigh_the_same():
    labels = np.array([LABELS.index("1880s")] * 2 + [LABELS.index("1910s")] * 1 + [LABELS.index("1930s")] * 6
                      + [LABELS.index("1970s")] * 2 + [LABELS.index("modern")] * 1)
    w = T.era_weights(labels)
    totals = {}
    for k in labels:
        group = "modern" if LABELS[k] == "modern" else T.era_of(LABELS[k])
        totals[group] = totals.get(group, 0) + w[k]
    assert len(totals) == 4 and np.allclose(list(totals.values()), len(labels) / 4)
