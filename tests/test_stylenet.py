"""StyleNet: strength 0 is the plain colorization, mixing is the interpolation of rows, the menu's
errors, the colorize command's style flags, the loss networks, and a tiny run that learns a style."""
import json

import numpy as np
import pytest
from PIL import Image

import minitorch_color as mt
from models import stylenet as S
from train.styles import judging as J
from train.styles import losses as SL
from train.styles import training as T

NAMES = ["Van Gogh, The Starry Night", "Monet", "Gauguin"]


def tiny_stylizer(tmp_path, work_size=32):
    mt.manual_seed(0)
    net = S.StyleNet(S.StyleNetConfig(len(NAMES), (4, 8, 8), 1))
    for p in net.parameters():  # a network that visibly does something
        p.data[...] += np.random.default_rng(0).normal(0, 0.3, p.shape).astype(np.float32)
    path = tmp_path / "stylenet.npz"
    S.save_stylenet(net, path, [S.Style(n, (f"styles/{k}.jpg",)) for k, n in enumerate(NAMES)], work_size,
                    {"config": {"channels": [4, 8, 8], "res_blocks": 1}})
    return path


def test_strength_zero_is_the_plain_colorization_and_one_is_not(tmp_path):
    st = S.Stylizer.from_weights(tiny_stylizer(tmp_path))
    plain = np.random.default_rng(1).random((37, 50, 3)).astype(np.float32)  # odd sizes, larger than work size
    assert np.array_equal(st.stylize(plain, st.blend("Monet", strength=0.0)), plain)
    x = mt.tensor(plain[None, :36, :48].transpose(0, 3, 1, 2).copy())
    exact = st.net(x, st.blend(None)[None]).numpy()  # the plain row: the gain is exactly 0
    assert np.array_equal(exact, x.numpy())
    full = st.stylize(plain, st.blend("Monet"))
    assert full.shape == plain.shape and full.dtype == np.float32 and 0 <= full.min() and full.max() <= 1
    assert np.abs(full - plain).mean() > 1e-3
    half = st.stylize(plain, st.blend("Monet", strength=0.5))
    assert 0 < np.abs(half - plain).mean() < np.abs(full - plain).mean()


def test_blend_rows_interpolate_styles_and_strength():
    row = S.blend_row(NAMES, "Monet", 0.8, {"Gauguin": 0.25})
    np.testing.assert_allclose(row, [0.2, 0.0, 0.8 * 0.75, 0.8 * 0.25])
    np.testing.assert_allclose(S.blend_row(NAMES, None), [1, 0, 0, 0])
    assert abs(S.blend_row(NAMES, "Monet", 0.3, {"Van Gogh, The Starry Night": 0.5, "Gauguin": 0.5}).sum() - 1) < 1e-6
    with pytest.raises(ValueError, match="did you mean 'Monet'"):
        S.blend_row(NAMES, "Monnet")
    with pytest.raises(ValueError, match="strength"):
        S.blend_row(NAMES, "Monet", 1.5)
    assert S.parse_mix("Van Gogh, The Starry Night:0.3") == ("Van Gogh, The Starry Night", 0.3)
    with pytest.raises(ValueError, match="NAME:SHARE"):
        S.parse_mix("Monet")


def test_a_mix_is_the_interpolation_of_the_rows(tmp_path):
    """Mixing two styles runs the network with every normalisation row interpolated: the same as a
    network whose rows for one style were replaced by that interpolation."""
    st = S.Stylizer.from_weights(tiny_stylizer(tmp_path))
    plain = np.random.default_rng(2).random((1, 3, 16, 16)).astype(np.float32)
    mixed = st.net(mt.tensor(plain), st.blend("Monet", 1.0, {"Gauguin": 0.3})[None]).numpy()
    state = {k: v.copy() for k, v in st.net.state_dict().items()}
    for v in state.values():
        if v.ndim == 2 and v.shape[0] == 1 + len(NAMES):  # a conditional norm's table
            v[2] = 0.7 * v[2] + 0.3 * v[3]
    state["gain"][1] = 0.7 * state["gain"][1] + 0.3 * state["gain"][2]
    st.net.load_state_dict(state)
    np.testing.assert_allclose(st.net(mt.tensor(plain), st.blend("Monet")[None]).numpy(), mixed, atol=1e-5)


def test_a_narrowed_menu_paints_its_styles_exactly_as_before(tmp_path):
    st = S.Stylizer.from_weights(tiny_stylizer(tmp_path))
    narrow = S.subset(st, ["Gauguin", "Van Gogh, The Starry Night"])
    assert narrow.names == ["Gauguin", "Van Gogh, The Starry Night"] and narrow.net.config.num_styles == 2
    assert np.array_equal(narrow.thumbnails[0], st.thumbnails[2])
    plain = np.random.default_rng(4).random((20, 28, 3)).astype(np.float32)
    for name in narrow.names:
        before, after = st.stylize(plain, st.blend(name, 0.7)), narrow.stylize(plain, narrow.blend(name, 0.7))
        np.testing.assert_allclose(after, before, atol=1e-5)  # float32: the narrowed rows sum in another order
    with pytest.raises(ValueError, match="unknown style"):
        S.subset(st, ["Renoir"])


