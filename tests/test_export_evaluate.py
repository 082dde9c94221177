"""Pieces of the export and evaluation commands on a tiny network and random photos."""
import json
from pathlib import Path

import numpy as np
import pytest

import minitorch_color as mt
from models.colornet import ColorNet, ColorNetConfig
from models.inference import Colorizer
from train import export_colornet as E
from train.colornet import evaluation as V


def _cz():
    mt.manual_seed(0)
    return Colorizer(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64))), np.linspace(0.5, 2, 261), size=32)


def test_wall_time_from_log(tmp_path):
    log = tmp_path / "run.log"
    log.write_text("train: 50%|##| 1/2 [00:59<00:59, 1.0s/it]\rtrain: 100%|##| 2/2 [1:21:22<00:00, 1.7s/it]")
    assert E.wall_time_from_log(log) == 3600 + 21 * 60 + 22
    log.write_text("no progress here")
    assert E.wall_time_from_log(log) is None
    assert E.wall_time_from_log(tmp_path / "missing.log") is None


def test_decodings_chosen_by_the_user_centred_rule_and_refinement_by_psnr():
    from train.colornet import judging as J
    rng = np.random.default_rng(0)
    cz = _cz()
    rgb = rng.random((6, 32, 32, 3))
    grid = J.decoding_grid(sizes=(32,), temperatures=(0.38,), corrections=(0.0, 0.6), smoothing=(0.0, 1.0),
                           gates=(0.0,))
    choice, grids = E.choose_decodings(cz, cfg_without_film(), {"intel": rgb}, None, judged_photos={"intel": rgb},
                                       grid=grid)
    assert len(grids["decode_grid_val"]) == len(grid) == 4
    assert {k: choice[k] for k in ("temperature", "prior_correction", "smoothing", "gray_gate", "size")} in [
        {**g["decoding"], "size": 32} for g in grids["decode_grid_val"]]
    assert (cz.temperature, cz.prior_correction, cz.smoothing) == (choice["temperature"], choice["prior_correction"],
                                                                   choice["smoothing"])
    assert "balanced accuracy" in choice["rule"] and isinstance(choice["meets_rule"], bool)
    pick, rgrid = E.tune_refinement(cz, rgb, n_images=3)
    assert len(rgrid) == len(E.REFINE_REACHES) * len(E.REFINE_SIGMAS) and pick in rgrid


def cfg_without_film():
    from train.colornet.training import TrainConfig
    return TrainConfig()


def test_hints_curve_and_per_scene_report():
    rng = np.random.default_rng(1)
    cz = _cz()
    rgb = rng.random((4, 32, 32, 3))
    curve = V.hints_curve(cz, rgb, rng, counts=(0, 5))
    assert [c["hints"] for c in curve] == [0, 5]
    assert curve[0]["psnr_mean"] == curve[0]["psnr_mean_network_only"]
    assert curve[1]["psnr_mean"] != curve[1]["psnr_mean_network_only"]  # the refinement changed something
    assert all(np.isfinite(c[k]) for c in curve for k in c)
    ab, scenes = V.colorize_batch(cz, rgb)
    assert ab.shape == (4, 32, 32, 2) and scenes.shape == (4, 6)
    from models.color import rgb_to_lab
    from train.common import metrics
    lab = rgb_to_lab(rgb)
    rep = V.per_scene(ab, lab, np.array([0, 0, 1, 1]), rgb, ("a", "b"))
    assert rep["a"]["n"] == 2 and rep["b"]["n"] == 2
    # each scene is scored on its own photos only
    assert rep["b"]["pixel_accuracy"] == metrics.color_class_report(lab[2:, ..., 1:], ab[2:]).accuracy
    assert rep["a"]["pixel_accuracy"] == metrics.color_class_report(lab[:2, ..., 1:], ab[:2]).accuracy


