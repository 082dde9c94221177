import numpy as np
import pytest

import minitorch_color as mt
from minitorch_color import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.blocks = nn.ModuleList([nn.Conv2d(4, 4, 1), nn.Conv2d(4, 2, 1, bias=False)])
        self.head = nn.Sequential(nn.GlobalAvgPool2d(), nn.Linear(2, 3))

    def forward(self, x):
        x = nn.F.relu(self.bn(self.conv(x)))
        for b in self.blocks:
            x = b(x)
        return self.head(x)


def test_parameters_buffers_and_state_dict_names():
    m = Tiny()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.weight", "head.1.weight", "head.1.bias"]
    sd = m.state_dict()
    # PyTorch's keys in PyTorch's order: module by module, parameters then buffers
    assert list(sd) == ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                        "bn.num_batches_tracked", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
                        "head.1.weight", "head.1.bias"]
    assert sd["conv.weight"].shape == (4, 1, 3, 3)
    assert m.num_parameters() == sum(p.numel() for p in m.parameters())


def test_state_dict_matches_pytorch_and_loads_a_numpy_copy_of_it(torch):
    ours = Tiny()
    ref = torch.nn.Sequential()
    ref.add_module("conv", torch.nn.Conv2d(1, 4, 3, padding=1))
    ref.add_module("bn", torch.nn.BatchNorm2d(4))
    ref.add_module("blocks", torch.nn.ModuleList([torch.nn.Conv2d(4, 4, 1), torch.nn.Conv2d(4, 2, 1, bias=False)]))
    ref.add_module("head", torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                               torch.nn.Linear(2, 3)))
    ref_sd = ref.state_dict()
    ref_sd = {k.replace("head.2.", "head.1."): v.numpy() for k, v in ref_sd.items()}  # Flatten is implicit here
    assert list(ref_sd) == list(ours.state_dict())
    ours.load_state_dict(ref_sd)
    np.testing.assert_array_equal(ours.state_dict()["conv.weight"], ref_sd["conv.weight"])


def test_batch_norm_counts_batches_and_older_files_without_the_count_load():
    bn = nn.BatchNorm2d(3)
    bn(mt.randn(2, 3, 4, 4))
    bn(mt.randn(2, 3, 4, 4))
    assert int(bn.state_dict()["num_batches_tracked"]) == 2
    bn.eval()(mt.randn(2, 3, 4, 4))
    assert int(bn.state_dict()["num_batches_tracked"]) == 2  # evaluation does not count
    old = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    fresh = nn.BatchNorm2d(3)
    fresh.load_state_dict(old)
    assert int(fresh.state_dict()["num_batches_tracked"]) == 0
    with pytest.raises(KeyError, match="missing: running_var"):
        fresh.load_state_dict({k: v for k, v in old.items() if k != "running_var"})


def test_dim_keepdim_numel_and_max_as_in_pytorch():
    x = mt.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    assert x.sum(dim=1, keepdim=True).shape == (2, 1, 4)
    np.testing.assert_array_equal(x.sum(axis=1, keepdims=True).data, x.sum(dim=1, keepdim=True).data)  # alias kept
    values, indices = x.max(dim=2)
    np.testing.assert_array_equal(values.data, [[3, 7, 11], [15, 19, 23]])
    np.testing.assert_array_equal(indices.data, [[3, 3, 3], [3, 3, 3]])
    assert x.max().item() == 23 and x.max(axis=0).shape == (3, 4)
    assert mt.cat([x, x], dim=1).shape == (2, 6, 4) and mt.stack([x, x], dim=1).shape == (2, 2, 3, 4)
    assert x.numel() == 24 and x.unsqueeze(dim=0).shape == (1, 2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.dim() == 3
    low, where = x.min(dim=1)
    np.testing.assert_array_equal(low.data, x.data.min(1))
    np.testing.assert_array_equal(where.data, np.zeros((2, 4)))
    assert x.min().item() == 0
    np.testing.assert_allclose(x.softmax(dim=2).data.sum(2), 1, rtol=1e-6)
    np.testing.assert_allclose(x.log_softmax(2).exp().data, x.softmax(dim=2).data, rtol=1e-5)
    np.testing.assert_array_equal(x.pow(2).data, x.data ** 2)
    y = mt.tensor(x.data, requires_grad=True)
    c = y.clone()
    assert c.data is not y.data
    c.sum().backward()
    np.testing.assert_array_equal(y.grad, np.ones_like(y.data))
    with pytest.raises(TypeError, match="not both"):
        x.sum(dim=1, axis=1)


def test_layer_shapes_follow_pytorch():
    assert nn.Linear(3, 5).weight.shape == (5, 3)
    assert nn.ConvTranspose2d(4, 2, 3).weight.shape == (4, 2, 3, 3)
    x = mt.randn(2, 4, 8, 8)
    assert nn.ConvTranspose2d(4, 2, 2, stride=2)(x).shape == (2, 2, 16, 16)
    assert nn.Conv2d(4, 6, 3, stride=2, padding=1)(x).shape == (2, 6, 4, 4)
    assert nn.MaxPool2d(2)(x).shape == (2, 4, 4, 4)
    assert nn.AvgPool2d(2)(x).shape == (2, 4, 4, 4)
    assert nn.Upsample(scale_factor=2, mode="bilinear")(x).shape == (2, 4, 16, 16)
    assert nn.CondInstanceNorm2d(4, 3)(x, np.array([0, 2])).shape == x.shape
    assert nn.InstanceNorm2d(4, affine=True)(x).shape == x.shape
    assert nn.Embedding(10, 3)(np.array([1, 2])).shape == (2, 3)
    assert nn.Flatten()(x).shape == (2, 256)
    assert nn.BatchNorm1d(4)(mt.randn(5, 4)).shape == (5, 4)


def test_default_init_bounds():
    mt.manual_seed(0)
    lin = nn.Linear(400, 50)
    bound = 1 / np.sqrt(400)
    assert np.abs(lin.weight.numpy()).max() <= bound + 1e-7
    assert np.abs(lin.weight.numpy()).max() > 0.9 * bound
    w = mt.zeros(256, 128, 3, 3)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - np.sqrt(2 / (128 * 9))) < 0.01 * np.sqrt(2 / (128 * 9)) * 10
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= np.sqrt(6 / (128 * 9 + 256 * 9)) + 1e-7
    nn.init.zeros_(w)
    assert not w.numpy().any()
    nn.init.ones_(w)
    assert (w.numpy() == 1).all()