def test_colorize_style_flags(tmp_path, capsys):
    from models.colorize import main
    from models.colornet import ColorNet, ColorNetConfig
    from models.inference import save_colornet
    mt.manual_seed(0)
    cw = tmp_path / "cz.npz"
    save_colornet(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64))), cw, np.ones(261), {"decode": {"size": 32}})
    sw = tiny_stylizer(tmp_path)
    src = tmp_path / "photo.png"
    Image.fromarray((np.random.default_rng(0).random((30, 44, 3)) * 255).astype(np.uint8)).save(src)
    assert main(["--list-styles", "--style-weights", str(sw)]) == 0
    assert capsys.readouterr().out.splitlines() == NAMES
    base = [str(src), "-o", str(tmp_path / "out"), "--weights", str(cw), "--style-weights", str(sw)]
    assert main(base + ["--style", "Monnet"]) == 2
    err = capsys.readouterr().err
    assert "unknown style 'Monnet'" in err and "Gauguin" in err
    assert main(base + ["--style-mix", "Monet:0.3"]) == 2 and "--style-mix needs --style" in capsys.readouterr().err
    report = tmp_path / "r.json"
    assert main(base + ["--style", "Monet", "--style-strength", "0.6", "--style-mix", "Gauguin:0.5",
                        "--report", str(report)]) == 0
    rec = json.loads(report.read_text())["images"][0]
    assert rec["style"] == {"name": "Monet", "strength": 0.6, "mix": {"Gauguin": 0.5}}
    assert Image.open(rec["output"]).size == (44, 30)  # full size, as for plain colorization
    assert main(base + ["--style", "Monet", "--style-weights", str(tmp_path / "none.npz")]) == 2


def test_loss_networks_are_frozen_and_grams_tell_textures_apart():
    rng = np.random.default_rng(0)
    stripes = np.zeros((32, 32, 3), np.float32)
    stripes[:, ::4] = [0.9, 0.2, 0.1]
    noise = rng.random((32, 32, 3)).astype(np.float32) * [0.1, 0.3, 0.9]
    for bank, layers, last in ((SL.RandomBank(), 3, 8), (SL.JudgeBank(), 3, 8), (SL.MultiScaleBank(), 9, 2)):
        assert all(not p.requires_grad for p in bank.parameters())
        feats = bank(SL.as_batch(stripes))
        assert len(feats) == layers and feats[1].shape[2] == 16 and feats[-1].shape[2] == last
        targets = [SL.style_targets(bank, [stripes]), SL.style_targets(bank, [noise])]
        d = SL.gram_distances(bank, np.stack([stripes, noise]), targets)
        assert d[0, 0] < 1e-6 and d[1, 1] < 1e-6 and d[0, 1] > 0.1 and d[1, 0] > 0.1
    with pytest.raises(ValueError, match="multiscale"):
        SL.bank_named("vgg")


def test_the_statistics_judge_sees_stroke_direction_and_palette_and_texture_only_ignores_palette():
    rng = np.random.default_rng(0)
    across = np.zeros((64, 64, 3), np.float32)
    across[:, ::6] = [0.2, 0.3, 0.9]  # blue strokes across
    down = np.ascontiguousarray(across.transpose(1, 0, 2))  # the same strokes, turned
    reds = across[..., ::-1].copy()  # strokes across, red
    targets = [J.mean_statistics([im]) for im in (across, down, reds)]
    judge = J.StatisticsJudge()
    noisy = np.clip(np.stack([across, down, reds]) + rng.normal(0, 0.02, (3, 64, 64, 3)), 0, 1)
    assert list(judge.distances(noisy, targets).argmin(1)) == [0, 1, 2]
    d = J.StatisticsJudge(texture_only=True).distances(noisy, targets)
    assert d[2, 0] < d[2, 1] and d[2, 2] < d[2, 1]  # red strokes across: nearer blue ones across than ones down
    assert J.at_judge_size(np.zeros((100, 300, 3))).shape == (85, 256, 3)


def test_a_steered_resume_changes_only_the_weights_named():
    saved = T.StyleConfig(style_weight=3.0, luminance_weight=0.5, lr=1e-3)
    asked = T.StyleConfig(style_weight=1.0, luminance_weight=2.0, lr=5e-4, steps=9000)
    cfg = T.resume_config(saved, asked, given={"luminance_weight", "lr", "steps"})
    assert (cfg.style_weight, cfg.luminance_weight, cfg.lr, cfg.steps) == (3.0, 2.0, 5e-4, 9000)