def test_a_source_scored_beside_a_compared_model_and_the_scene_head(tmp_path):
    from models.color import ABQuantizer
    from train.common import data
    rng = np.random.default_rng(2)
    photos = data.ImageSet((rng.random((6, 32, 32, 3)) * 255).astype(np.uint8), np.zeros(6, np.int64), ("x",))
    cz = _cz()
    mt.manual_seed(1)
    other = Colorizer(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64))), np.ones(261), size=32)
    r = V.colour_section(cz, photos, photos, "faces", ABQuantizer(), tmp_path, compare=("other.npz", other))
    methods = r.report["methods"]
    assert {"colornet", "compared", "all_gray", "train_mean"} <= set(methods)
    assert methods["compared"]["weights"] == "other.npz"
    assert not np.allclose(r.ab, r.compared_ab)  # the compared model's own colours were scored
    assert methods["all_gray"]["skin_hue"]["recall"] in (0.0, None)  # gray is never a skin hue
    assert r.ab.shape == r.compared_ab.shape == (6, 64, 64, 2)
    V.examples_figure("t", r.rgb, {"ours": r.ab, "other": r.compared_ab}, tmp_path / "ex.png", count=3)
    assert (tmp_path / "ex.png").stat().st_size > 1000
    probs = np.array([[0.9, 0.05, 0.05], [0.3, 0.6, 0.1], [0.4, 0.35, 0.25], [0.1, 0.8, 0.1]])
    rep = V.scene_head_section(np.array([0, 1, 1, 1]), probs, tmp_path, ("a", "b", "c"))
    assert rep["accuracy"] == 0.75  # the third photo is wrong, and too unsure (0.4) to be shown
    assert rep["shown"]["share"] == 0.75 and rep["shown"]["accuracy_when_shown"] == 1.0