def test_state_dict_round_trip_and_eval_determinism():
    mt.manual_seed(1)
    a, b = Tiny(), Tiny()
    x = mt.randn(3, 1, 6, 6)
    a(x)  # updates running statistics
    b.load_state_dict(a.state_dict())
    a.eval()
    b.eval()
    np.testing.assert_allclose(a(x).numpy(), b(x).numpy())


def test_load_state_dict_errors_are_specific():
    m = Tiny()
    sd = dict(m.state_dict())
    with pytest.raises(KeyError, match="missing: conv.bias"):
        m.load_state_dict({k: v for k, v in sd.items() if k != "conv.bias"})
    with pytest.raises(KeyError, match="unexpected: extra"):
        m.load_state_dict({**sd, "extra": np.zeros(1)})
    with pytest.raises(KeyError, match=r"conv.weight: checkpoint \(4, 1, 5, 5\) vs model \(4, 1, 3, 3\)"):
        m.load_state_dict({**sd, "conv.weight": np.zeros((4, 1, 5, 5))})
    missing, unexpected = m.load_state_dict({"conv.bias": np.ones(4), "x": np.ones(1)}, strict=False)
    assert "conv.weight" in missing and unexpected == ["x"]
    np.testing.assert_allclose(m.conv.bias.numpy(), 1)


def test_train_eval_and_requires_grad():
    m = Tiny().eval()
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_forward_hooks_capture_and_replace():
    m = Tiny()
    seen = {}
    handle = m.bn.register_forward_hook(lambda mod, inp, out: seen.update(bn=out.shape))
    m.blocks[0].register_forward_hook(lambda mod, inp, out: out * 0)
    out = m(mt.randn(2, 1, 5, 5))
    assert seen["bn"] == (2, 4, 5, 5)
    # zeroed activations -> the rest of the network sees zeros -> output is the linear bias
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(m.head[1].bias.numpy(), (2, 3)), atol=1e-6)
    handle.remove()
    seen.clear()
    m(mt.randn(1, 1, 5, 5))
    assert not seen


def test_module_errors_and_repr():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match="super"):
        Bad()
    with pytest.raises(AttributeError):
        _ = Tiny().nonexistent
    assert "Conv2d(1, 4, kernel_size=(3, 3)" in repr(Tiny())


def test_to_cpu_keeps_everything_and_missing_gpu_is_a_clear_error():
    m = Tiny().to("cpu")
    assert m.device == "cpu"
    if mt.cuda_available():
        pytest.skip("a GPU is present: nothing to refuse")
    with pytest.raises(RuntimeError, match="CuPy with a working GPU is not available"):
        m.to("cuda")


def test_backend_fixture_runs_module(backend):
    m = Tiny().to(backend)
    out = m(mt.randn(2, 1, 6, 6, device=backend))
    assert out.device == backend


def test_sequential_fuses_batch_norm_and_relu_with_the_same_results(monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3, 5, 5)).astype(np.float32)
    fused_calls = []
    real = nn.F.batch_norm_relu
    monkeypatch.setattr(nn.F, "batch_norm_relu", lambda *a, **k: fused_calls.append(1) or real(*a, **k))

    def run(seq, watch):
        mt.manual_seed(0)
        if watch:  # a hook on the batch norm needs its own output, so nothing is fused
            seq[0].register_forward_hook(lambda m, i, o: None)
        xt = mt.tensor(x, requires_grad=True)
        y = seq(xt)
        (y * y).sum().backward()
        seq.eval()
        with mt.no_grad():
            y_eval = seq(mt.tensor(x)).numpy()
        return y.numpy(), xt.grad.copy(), seq[0].weight.grad.copy(), y_eval, seq[0].num_batches_tracked

    results = {}
    for watch in (False, True):
        fused_calls.clear()
        results[watch] = run(nn.Sequential(nn.BatchNorm2d(3), nn.ReLU()), watch)
        assert len(fused_calls) == (0 if watch else 2)  # training and eval forward
    for a, b in zip(results[False], results[True]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert nn.BatchNorm2d(3).fused_with(nn.LeakyReLU()) is None
    assert nn.BatchNormReLU2d(3).fused_with(nn.ReLU()) is None