def test_a_tiny_run_lowers_the_style_loss_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    photos = (rng.random((6, 40, 40, 3)) * 255).astype(np.uint8)
    stripes = np.zeros((48, 48, 3), np.float32)
    stripes[::3] = [0.1, 0.3, 0.9]  # blue stripes
    dots = np.full((48, 48, 3), 0.9, np.float32)
    dots[::5, ::5] = [0.8, 0.1, 0.1]
    styles = (S.Style("stripes", ("a",)), S.Style("dots", ("b",)))
    cfg = T.StyleConfig(styles=2, channels=(4, 8, 8), res_blocks=1, size=32, batch=2, steps=60, lr=1e-2,
                        log_every=20, out=str(tmp_path / "run"))
    run = T.train(cfg, photos=photos, styles=styles, paintings=[[stripes], [dots]], progress=False)
    first, last = run.history[0]["style"], run.history[-1]["style"]
    assert last < 0.8 * first, (first, last)
    cfg.steps, cfg.lr = 80, 1e-2
    again = T.train(cfg, resume=True, photos=photos, styles=styles, paintings=[[stripes], [dots]], progress=False)
    assert [h["step"] for h in again.history] == [20, 40, 60, 80]
    loaded = T.load_run(cfg.out)  # what --export writes: the checkpoint's network, no data needed
    assert [s.name for s in loaded.styles] == ["stripes", "dots"] and loaded.history == again.history
    x = mt.tensor(np.random.default_rng(1).random((1, 3, 16, 16)).astype(np.float32))
    blend = np.array([[0, 1, 0]], np.float32)
    np.testing.assert_array_equal(loaded.net(x, blend).numpy(), again.net(x, blend).numpy())


def test_the_photo_is_mirrored_before_the_network_so_no_frame_is_painted(tmp_path):
    st = S.Stylizer.from_weights(tiny_stylizer(tmp_path, work_size=64))
    plain = np.full((48, 64, 3), 0.5, np.float32)  # a flat photo: its change should be flat too, borders included
    out = st.stylize(plain, st.blend("Monet"))
    inner = out[S.BORDER // 2:-S.BORDER // 2, S.BORDER // 2:-S.BORDER // 2]
    assert np.abs(out - inner.mean((0, 1))).max() < 1e-4 and np.abs(out - plain).max() > 1e-3


def test_the_style_loss_weighs_each_size_of_the_loss_network_as_asked():
    rng = np.random.default_rng(0)
    bank = SL.MultiScaleBank()
    a, b = rng.random((1, 32, 32, 3)).astype(np.float32), rng.random((1, 32, 32, 3)).astype(np.float32) * 0.5
    targets = SL.style_targets(bank, [b[0]])
    feats = bank(SL.as_batch(a))
    per_layer = [SL.style_loss([f], [t]).item() for f, t in zip(feats, targets)]
    assert np.isclose(SL.style_loss(feats, targets).item(), sum(per_layer), rtol=1e-5)
    weights = [1, 1, 1, 1, 1, 1, 0.3, 0.3, 0.3]  # the quarter size at 0.3 (StyleConfig.style_scales)
    assert np.isclose(SL.style_loss(feats, targets, weights).item(), float(np.dot(weights, per_layer)), rtol=1e-5)


def test_noise_channels_give_a_flat_photo_texture_reproducibly_and_survive_saving(tmp_path):
    plain = np.full((1, 3, 128, 128), 0.5, np.float32)
    blend = np.array([[0, 1, 0, 0]], np.float32)
    for noise, textured in ((0, False), (2, True)):
        mt.manual_seed(0)
        net = S.StyleNet(S.StyleNetConfig(len(NAMES), (4, 8, 8), 1, noise_channels=noise))
        for p in net.parameters():
            p.data[...] += np.random.default_rng(0).normal(0, 0.3, p.shape).astype(np.float32)
        with mt.no_grad():
            out = net(mt.tensor(plain), blend).numpy()[0, :, 48:80, 48:80]  # beyond the zero padding's reach
            again = net(mt.tensor(plain), blend).numpy()[0, :, 48:80, 48:80]
        assert (out.std((1, 2)).max() > 1e-3) == textured and np.array_equal(out, again)
    path = tmp_path / "noisy.npz"
    S.save_stylenet(net, path, [S.Style(n, ("x",)) for n in NAMES], 32,
                    {"config": {"channels": [4, 8, 8], "res_blocks": 1, "noise_channels": 2}})
    st = S.Stylizer.from_weights(path)
    assert st.net.config.noise_channels == 2
    photo = np.random.default_rng(2).random((20, 30, 3)).astype(np.float32)
    np.testing.assert_array_equal(st.stylize(photo, st.blend("Monet", 0.0)), photo)  # strength 0: the photo