def test_card_pieces_for_a_mixed_run(tmp_path):
    from train.colornet.training import TrainConfig
    cfg = TrainConfig(mix="intel=0.5,faces=0.3,cifar=0.2", film_inputs=True, film_prob=0.3)
    card = E.data_card(cfg)
    assert "faces_utk64" in card["train"] and "share 0.30" in card["train"] and "30%" in card["film"]
    rng = np.random.default_rng(0)
    pools = {k: ((rng.random((5, 8, 8, 3)) * 255).astype(np.uint8), np.zeros(5)) for k in ("intel", "faces", "cifar")}
    val = E.validation_photos(cfg, pools, 3)
    assert set(val) == {"intel", "faces"} and val["faces"].shape == (3, 8, 8, 3)  # 3 per source, CIFAR-10 left out
    history = [{"step": s, "images_seen": 16 * s, "sources": {k: {"pixel_accuracy": 0.5, "balanced_accuracy": 0.2}
                                                               for k in ("intel", "faces")}} for s in (10, 20)]
    E.learning_curve_figure(history, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000


def test_lineage_continues_the_history_of_the_checkpoint_a_branch_started_from(tmp_path, capsys):
    from train.colornet.training import TrainConfig
    entry = lambda step, acc: {"step": step, "images_seen": 16 * step, "seconds": step / 2.0,  # noqa: E731
                               "sources": {"intel": {"pixel_accuracy": acc}}}
    parent = tmp_path / "parent.npz"
    mt.save({"history": json.dumps([entry(1000, 0.4), entry(2000, 0.45)]), "step": np.array(2000),
             "seconds": np.array(1000.0)}, parent)
    ckpt = {"history": json.dumps([entry(100, 0.5)]), "step": np.array(100), "seconds": np.array(50.0)}
    history, seconds, step0 = E.lineage(TrainConfig(init=str(parent), out="runs/branch"), ckpt)
    assert step0 == 2000 and seconds == 1050.0
    assert [h["step"] for h in history] == [1000, 2000, 2100]
    assert history[-1]["images_seen"] == 32000 + 1600 and history[-1]["run"] == "runs/branch"
    own = E.lineage(TrainConfig(init=str(tmp_path / "gone.npz")), ckpt)
    assert own == (json.loads(ckpt["history"]), 50.0, 0) and "is not here" in capsys.readouterr().out


def test_film_section_compares_telling_the_film_with_reading_lightness():
    from models.colornet import ColorNetConfig as Cfg
    mt.manual_seed(0)
    cz = Colorizer(ColorNet(Cfg(channels=(8, 16), film_inputs=True)), np.ones(261), size=16)
    rgb = np.random.default_rng(0).random((5, 16, 16, 3))
    rep = V.film_section(cz, rgb, resamples=50)
    for film in ("orthochromatic", "blue-sensitive"):
        r = rep[film]
        assert r["gain"] == pytest.approx(r["told_the_film"] - r["read_as_lightness"])
        assert r["gain_95"][0] <= r["gain"] <= r["gain_95"][1]
        assert r["psnr_gain"] == pytest.approx(r["psnr_told_the_film"] - r["psnr_read_as_lightness"])
        assert r["psnr_gain_95"][0] <= r["psnr_gain"] <= r["psnr_gain_95"][1]
        assert r["balanced_gain"] == pytest.approx(r["balanced_told_the_film"] - r["balanced_read_as_lightness"])
    chunked = V.film_section(cz, rgb, resamples=50, chunk=2)  # in chunks of 2 photos: the same numbers
    for film in ("orthochromatic", "blue-sensitive"):
        assert chunked[film]["told_the_film"] == pytest.approx(rep[film]["told_the_film"])
        assert chunked[film]["psnr_read_as_lightness"] == pytest.approx(rep[film]["psnr_read_as_lightness"])
    with pytest.raises(ValueError, match="film inputs"):
        V.film_section(_cz(), rgb)


def test_balanced_accuracy_from_per_photo_counts_matches_the_report_and_resamples_photos():
    from models.color import COLOR_CLASSES
    from train.common import metrics
    rng = np.random.default_rng(4)
    true, pred = rng.integers(0, 9, (6, 8, 8)), rng.integers(0, 9, (6, 8, 8))
    pred[:3] = true[:3]  # half the photos right everywhere
    hits, support = V.class_counts(true, pred, len(COLOR_CLASSES))
    assert hits.shape == support.shape == (6, 9) and (hits <= support).all() and support.sum() == true.size
    rep = metrics.classification_report(true.ravel(), pred.ravel(), COLOR_CLASSES)
    assert V.balanced_from_counts(hits, support) == pytest.approx(rep.balanced_accuracy)
    assert V.balanced_from_counts(hits[:3], support[:3]) == pytest.approx(1.0)
    picks = [rng.integers(6, size=6) for _ in range(40)]
    assert V.paired_balanced_gain(hits, hits, support, picks) == (0.0, [0.0, 0.0])
    gain, (lo, hi) = V.paired_balanced_gain(support, hits, support, picks)  # perfect against these
    assert gain == pytest.approx(1 - rep.balanced_accuracy) and 0 < lo <= hi


def _film_cz(old_film=None):
    mt.manual_seed(0)
    return Colorizer(ColorNet(ColorNetConfig(channels=(8, 16), film_inputs=True)), np.linspace(0.5, 2, 261), size=16,
                     temperature=0.6, prior_correction=0.75, old_film_decoding=old_film)


def test_film_section_decodes_both_readings_alike_and_scores_the_era_path_against_the_plain_one():
    rgb = np.random.default_rng(1).random((5, 16, 16, 3))
    same = V.film_section(_film_cz(), rgb, resamples=50)  # no old-film decoding: the plain path's decoding
    other = V.film_section(_film_cz((0.2, 0.25)), rgb, resamples=50)
    for film in ("orthochromatic", "blue-sensitive"):
        assert same[film]["decode"] == same[film]["plain_decode"] == {"temperature": 0.6, "prior_correction": 0.75}
        assert same[film]["era_path_gain"] == pytest.approx(same[film]["gain"])
        r = other[film]
        assert r["decode"] == {"temperature": 0.2, "prior_correction": 0.25}
        assert r["era_path_gain"] == pytest.approx(r["told_the_film"] - r["plain_path"])
        assert r["era_path_gain_95"][0] <= r["era_path_gain"] <= r["era_path_gain_95"][1]
        assert r["plain_path"] == pytest.approx(same[film]["read_as_lightness"])  # the same logits, decoded alike
        # the lightness reading is decoded as the old film's grays here: other colours than the plain path's
        assert r["psnr_read_as_lightness"] != pytest.approx(same[film]["psnr_read_as_lightness"])


def test_old_film_decoding_is_picked_from_what_it_measured():
    rgb = np.random.default_rng(2).random((4, 16, 16, 3))
    choice, grid = E.tune_old_film_decoding(_film_cz(), rgb, chunk=3)
    assert len(grid) == len(E.TEMPERATURES) * len(E.CORRECTIONS)

    def told(g):
        return sum(g[f]["told_the_film"]["pixel_accuracy"] + g[f]["told_the_film"]["balanced_accuracy"]
                   for f in E.OLD_FILMS)
    best = max(grid, key=told)
    assert (choice["temperature"], choice["prior_correction"]) == (best["temperature"], best["prior_correction"])
    assert all(0 <= g[f][k]["pixel_accuracy"] <= 1 for g in grid for f in E.OLD_FILMS
               for k in ("told_the_film", "read_as_lightness"))


def test_retune_old_film_rewrites_the_weights_and_card_consistently(tmp_path, monkeypatch):
    from models.inference import save_colornet
    from models.weights import sha256
    cz = _film_cz()
    path = tmp_path / "cn.npz"
    save_colornet(cz.net, path, np.linspace(0.5, 2, 261), {"decode": {"temperature": 0.6, "prior_correction": 0.75,
                                                                      "size": 16}})
    path.with_suffix(".json").write_text(json.dumps({"sha256": sha256(path), "note": "kept"}))
    before = Colorizer.from_weights(path)
    assert before.old_film_decoding is None
    monkeypatch.setattr(E, "intel_validation", lambda n: np.random.default_rng(3).integers(0, 256, (3, 20, 20, 3),
                                                                                          dtype=np.uint8))
    out = E.retune_old_film(path, n_images=3)
    after = Colorizer.from_weights(path)  # verifies the card's new sha256
    card = json.loads(path.with_suffix(".json").read_text())
    choice = (out["old_film"]["temperature"], out["old_film"]["prior_correction"])
    assert after.old_film_decoding == choice and card["note"] == "kept"
    assert card["decode"]["old_film"]["temperature"] == choice[0] and card["sha256"] == sha256(path)
    assert (after.temperature, after.prior_correction, after.size) == (0.6, 0.75, 16)
    for name, p in before.net.state_dict().items():  # the same weights
        np.testing.assert_array_equal(p, after.net.state_dict()[name])
    assert (tmp_path / "cn_figures" / "old_film_decoding.png").exists()  # beside a candidate, not in reports/
    with pytest.raises(SystemExit, match="no film inputs"):
        plain = tmp_path / "plain.npz"
        save_colornet(_cz().net, plain, np.ones(261), {"decode": {}})
        E.retune_old_film(plain)


def test_only_weights_in_a_weights_folder_write_the_shipped_figures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert E.figure_folder(Path("weights/colornet.npz")) == Path("reports/colornet")
    assert E.figure_folder(tmp_path / "try" / "colornet.npz") == tmp_path / "try" / "colornet_figures"
    assert (tmp_path / "reports" / "colornet").is_dir() and (tmp_path / "try" / "colornet_figures").is_dir()


def test_cast_of_counts_colored_and_cool_pixels():
    ab = np.zeros((10, 10, 2))
    ab[:3] = (-5, -40)  # blue (hue about 263 degrees)
    ab[3:4] = (40, 30)  # orange-red
    cast = V.cast_of(ab)
    assert cast["coloured"] == pytest.approx(0.4) and cast["cool"] == pytest.approx(0.3)
    assert cast["dominant"] == "blue"
    assert V.cast_of(np.zeros((4, 4, 2))) == {"coloured": 0.0, "cool": 0.0, "dominant": "achromatic"}


def test_historical_section_describes_each_model_and_draws_old_photos(tmp_path, monkeypatch):
    from train.common import data
    rng = np.random.default_rng(0)
    rows = [{"image": rng.random((30, 40, 3)).astype(np.float32), "decade": d, "year_label": str(d or "?"),
             "file": f"p{i}.jpg"} for i, d in enumerate([1860, 1930, None, 1880])]
    monkeypatch.setattr(data, "load_historical", lambda: rows)
    rep = V.historical_section({"a": _cz(), "b": _cz()}, tmp_path, photo_size=48, figure_count=2)
    assert rep["n_photos"] == 4 and set(rep["models"]) == {"a", "b"} and rep["work_size"]["a"] == 32
    assert rep["models"]["a"] == rep["models"]["b"]  # the same network describes alike
    assert 0 <= rep["models"]["a"]["cool"] <= rep["models"]["a"]["coloured"] <= 1
    assert sum(rep["models"]["a"]["dominant_colours"].values()) == 4
    assert (tmp_path / "historical.png").exists()


def test_extrapolation_fits_the_curve_in_log_images_seen():
    history = [{"step": n, "images_seen": n, "sources": {"intel": {"pixel_accuracy": 0.3 + 0.02 * np.log2(n / 1000)}}}
               for n in (1000, 2000, 4000, 8000, 16000, 32000)]
    ext = E.extrapolation(history, target=0.42, share=0.5)
    assert ext["points"] == 3 and ext["from_images"] == 8000 and ext["to_images"] == 32000
    assert ext["gain_per_doubling"] == pytest.approx(0.02) and ext["residual_std"] < 1e-9
    assert ext["images_for_target"] == pytest.approx(64000) and ext["doublings_needed"] == pytest.approx(1)
    falling = [{**h, "sources": {"intel": {"pixel_accuracy": 1 - h["sources"]["intel"]["pixel_accuracy"]}}}
               for h in history]
    assert E.extrapolation(falling)["images_for_target"] is None
    assert E.extrapolation(history[:4], share=0.5) is None  # too few points


def test_compare_colornets_scores_each_decoding_and_says_which_beat(tmp_path, monkeypatch, capsys):
    from train import compare_colornets as C
    rng = np.random.default_rng(0)
    sources = {"intel": rng.random((4, 16, 16, 3)), "faces": rng.random((3, 16, 16, 3))}
    acc = C.accuracies(_cz(), sources, [(0.38, 0.5), (0.2, 1.0)])
    assert set(acc) == {"T0.38_a0.5", "T0.2_a1.0"} and set(acc["T0.38_a0.5"]) == {"intel", "faces"}
    assert all(0 <= v["pixel_accuracy"] <= 1 for v in acc["T0.2_a1.0"].values())
    monkeypatch.setattr(C, "held_out_sources", lambda images: sources)
    monkeypatch.setattr(C.Colorizer, "from_weights", classmethod(lambda cls, path=None, size=None: _cz()))
    assert C.main(["new.npz", "--out", str(tmp_path / "c.json")]) == 0
    rep = json.loads((tmp_path / "c.json").read_text())
    assert set(rep["by_decoding"]) == {f"T{T}_a{a}" for T, a in C.GRID}
    same = f"T{_cz().temperature}_a{_cz().prior_correction}"
    assert same not in rep["beats_on_every_source"]  # the same network at the same decoding never beats itself
    assert rep["paired_gain_at_card_decoding"]["intel"] == {"gain": 0.0, "gain_95": [0.0, 0.0]}
    assert rep["clearly_beats_on_every_source"] is False


def test_paired_gains_see_a_better_model_and_its_spread(monkeypatch):
    from train import compare_colornets as C
    rng = np.random.default_rng(1)
    per_photo = {"new": rng.uniform(0.5, 0.7, 200)}
    per_photo["old"] = per_photo["new"] - rng.normal(0.02, 0.01, 200)  # the new one 2 points better, paired
    monkeypatch.setattr(C, "per_photo_accuracy", lambda cz, rgb: per_photo[cz])
    g = C.paired_gains("new", "old", {"intel": None}, resamples=300)["intel"]
    assert g["gain"] == pytest.approx(0.02, abs=0.003)
    assert 0.015 < g["gain_95"][0] < g["gain"] < g["gain_95"][1] < 0.025  # the pairing removes the photo spread
    worse = C.paired_gains("old", "new", {"intel": None}, resamples=300)["intel"]
    assert worse["gain_95"][1] < 0


def test_film_reading_figure_colors_real_photos_both_ways():
    from models.colornet import ColorNetConfig as Cfg
    mt.manual_seed(0)
    cz = Colorizer(ColorNet(Cfg(channels=(8, 16), film_inputs=True)), np.ones(261), size=16)
    rng = np.random.default_rng(0)
    rows = [{"image": rng.random((20, 30, 3)).astype(np.float32), "decade": d, "year_label": str(d)}
            for d in (1860, 1890)]
    fig = V.film_reading_figure(cz, rows, photo_size=32)
    titles = [a.get_title() for a in fig.axes]
    assert "read as blue-sensitive film" in titles and "read as orthochromatic film" in titles
    assert titles.count("read as modern lightness") == 2


def test_compare_runs_gives_the_probe_its_paired_gain_over_the_base():
    from train import compare_runs as C
    rng = np.random.default_rng(5)
    photos = {"intel": rng.random((6, 16, 16, 3)), "faces": rng.random((4, 16, 16, 3))}
    base = _film_cz()
    same = C.compare(base, base, photos, resamples=30)
    for rows in same.values():
        for r in rows.values():
            assert r["gain"] == 0 and r["gain_95"] == [0.0, 0.0] and r["balanced_gain"] == 0
    mt.manual_seed(7)
    other = Colorizer(ColorNet(ColorNetConfig(channels=(8, 16), film_inputs=True)), np.linspace(2, 0.5, 261), size=16)
    diff = C.compare(base, other, photos, decodings=((0.2, 0.0),), resamples=30)
    assert set(diff) == {"intel", "faces"} and set(diff["intel"]) == {"T0.2_a0.0"}
    r = diff["intel"]["T0.2_a0.0"]
    assert r["gain"] == pytest.approx(r["probe_pixel"] - r["base_pixel"])
    assert r["balanced_gain"] == pytest.approx(r["probe_balanced"] - r["base_balanced"])


def test_fit_gap_scores_each_split_of_each_source_beside_all_gray():
    from train.fit_gap import fit_gap
    rng = np.random.default_rng(8)
    pool = {"intel": ((rng.random((5, 20, 20, 3)) * 255).astype(np.uint8), None)}
    out = fit_gap(_film_cz(), {"train": pool, "val": pool}, images=3)
    assert set(out["intel"]) == {"train", "val"} and out["intel"]["train"] == out["intel"]["val"]
    r = out["intel"]["train"]
    assert r["n"] == 3 and 0 <= r["pixel_accuracy"] <= 1 and 0 <= r["all_gray_pixel_accuracy"] <= 1


def test_report_commands_say_what_is_missing_without_a_traceback(tmp_path):
    from train import compare_runs, fit_gap
    missing = str(tmp_path / "none.npz")
    with pytest.raises(SystemExit, match="no such weights file"):
        E.main(["--retune-old-film", "--out", missing])
    with pytest.raises(SystemExit, match="no such weights file"):
        fit_gap.main(["--weights", missing])
    with pytest.raises(SystemExit, match="no checkpoint.npz"):
        compare_runs.main([str(tmp_path / "a"), str(tmp_path / "b")])


@pytest.mark.slow
def test_export_turns_a_tiny_run_into_weights_whose_card_matches(tmp_path, monkeypatch):
    from models.weights import sha256
    from train.colornet import judging as J
    from train.colornet import training as T
    from train.common.config import parse_overrides
    rng = np.random.default_rng(5)
    imgs = (rng.random((24, 16, 16, 3)) * 255).astype(np.uint8)
    imgs[:12, :, :8] = [200, 40, 40]
    split = {"cifar": (imgs, np.full(24, -1)), "intel": (imgs, rng.integers(0, 6, 24))}
    data = {"train": split, "val": split}
    cfg = parse_overrides(["--steps=3", "--size=16", "--batch=4", "--val_every=3", "--val_images=8", "--warmup=1",
                           "--channels=8,16", "--film_inputs=true", f"--out={tmp_path / 'run'}"], T.TrainConfig())
    T.train(cfg, datasets=data, progress=False)
    monkeypatch.setattr(E, "load_training_data", lambda cfg: data)
    monkeypatch.setattr(E, "intel_validation", lambda n: imgs[:6])
    monkeypatch.setattr(E, "judged_validation", lambda cfg, n: {"intel": imgs[:4] / 255, "cifar": imgs[4:8] / 255})
    out = tmp_path / "try" / "cn.npz"
    assert E.main(["--run", str(tmp_path / "run"), "--out", str(out), "--val-images", "12", "--command", "tiny"]) == 0
    card = json.loads(out.with_suffix(".json").read_text())
    cz = Colorizer.from_weights(out)  # verifies the card's sha256
    assert card["sha256"] == sha256(out) and card["training"]["steps"] == 3 and card["training"]["command"] == "tiny"
    dec = card["decode"]
    assert (cz.temperature, cz.prior_correction, cz.size, cz.smoothing) == (
        dec["temperature"], dec["prior_correction"], dec["size"], dec["smoothing"])
    assert cz.old_film_decoding == (dec["old_film"]["temperature"], dec["old_film"]["prior_correction"])
    grids = json.loads(Path(card["decoding_grids"]["file"]).read_text())  # every decoding tried: a report
    assert card["decoding_grids"]["decode_grid_val"] == len(grids["decode_grid_val"]) == len(J.decoding_grid())
    assert set(grids["decode_grid_val"][0]["sources"]) == {"intel", "cifar"} == set(grids["decode_all_gray_val"])
    assert 0 <= card["float16_max_ab_change"] < 5
    assert (out.parent / "cn_figures" / "learning_curve.png").exists()
    assert (out.parent / "cn_figures" / "old_film_decoding.png").exists()


def test_export_refuses_a_folder_that_is_no_finished_run(tmp_path):
    with pytest.raises(SystemExit, match="not a finished training run folder"):
        E.main(["--run", str(tmp_path), "--out", str(tmp_path / "w.npz")])


def test_evaluate_film_only_measures_the_old_film_section_at_the_decoding_asked(tmp_path, monkeypatch):
    from models.inference import save_colornet
    from train import evaluate_colornet as EC
    from train.common.data import ImageSet
    rng = np.random.default_rng(6)
    photos = ImageSet((rng.random((5, 20, 20, 3)) * 255).astype(np.uint8), np.zeros(5, int), ("a",))
    monkeypatch.setattr(EC, "load_test_and_train", lambda: {"cifar10": (photos, photos), "intel": (photos, photos)})
    weights = tmp_path / "cn.npz"
    save_colornet(_film_cz().net, weights, np.linspace(0.5, 2, 261),
                  {"decode": {"temperature": 0.6, "prior_correction": 0.75, "size": 16,
                              "old_film": {"temperature": 0.38, "prior_correction": 1.0}}})
    out = tmp_path / "film.json"
    assert EC.main(["--weights", str(weights), "--film-only", str(out), "--old-film-decoding", "0.2,0.25"]) == 0
    rep = json.loads(out.read_text())
    assert rep["n_images"] == 5 and rep["old_film_decoding"] == {"temperature": 0.2, "prior_correction": 0.25}
    for film in ("orthochromatic", "blue-sensitive"):
        assert rep[film]["decode"] == {"temperature": 0.2, "prior_correction": 0.25}
        assert rep[film]["gain_95"][0] <= rep[film]["gain"] <= rep[film]["gain_95"][1]
    EC.main(["--weights", str(weights), "--film-only", str(out)])  # the card's old-film decoding
    assert json.loads(out.read_text())["old_film_decoding"] == {"temperature": 0.38, "prior_correction": 1.0}
    for bad in ("0.2", "x,0.5", "0.2,1.5", "0,0.5"):
        with pytest.raises(SystemExit):
            EC.main(["--weights", str(weights), "--film-only", str(out), "--old-film-decoding", bad])
    plain = tmp_path / "plain.npz"
    save_colornet(_cz().net, plain, np.ones(261), {"decode": {}})
    with pytest.raises(SystemExit, match="no film inputs"):
        EC.main(["--weights", str(plain), "--film-only", str(out)])


def test_one_hint_section_measures_what_a_single_hint_changes(tmp_path):
    rng = np.random.default_rng(9)
    photos = rng.random((3, 24, 24, 3))
    photos[:, :12] = [0.9, 0.1, 0.1]  # a clearly coloured half to click
    rep = V.one_hint_section(_cz(), list(photos), tmp_path, sheet=2)
    assert rep["n_photos"] == 3 and (tmp_path / "one_hint.png").stat().st_size > 1000
    for name in ("network", "product"):
        assert 0 <= rep[name]["mean"] <= rep[name]["max"] <= 1


def test_judge_colornet_writes_the_judgement_of_every_source_beside_all_gray(tmp_path, monkeypatch):
    from models.inference import save_colornet
    from train import judge_colornet as JC
    from train.colornet.scenes import SCENE_CLASSES
    from train.common.data import ImageSet
    rng = np.random.default_rng(10)
    sets = {name: ImageSet((rng.random((4, size, size, 3)) * 255).astype(np.uint8), np.zeros(4, int), ("x",))
            for name, size in (("intel", 40), ("faces", 24))}
    monkeypatch.setattr(JC, "held_out", lambda n: sets)
    monkeypatch.setattr(JC, "FACE_SIZES", (24, 48))
    mt.manual_seed(0)
    net = ColorNet(ColorNetConfig(channels=(8, 16, 32), num_scenes=len(SCENE_CLASSES)))
    weights = tmp_path / "cn.npz"
    save_colornet(net, weights, np.linspace(0.5, 2, 261),
                  {"decode": {"size": 32, "temperature": 0.38, "prior_correction": 0.3, "smoothing": 0.5},
                   "scene_classes": list(SCENE_CLASSES)})
    assert JC.main(["--weights", str(weights), "--compare", str(weights), "--out", str(tmp_path / "r"),
                    "--hint-images", "3"]) == 0
    rep = json.loads((tmp_path / "r" / "judgement.json").read_text())
    assert set(rep["sources"]) == {"intel", "faces"}
    assert set(rep["sources"]["intel"]) == {"this ColorNet", "compared", "all-gray"}
    ours, same = rep["sources"]["faces"]["this ColorNet"], rep["sources"]["faces"]["compared"]
    assert ours["pixel_accuracy"] == same["pixel_accuracy"] and set(ours["recall"]) >= {"green", "red"}
    assert rep["decode"]["vividness"] == pytest.approx(0.7) and set(rep["faces_by_size"]) == {"24", "48"}
    assert rep["scene_head"]["n"] == 8 and 0 <= rep["scene_head"]["majority_class_accuracy"] <= 1
    for fig in ("recall_by_colour.png", "contact_sheet.png", "one_hint.png", "confusion_faces_default.png"):
        assert (tmp_path / "r" / fig).stat().st_size > 1000
