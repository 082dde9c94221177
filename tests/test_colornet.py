"""ColorNet shapes, the global branch switch, input checks, and a tiny training run that lowers the loss."""
import numpy as np
import pytest

import minitorch_color as mt
from minitorch_color import nn
from models.colornet import ColorNet, ColorNetConfig

SMALL = ColorNetConfig(channels=(8, 16, 32), num_bins=20, num_scenes=3, global_dim=8)


@pytest.mark.parametrize("use_global", [True, False])
def test_shapes(use_global):
    mt.manual_seed(0)
    cfg = ColorNetConfig(**{**SMALL.to_dict(), "use_global": use_global})
    net = ColorNet(cfg)
    out = net(mt.randn(2, 4, 16, 24))
    assert out.logits.shape == (2, 20, 16, 24)
    assert [s.shape[2:] for s in out.stages] == [(4, 6), (8, 12), (16, 24)]
    assert (out.scene_logits.shape == (2, 3)) if use_global else out.scene_logits is None
    assert ("global_fc.weight" in net.state_dict()) == use_global


def test_default_config_is_the_reference_unet():
    net = ColorNet()
    assert net.multiple == 8
    assert ColorNetConfig().to_dict()["channels"] == [32, 64, 128, 256]
    with pytest.raises(ValueError, match="multiple of 8"):
        net(mt.zeros(1, 4, 20, 20))


def test_film_inputs_planes_and_checks():
    from models.colornet import FILMS, encode_input
    L = np.full((3, 8, 8), 40.0)
    assert encode_input(L).shape == (3, 4, 8, 8)
    x = encode_input(L, film=np.array([0, 1, 2]))
    assert x.shape == (3, 6, 8, 8)
    assert x[:, 4:, 3, 5].tolist() == [[0, 0], [1, 0], [0, 1]]  # panchromatic, orthochromatic, blue-sensitive
    assert (encode_input(L, film="orthochromatic")[:, 4] == 1).all() and FILMS[0] == "panchromatic"
    with pytest.raises(ValueError, match="one of: panchromatic"):
        encode_input(L, film="daguerreotype")
    net = ColorNet(ColorNetConfig(**{**SMALL.to_dict(), "film_inputs": True}))
    assert net(mt.tensor(encode_input(np.full((1, 8, 8), 40.0), film="blue-sensitive"))).logits.shape == (1, 20, 8, 8)
    with pytest.raises(ValueError, match=r"\(N, 6, H, W\)"):
        net(mt.zeros(1, 4, 8, 8))
    with pytest.raises(ValueError, match="film_inputs must be true or false"):
        ColorNetConfig(film_inputs="yes")


def test_tiny_training_lowers_loss():
    """Learn 'left half is class 3, right half class 7' plus the scene label from L alone."""
    mt.manual_seed(0)
    rng = np.random.default_rng(0)
    net = ColorNet(SMALL)
    opt = mt.optim.Adam(net.parameters(), lr=5e-3)
    x = rng.standard_normal((4, 4, 16, 16)).astype(np.float32) * 0.1
    x[:, 1:] = 0  # no hints
    target = np.zeros((4, 16, 16), np.int64)
    target[:, :, :8] = 3
    target[:, :, 8:] = 7
    scenes = np.array([0, 1, 2, 0])
    x[:, 0] += scenes[:, None, None] * 0.5  # the scene shows in the lightness
    losses = []
    for _ in range(25):
        out = net(mt.tensor(x))
        loss = nn.F.cross_entropy(out.logits, target) + nn.F.cross_entropy(out.scene_logits, scenes)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def test_output_stride_two_leaves_out_the_finest_level_and_keeps_the_rest_loadable():
    from models.colornet import upsample_logits
    mt.manual_seed(0)
    full = ColorNet(SMALL)
    half = ColorNet(ColorNetConfig(**{**SMALL.to_dict(), "output_stride": 2}))
    out = half(mt.randn(2, 4, 16, 24))
    assert out.logits.shape == (2, 20, 8, 12) and [s.shape[2:] for s in out.stages] == [(4, 6), (8, 12)]
    # every entry of the half-resolution net has the same name and shape in the full one (warm start)
    fs = full.state_dict()
    assert all(k in fs and fs[k].shape == v.shape for k, v in half.state_dict().items())
    assert len(fs) > len(half.state_dict())
    z = upsample_logits(out.logits.numpy(), (16, 24))
    assert z.shape == (2, 20, 16, 24)
    np.testing.assert_allclose(z[..., ::2, ::2].mean(), out.logits.numpy().mean(), atol=0.05)
    with pytest.raises(ValueError, match="output_stride"):
        ColorNetConfig(output_stride=4)
