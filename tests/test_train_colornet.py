"""The ColorNet training loop: overrides, a tiny run that lowers the loss, checkpoints and resume."""
import numpy as np
import pytest

import minitorch_color as mt
from models.color import ABQuantizer
from models.colornet import ColorNet, ColorNetConfig
from train.colornet import training as T
from train.common.config import parse_overrides


def _tiny_data(rng, n=24, size=16):
    def pool():
        imgs = (rng.random((n, size, size, 3)) * 255).astype(np.uint8)
        imgs[: n // 2, :, : size // 2] = [200, 40, 40]  # some red halves to learn
        return imgs
    split = {"cifar": (pool(), np.full(n, -1)), "intel": (pool(), rng.integers(0, 6, n))}
    return {"train": split, "val": split}


def _cfg(tmp_path, steps):
    return parse_overrides([f"--steps={steps}", "--size=16", "--batch=4", "--val_every=3", "--val_images=8",
                              "--channels=8,16", "--warmup=1", f"--out={tmp_path}", "--lr=0.01"], T.TrainConfig())


def test_overrides_and_errors():
    cfg = parse_overrides(["--steps=5", "--use_global=false", "--channels=8,16", "--lr=0.5"], T.TrainConfig())
    assert cfg.steps == 5 and cfg.use_global is False and cfg.channels == (8, 16) and cfg.lr == 0.5
    for bad in (["--nope=1"], ["--steps=x"], ["steps=3"], ["--use_global=maybe"]):
        with pytest.raises(SystemExit):
            parse_overrides(bad, T.TrainConfig())


def test_an_unknown_augmentation_recipe_stops_before_any_work(tmp_path):
    cfg = parse_overrides(["--augment=maybe", f"--out={tmp_path}"], T.TrainConfig())
    with pytest.raises(SystemExit, match="unknown augmentation recipe 'maybe'"):
        T.train(cfg, datasets={"train": None, "val": None}, progress=False)


@pytest.mark.slow
def test_tiny_run_checkpoints_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    data = _tiny_data(rng)
    hist = T.train(_cfg(tmp_path, 6), datasets=data, progress=False)
    assert [h["step"] for h in hist] == [3, 6]
    ckpt = mt.load(tmp_path / "checkpoint.npz")
    assert ckpt["step"] == 6 and (tmp_path / "best.npz").exists()
    hist2 = T.train(_cfg(tmp_path, 9), resume=True, datasets=data, progress=False)
    assert [h["step"] for h in hist2] == [3, 6, 9]
    assert mt.load(tmp_path / "checkpoint.npz")["step"] == 9
    with pytest.raises(SystemExit, match="no checkpoint"):
        T.train(_cfg(tmp_path / "empty", 3), resume=True, datasets=data, progress=False)


def test_loss_goes_down(tmp_path):
    rng = np.random.default_rng(1)
    data = _tiny_data(rng)
    cfg = _cfg(tmp_path, 1)
    cfg.augment = False
    quant = ABQuantizer()
    weights = np.ones(quant.num_bins)
    mt.manual_seed(0)
    net = ColorNet(ColorNetConfig(channels=(8, 16), num_bins=quant.num_bins))
    opt = mt.optim.Adam(net.parameters(), lr=0.01)
    batch = T.make_batch(data["train"], cfg, rng, quant, weights, 4, augment=False)
    losses = []
    for _ in range(30):
        loss = T.loss_fn(net(mt.tensor(batch[0])), batch[1], batch[2], batch[3], cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # cross-entropy never goes below the targets' own entropy: measure progress above that floor
    floor = sum(float(-(t * np.log(np.maximum(t, 1e-12))).sum(1).mean()) * (1.0 if k == len(batch[1]) - 1 else
                cfg.stage_weight) for k, t in enumerate(batch[1]))
    assert losses[-1] - floor < 0.75 * (losses[0] - floor), (floor, losses)  # memorising one batch
    assert all(b < a + 1e-3 for a, b in zip(losses, losses[1:])), losses


@pytest.mark.slow
def test_init_fine_tunes_from_an_earlier_run(tmp_path):
    rng = np.random.default_rng(2)
    data = _tiny_data(rng)
    T.train(_cfg(tmp_path / "a", 3), datasets=data, progress=False)
    first = mt.load(tmp_path / "a" / "checkpoint.npz")["model"]
    cfg = _cfg(tmp_path / "b", 1)
    cfg.init, cfg.lr = str(tmp_path / "a" / "checkpoint.npz"), 1e-9  # a step too small to move anything
    T.train(cfg, datasets=data, progress=False)
    tuned = mt.load(tmp_path / "b" / "checkpoint.npz")["model"]
    fresh_cfg = _cfg(tmp_path / "c", 1)
    fresh_cfg.lr, fresh_cfg.seed = 1e-9, 7
    T.train(fresh_cfg, datasets=data, progress=False)
    fresh = mt.load(tmp_path / "c" / "checkpoint.npz")["model"]
    key = next(k for k in first if k.endswith("weight"))
    assert np.allclose(tuned[key], first[key], atol=1e-5)
    assert not np.allclose(fresh[key], first[key], atol=1e-5)
    for bad, match in ((tmp_path / "missing.npz", "no such file"), (None, "does not fit")):
        cfg = _cfg(tmp_path / "d", 1)
        if bad is None:  # weights of a differently shaped model
            cfg.channels = (4, 8)
            bad = tmp_path / "a" / "best.npz"
        cfg.init = str(bad)
        with pytest.raises(SystemExit, match=match):
            T.train(cfg, datasets=data, progress=False)


def test_tiny_run_on_each_device(tmp_path, backend):
    rng = np.random.default_rng(3)
    cfg = _cfg(tmp_path, 3)
    cfg.device = backend
    hist = T.train(cfg, datasets=_tiny_data(rng), progress=False)
    assert hist[-1]["step"] == 3 and np.isfinite(hist[-1]["loss"])
    state = mt.load(tmp_path / "checkpoint.npz")
    assert all(isinstance(v, np.ndarray) for v in state["model"].values())  # saved as NumPy from any device


def test_unknown_device_is_refused(tmp_path):
    cfg = _cfg(tmp_path, 1)
    cfg.device = "tpu"
    with pytest.raises(SystemExit, match="'cpu' or 'cuda'"):
        T.train(cfg, datasets=_tiny_data(np.random.default_rng(0)), progress=False)


def test_a_run_in_pieces_ends_where_one_run_ends(tmp_path):
    """Stopped by its time limit and resumed, a run gives the very weights of an uninterrupted one."""
    data = _tiny_data(np.random.default_rng(4))
    T.train(_cfg(tmp_path / "whole", 5), datasets=data, progress=False)
    cfg = _cfg(tmp_path / "pieces", 5)
    cfg.max_minutes = 1e-9  # stops (with a checkpoint) after the first step
    T.train(cfg, datasets=data, progress=False)
    assert mt.load(tmp_path / "pieces" / "checkpoint.npz")["step"] == 1
    T.train(_cfg(tmp_path / "pieces", 5), resume=True, datasets=data, progress=False)
    whole, pieces = (mt.load(tmp_path / d / "checkpoint.npz") for d in ("whole", "pieces"))
    assert pieces["step"] == whole["step"] == 5
    for k in whole["model"]:
        np.testing.assert_array_equal(pieces["model"][k], whole["model"][k], err_msg=k)


def test_mixture_shares_and_errors():
    cfg = T.TrainConfig(mix="intel=2, faces=1,imagenette=1,cifar=0")
    assert T.mixture(cfg) == {"intel": 0.5, "faces": 0.25, "imagenette": 0.25}
    assert T.scene_classes(cfg)[-2:] == ("portrait", "everyday object") and len(T.scene_classes(cfg)) == 8
    assert T.mixture(T.TrainConfig(cifar_fraction=0.2)) == {"intel": 0.8, "cifar": 0.2}
    assert T.mixture(T.TrainConfig(cifar_fraction=0.0)) == {"intel": 1.0}  # a source with no share is not loaded
    assert len(T.scene_classes(T.TrainConfig())) == 6
    for bad, match in (("intel=1,paintings=1", "unknown source 'paintings'"), ("intel:1", "not source=share"),
                       ("intel=0", "not all zero")):
        with pytest.raises(SystemExit, match=match):
            T.mixture(T.TrainConfig(mix=bad))


def test_film_grays_and_planes_in_a_batch():
    rng = np.random.default_rng(5)
    red = np.zeros((8, 16, 16, 3), np.uint8)
    red[...] = [200, 30, 30]
    pools = {"intel": (red, np.zeros(8, np.int64))}
    cfg = T.TrainConfig(size=16, channels=(8, 16), film_inputs=True, film_prob=1.0, hint_prob=0.0, region_prob=0.0,
                        cifar_fraction=0.0)
    quant = ABQuantizer()
    x = T.make_batch(pools, cfg, rng, quant, np.ones(quant.num_bins), 8, augment=False)[0]
    assert x.shape == (8, 6, 16, 16)
    flags = x[:, 4:, 0, 0]
    assert ((flags.sum(1) == 1) & ((flags == 0) | (flags == 1)).all(1)).all()  # every gray from an old film
    film_L = 50 * (x[:, 0] + 1)
    lab_L = float(T.rgb_to_lab(red[:1, :1, :1].astype(np.float64) / 255)[0, 0, 0, 0])
    assert (film_L < lab_L - 15).all()  # old films render red far darker than the eye sees it
    plain = T.make_batch(pools, T.TrainConfig(size=16, channels=(8, 16), film_inputs=True, hint_prob=0.0,
                                              cifar_fraction=0.0), rng, quant, np.ones(quant.num_bins), 4,
                         augment=False)[0]
    assert (plain[:, 4:] == 0).all() and np.allclose(50 * (plain[:, 0] + 1), lab_L, atol=1e-3)
    with pytest.raises(SystemExit, match="film_inputs"):
        T.model_config(T.TrainConfig(film_prob=0.5), quant)


def test_resume_keeps_the_run_settings_and_takes_only_the_harmless_ones():
    saved = T.TrainConfig(lr=0.01, val_every=250, steps=100, mix="intel=1")
    asked = T.TrainConfig(lr=0.01, val_every=1000, steps=200, max_minutes=30, mix="intel=1", out="elsewhere")
    cfg = T.resume_config(saved, asked, step=50, given={"val_every", "steps", "max_minutes", "lr", "mix", "out"})
    assert (cfg.val_every, cfg.steps, cfg.max_minutes, cfg.out, cfg.lr) == (1000, 200, 30, "elsewhere", 0.01)
    with pytest.raises(SystemExit, match=r"--lr=0.5 \(the run has 0.01\)"):
        T.resume_config(saved, T.TrainConfig(lr=0.5), step=50, given={"lr"})
    with pytest.raises(SystemExit, match="already done 50 steps"):
        T.resume_config(saved, T.TrainConfig(steps=20), step=50, given={"steps"})


def test_speed_benchmark_times_the_training_step_on_the_asked_device_and_batch(backend):
    from benchmarks import colornet_speed
    r = colornet_speed.worker(warmup=1, repeats=1, device=backend, batch_size=4)
    assert r["batch"] == 4 and r["device"] == backend and len(r["times"]) == 1
    assert len(r["losses"]) == 2 and r["losses"][1] < r["losses"][0]  # the step trains


def test_speed_benchmark_refuses_cuda_without_a_gpu(monkeypatch, capsys):
    from benchmarks import colornet_speed
    from minitorch_color import backend as B
    monkeypatch.setattr(B, "cuda_available", lambda: False)
    with pytest.raises(SystemExit):
        colornet_speed.main(["--device", "cuda"])
    assert "CuPy with a working GPU is not available" in capsys.readouterr().err


def test_zoomed_crops_scene_set_v2_and_a_partial_warm_start(tmp_path):
    from train.colornet import scenes
    rng = np.random.default_rng(4)
    big = (rng.random((3, 40, 40, 3)) * 255).astype(np.uint8)
    crops = T.crop_batch(list(big), 16, np.random.default_rng(0), zoom_prob=1.0, zoom_min=0.5)
    whole = T.crop_batch(list(big), 16, np.random.default_rng(0))
    assert crops.shape == whole.shape == (3, 16, 16, 3) and not np.array_equal(crops, whole)
    cfg = T.TrainConfig(scene_set="v2")
    assert T.scene_classes(cfg) == scenes.SCENE_CLASSES and len(scenes.SCENE_CLASSES) == 12
    assert scenes.scene_of("tabby", "tinyimagenet", "n02123045") == scenes.SCENE_CLASSES.index("animals")
    assert scenes.scene_of("pizza", "tinyimagenet", "n07873807") == scenes.SCENE_CLASSES.index("food")
    assert scenes.scene_of("kimono", "tinyimagenet", "n03617480") == scenes.SCENE_CLASSES.index("people")
    assert scenes.scene_of("barbershop", "tinyimagenet", "n02791270") == scenes.SCENE_CLASSES.index("indoors")
    assert scenes.scene_of("daisy", "oxford17") == scenes.SCENE_CLASSES.index("plants")
    assert scenes.scene_of("background_clutter", "caltech101") == -1
    assert scenes.cifar_scene("ship") == scenes.SCENE_CLASSES.index("sea")
    with pytest.raises(SystemExit, match="scene_set"):
        T.scene_classes(T.TrainConfig(scene_set="v3"))
    # a stride-2 net with the twelve scenes, warm-started from a full-resolution run with six
    data = _tiny_data(rng)
    T.train(_cfg(tmp_path / "a", 2), datasets=data, progress=False)
    cfg = _cfg(tmp_path / "b", 2)
    cfg.output_stride, cfg.scene_set, cfg.zoom_prob = 2, "v2", 0.5
    cfg.init, cfg.init_partial = str(tmp_path / "a" / "checkpoint.npz"), True
    q = ABQuantizer()
    net = ColorNet(T.model_config(cfg, q))
    left = T.init_weights(net, cfg.init, partial=True)
    assert left == ["scene_head.bias", "scene_head.weight"]
    hist = T.train(cfg, datasets=data, progress=False)
    assert np.isfinite(hist[-1]["loss"])
    x, targets, *_ = T.make_batch(data["train"], cfg, np.random.default_rng(0), q, np.ones(q.num_bins), 4)
    assert [t.shape[2:] for t in targets] == [(8, 8)]  # two levels: no full-resolution (16 px) target at stride 2


def test_device_run_carries_a_run_to_a_pack_and_back(tmp_path):
    """The lent-GPU path on the CPU: a compact state and a data pack, some training, a state back."""
    from train import device_run as D
    rng = np.random.default_rng(6)
    data = _tiny_data(rng, n=40)
    cfg = _cfg(tmp_path / "run", 3)
    T.train(cfg, datasets=data, progress=False)
    size = D.compact_state(tmp_path / "run" / "checkpoint.npz", tmp_path / "state.npz")
    assert size < (tmp_path / "run" / "checkpoint.npz").stat().st_size  # moments in float16
    counts = D.build_pack(cfg, tmp_path / "pack.npz", budget_mib=0.02, datasets=data)
    assert all(0 < n_train < 40 for n_train, _ in counts.values())  # as many as fit the budget
    pack = D.load_pack(tmp_path / "pack.npz")
    assert pack["train"]["intel"][0].shape[1:] == (16, 16, 3) and len(pack["class_weights"]) == 261
    # a run going on from the state on the pack's photos: the step count moves on from 3
    cfg_more = T.dataclasses.replace(cfg, steps=6)
    T.train(cfg_more, resume=True, datasets=data, progress=False, given={"steps"})
    D.compact_state(tmp_path / "run" / "checkpoint.npz", tmp_path / "state.npz")
    summary = D.train_from_pack(tmp_path / "pack.npz", tmp_path / "state.npz", 0.002, tmp_path / "out")
    assert summary["steps"][0] == 6 and summary["steps"][1] >= 6 and (tmp_path / "out" / "state.npz").exists()
    assert D.restore_state(tmp_path / "out" / "state.npz", tmp_path / "again") == summary["steps"][1]
    restored = mt.load(tmp_path / "again" / "checkpoint.npz")
    assert all(v.dtype == np.float32 for s in restored["optimizer"]["state"].values() for v in s.values()
               if hasattr(v, "dtype") and np.ndim(v))
    with pytest.raises(SystemExit, match="no such file"):
        D.main(["train", "--pack", str(tmp_path / "none.npz"), "--state", str(tmp_path / "state.npz"),
                "--out", str(tmp_path / "o")])
