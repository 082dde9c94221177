import numpy as np
import pytest

import minitorch_color as mt
from minitorch_color.autograd import unbroadcast


def test_simple_chain_rule():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x * 3 + x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, 6 * x.data + 1)


def test_float32_default_and_float64_kept():
    assert mt.tensor([1.0, 2.0]).dtype == np.float32
    assert mt.tensor(np.zeros(3)).dtype == np.float64
    assert (mt.tensor(np.zeros(3)).sum()).dtype == np.float64
    assert mt.tensor([1, 2]).dtype.kind == "i"


def test_broadcast_gradients_are_summed_back():
    a = mt.tensor(np.ones((4, 3)), requires_grad=True)
    b = mt.tensor(np.ones((1, 3)) * 2, requires_grad=True)
    c = mt.tensor(np.ones(3) * 5, requires_grad=True)
    ((a * b) + c).sum().backward()
    np.testing.assert_allclose(a.grad, np.full((4, 3), 2.0))
    np.testing.assert_allclose(b.grad, np.full((1, 3), 4.0))
    np.testing.assert_allclose(c.grad, np.full(3, 4.0))


def test_unbroadcast_shapes():
    g = np.ones((2, 4, 3))
    assert unbroadcast(g, (4, 1)).shape == (4, 1)
    assert unbroadcast(g, (4, 1))[0, 0] == 6
    assert unbroadcast(g, ()).shape == ()


def test_gradient_accumulates_over_uses_and_calls():
    x = mt.tensor([2.0], requires_grad=True)
    (x * x + x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [2 * 2 + 1 + 3])


def test_shared_gradient_arrays_are_not_aliased():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([1.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10  # in-place update of one leaf's grad must not touch the other's
    np.testing.assert_allclose(b.grad, [1.0])


def test_no_grad_and_detach():
    x = mt.tensor([1.0], requires_grad=True)
    with mt.no_grad():
        y = x * 2
    assert not y.requires_grad and y.is_leaf
    z = (x * 2).detach()
    assert not z.requires_grad
    assert mt.is_grad_enabled()

    @mt.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad


def test_backward_errors():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.tensor([1.0]).sum().backward()
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="does not match"):
        (x * 2).backward(np.ones(3))


def test_retain_grad_on_intermediate():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad, 2 * y.data)
    np.testing.assert_allclose(x.grad, 18 * x.data)


def test_graph_is_freed_after_backward():
    x = mt.tensor([1.0], requires_grad=True)
    y = x * 2
    z = y * 3
    z.sum().backward()
    assert y._ctx is None and z._ctx is None


def test_deep_graph_does_not_recurse():
    x = mt.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y + 1e-3
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0])


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError):
        mt.tensor([1, 2], requires_grad=True)


def test_mixing_devices_raises_clear_error(monkeypatch):
    from minitorch_color import backend

    class FakeCupyArray:
        shape = (1,)

    monkeypatch.setattr(backend, "is_cupy_array", lambda a: isinstance(a, FakeCupyArray))
    with pytest.raises(ValueError, match="different devices"):
        backend.get_array_module(np.zeros(1), FakeCupyArray())


def test_indexing_backward_basic_and_advanced():
    x = mt.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    (x[1:, ::2].sum() + x[np.array([0, 0, 2]), np.array([1, 1, 3])].sum()).backward()
    expect = np.zeros((3, 4))
    expect[1:, ::2] += 1
    expect[0, 1] += 2
    expect[2, 3] += 1
    np.testing.assert_allclose(x.grad, expect)


def test_to_cpu_is_identity_and_unknown_device_raises():
    x = mt.tensor([1.0])
    assert x.to("cpu") is x
    with pytest.raises(ValueError, match="unknown device"):
        x.to("tpu")


def test_cupy_without_gpu_falls_back_to_cpu(tmp_path):
    """A cupy that imports but finds no GPU must leave the engine on NumPy, not crash it."""
    import os
    import subprocess
    import sys
    fake = tmp_path / "cupy"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "class _R:\n"
        "    @staticmethod\n"
        "    def getDeviceCount():\n"
        "        raise RuntimeError('no CUDA-capable device is detected')\n"
        "class cuda:\n"
        "    runtime = _R\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), root]))
    code = ("import minitorch_color as mt, cupy\n"
            "assert not mt.cuda_available()\n"
            "x = mt.randn(2, 2, requires_grad=True); (x * x).sum().backward()\n"
            "try:\n    x.to('cuda')\nexcept RuntimeError as e:\n    print('clear:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "clear: device 'cuda' requested" in out.stdout
