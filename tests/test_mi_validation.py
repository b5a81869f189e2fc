"""Input validation shared by the estimators of ibnotes.mi."""

import warnings

import numpy as np
import pytest
import torch

from ibnotes import mi


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2))
    return x, x + rng.standard_normal((200, 2))


def test_different_n_raises(pair):
    x, y = pair
    with pytest.raises(ValueError, match="x has 200 samples but y has 199"):
        mi.ksg(x, y[:-1])


def test_nan_raises(pair):
    x, y = pair
    x = x.copy()
    x[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"x contains 1 NaN or inf values \(first rows: \[3\]\)"):
        mi.ksg(x, y)


def test_inf_raises(pair):
    x, y = pair
    y = y.copy()
    y[0, 0] = np.inf
    with pytest.raises(ValueError, match="y contains 1 NaN or inf"):
        mi.gaussian(x, y)


def test_n_not_above_k_raises():
    x = np.arange(3.0)
    with pytest.raises(ValueError, match="n=3 samples, but k=3 .* need n > k"):
        mi.ksg(x, x[::-1].copy(), k=3)


def test_k_not_positive_raises(pair):
    x, y = pair
    with pytest.raises(ValueError, match="k must be a positive integer"):
        mi.ksg(x, y, k=0)


def test_constant_column_raises(pair):
    x, y = pair
    x = x.copy()
    x[:, 1] = 4.0
    with pytest.raises(ValueError, match=r"x has constant columns \[1\]"):
        mi.ksg(x, y)


def test_string_dtype_raises(pair):
    _, y = pair
    words = np.array(["a", "b"] * 100)
    with pytest.raises(ValueError, match="x has non-numeric dtype <U1"):
        mi.ksg(words, y)


def test_object_dtype_raises(pair):
    _, y = pair
    objects = np.array([object()] * 200)
    with pytest.raises(ValueError, match="non-numeric dtype object"):
        mi.ksg(objects, y)


def test_three_dimensional_input_raises(pair):
    _, y = pair
    with pytest.raises(ValueError, match=r"x must be 1-D \[n\] or 2-D \[n, d\], got shape \(200, 2, 2\)"):
        mi.ksg(np.zeros((200, 2, 2)), y)


def test_empty_input_raises():
    with pytest.raises(ValueError, match="x is empty"):
        mi.gaussian(np.zeros((0, 2)), np.zeros((0, 2)))


def test_unknown_method_lists_valid_ones(pair):
    x, y = pair
    with pytest.raises(ValueError, match="unknown method 'mine2'; valid methods are: ksg, ross, gaussian"):
        mi.mutual_information(x, y, method="mine2")


def test_invalid_estimator_raises(pair):
    x, y = pair
    with pytest.raises(ValueError, match="estimator must be 1 or 2"):
        mi.ksg(x, y, estimator=3)


def test_invalid_norm_raises(pair):
    x, y = pair
    with pytest.raises(ValueError, match="norm must be one of"):
        mi.ksg(x, y, norm="manhattan")


def test_continuous_labels_raise(pair):
    x, y = pair
    with pytest.raises(ValueError, match="labels has non-integer float values"):
        mi.ross(x, y[:, 0])


def test_small_class_raises(pair):
    x, _ = pair
    labels = np.zeros(200, dtype=int)
    labels[:2] = 1
    with pytest.raises(ValueError, match=r"classes .* \[1\] have at most k=3 samples \(\[2\]\)"):
        mi.ross(x, labels)


def test_singular_covariance_raises(pair):
    x, _ = pair
    with pytest.raises(ValueError, match="singular or not positive definite"):
        mi.gaussian(x, np.column_stack([x[:, 0], 2 * x[:, 0]]))


def test_ties_warn_and_give_finite_result():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=(500, 1)).astype(float)
    y = x + rng.integers(0, 2, size=(500, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = mi.ksg(x, y)
    messages = [str(warning.message) for warning in caught]
    assert any(message.startswith("x has 495 repeated samples") for message in messages)
    assert any(message.startswith("y has 494 repeated samples") for message in messages)
    assert np.isfinite(value)
    assert value > 0.5


def test_ties_jitter_is_reproducible():
    x = np.repeat(np.arange(50.0), 4)
    y = x + np.tile([0.0, 1.0, 2.0, 3.0], 50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = mi.ksg(x, y)
        second = mi.ksg(x, y)
    assert first == second


def test_kl_entropy_ties_warn_and_stay_finite():
    x = np.repeat(np.linspace(0, 1, 100), 3)
    with pytest.warns(UserWarning, match="repeated samples"):
        value = mi.kl_entropy(x)
    assert np.isfinite(value)


def test_numpy_becomes_float64_cpu(pair):
    x, y = pair
    value = mi.ksg(x, y, return_tensor=True)
    assert value.dtype == torch.float64
    assert value.device.type == "cpu"


def test_float32_tensor_stays_float32(pair):
    x, y = (torch.tensor(a, dtype=torch.float32) for a in pair)
    value = mi.ksg(x, y, return_tensor=True)
    assert value.dtype == torch.float32


def test_integer_tensor_becomes_float64():
    from ibnotes.mi._validate import as_samples

    assert as_samples(torch.arange(5), "x").dtype == torch.float64


def test_half_tensor_becomes_float32():
    from ibnotes.mi._validate import as_samples

    assert as_samples(torch.ones(5, 2, dtype=torch.float16), "x").dtype == torch.float32


def test_one_dimensional_input_is_one_column():
    from ibnotes.mi._validate import as_samples

    assert as_samples(np.arange(7.0), "x").shape == (7, 1)


def test_import_has_no_scipy_or_sklearn():
    import subprocess
    import sys

    code = "import sys, ibnotes.mi; print('scipy' in sys.modules, 'sklearn' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["False", "False"]
