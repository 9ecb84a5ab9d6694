"""Tests of course_kit.network.MLP: gradients, batch-norm statistics, training and its history.

The network is given its batch-norm and softmax functions; these tests give it the course's
reference (as the experiments do) and, to show that it calls what it is given, wrappers of it.
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from course_kit.data import load_digits_split
from course_kit.network import MLP, BatchNormFunctions, SoftmaxFunctions, hinge_margins
from course_lib.experiments import reference_functions
from course_lib.experiments._common import REFERENCE_BATCH_NORM, REFERENCE_SOFTMAX
from tests.gradcheck import TOLERANCE, numeric_grad, rel_error
from tests.support import imported_modules

ACTIVATIONS = ("relu", "sigmoid", "tanh")
HEADS = ("softmax", "hinge")
KINK_MARGIN = 1e-3  # relu and hinge are checked only at points this far from their kinks


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_blas():
    """The matrices are small: one BLAS thread is faster and does not spin on a busy machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _small_problem(seed, n_x=5, m=6, C=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_x, m)), rng.integers(0, C, size=m)


def _mlp(layer_sizes, activation="relu", batch_norm=False, head="softmax", **kwargs):
    """An MLP with the reference batch norm (if asked) and a softmax or a hinge output layer."""
    functions = reference_functions(batch_norm)
    if head == "hinge":
        functions["softmax"] = None
    return MLP(layer_sizes, activation, **functions, **kwargs)


def _randomise_params(net, rng):
    """Move gamma/beta/b away from their 1/0 start so every term of the gradient matters."""
    for key, value in net.params.items():
        if key.startswith("gamma"):
            net.params[key] = rng.uniform(0.5, 1.5, size=value.shape)
        elif key.startswith(("beta", "b")):
            net.params[key] = rng.normal(scale=0.5, size=value.shape)


def _hidden_inputs(net, X):
    _, caches = net.forward(X, training=True)
    return [caches[l][2] for l in range(1, net.n_layers)]


def _kink_distance(net, X, labels):
    """How far the net is from a kink: of relu at 0 (hidden inputs), of the hinge at margin 0."""
    A, caches = net.forward(X, training=True)
    distance = np.inf
    if net.activation == "relu":
        distance = min(np.abs(caches[l][2]).min() for l in range(1, net.n_layers))
    if net.softmax is None:
        raw = 1.0 + A - A[labels, np.arange(A.shape[1])]
        raw[labels, np.arange(A.shape[1])] = np.inf  # the true class has no margin
        distance = min(distance, np.abs(raw).min())
    return distance


def _checkable_net(activation, batch_norm, head, X, labels):
    """A net whose relu inputs and hinge margins are at least KINK_MARGIN from their kinks."""
    for seed in range(100):
        rng = np.random.default_rng(seed)
        net = _mlp([X.shape[0], 4, 4, 3], activation, batch_norm, head, rng=rng)
        _randomise_params(net, rng)
        if _kink_distance(net, X, labels) > KINK_MARGIN:
            return net
    raise AssertionError("no seed in 0..99 gives a net away from the kinks")


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("batch_norm", [False, True], ids=["plain", "batchnorm"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("data_seed", [0, 1])
def test_loss_and_grads_match_numeric_gradient(activation, batch_norm, head, data_seed):
    X, labels = _small_problem(data_seed)
    net = _checkable_net(activation, batch_norm, head, X, labels)
    loss, grads = net.loss_and_grads(X, labels)
    assert set(grads) == set(net.params)

    def f():
        A, _ = net.forward(X, training=True)
        return net.loss_and_output_gradient(A, labels)[0]

    assert loss == pytest.approx(f(), rel=1e-14)
    for key, param in net.params.items():
        assert grads[key].shape == param.shape, key
        # h = 1e-5: the loss is O(1), so rounding (~1e-16 / h) and truncation (~h**2) both stay
        # near 1e-10 in the gradient; the worst relative error seen was about 2e-9
        err = rel_error(grads[key], numeric_grad(f, param, h=1e-5))
        assert err < TOLERANCE, f"{key}: relative error {err:.2e}"
    # the check was made away from the kinks (a step of 1e-5 moves inputs far less than 1e-3)
    assert _kink_distance(net, X, labels) > KINK_MARGIN


def test_softmax_loss_is_the_cross_entropy_of_the_probabilities():
    X, labels = _small_problem(5, m=7)
    net = _mlp([5, 4, 3], "tanh", rng=np.random.default_rng(1))
    loss, _ = net.loss_and_grads(X, labels)
    A, _ = net.forward(X)
    # -mean log of the probability of each example's true class
    assert loss == pytest.approx(-np.mean(np.log(A[labels, np.arange(7)])), rel=1e-13)


def test_hinge_loss_and_gradients_by_hand():
    # No hidden layer and X = I (two examples), so the scores are S = W1 + b1 = W1:
    # example 0 (class 0): margins 1 + 1.5 - 2 = 0.5 (class 1) and 1 + 0 - 2 < 0 (class 2);
    # example 1 (class 1): margins 1 + 0 - 3 < 0 (class 0) and 1 + 2.5 - 3 = 0.5 (class 2).
    net = MLP([2, 3], rng=np.random.default_rng(0))
    net.params["W1"] = np.array([[2.0, 0.0], [1.5, 3.0], [0.0, 2.5]])
    labels = np.array([0, 1])
    np.testing.assert_array_equal(
        hinge_margins(net.params["W1"], labels), [[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]]
    )
    loss, grads = net.loss_and_grads(np.eye(2), labels)
    assert loss == pytest.approx((0.5 + 0.5) / 2, rel=1e-15)
    # each positive margin adds 1/m to its class and takes 1/m from the true class (m = 2)
    dS = np.array([[-1.0, 0.0], [1.0, -1.0], [0.0, 1.0]]) / 2
    np.testing.assert_allclose(grads["W1"], dS, rtol=1e-15)
    np.testing.assert_allclose(grads["b1"], dS.sum(axis=1, keepdims=True), rtol=1e-15)


def test_batch_norm_params_replace_bias_on_hidden_layers():
    net = _mlp([5, 4, 3, 2], batch_norm=True, rng=np.random.default_rng(0))
    assert set(net.params) == {"W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"}
    assert net.params["W1"].shape == (4, 5) and net.params["gamma2"].shape == (3, 1)
    assert set(net.running) == {"mean1", "var1", "mean2", "var2"}
    plain = _mlp([5, 4, 3, 2], rng=np.random.default_rng(0))
    assert set(plain.params) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert plain.running == {}


def test_forward_outputs_probabilities_or_scores():
    X, _ = _small_problem(0, m=9)
    for batch_norm in (False, True):
        net = _mlp([5, 6, 3], "tanh", batch_norm, rng=np.random.default_rng(1))
        hinge = _mlp([5, 6, 3], "tanh", batch_norm, "hinge", rng=np.random.default_rng(1))
        for training in (True, False):
            A, caches = net.forward(X, training=training)
            assert A.shape == (3, 9)
            np.testing.assert_allclose(A.sum(axis=0), 1.0, atol=1e-14)
            # the same weights with a hinge output layer give the logits themselves
            S, _ = hinge.forward(X, training=training)
            np.testing.assert_array_equal(S, caches[2][2])


class _Recorder:
    """Wraps a function and counts the calls, to see which functions a network uses."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, *args):
        self.calls += 1
        return self.function(*args)


def test_the_network_calls_the_functions_it_is_given():
    bn = {
        f: _Recorder(getattr(REFERENCE_BATCH_NORM, f))
        for f in ("forward", "backward", "update_running_stats", "inference")
    }
    head = {
        f: _Recorder(getattr(REFERENCE_SOFTMAX, f)) for f in ("softmax", "one_hot", "cross_entropy")
    }
    net = MLP(
        [5, 4, 3],
        batch_norm=BatchNormFunctions(**bn),
        softmax=SoftmaxFunctions(**head),
        rng=np.random.default_rng(0),
    )
    X, labels = _small_problem(2, m=8)
    net.fit(X, labels, steps=3, batch_size=4, rng=np.random.default_rng(1))
    assert bn["forward"].calls == bn["backward"].calls == 3  # one hidden layer, 3 steps
    assert bn["update_running_stats"].calls == 3
    assert head["softmax"].calls == head["one_hot"].calls == head["cross_entropy"].calls == 3
    net.predict(X)
    assert bn["inference"].calls == 1 and head["softmax"].calls == 4


def test_the_network_module_holds_no_reference_function():
    # course_kit.network goes to students: importing it must not import any graded topic
    assert imported_modules("import course_kit.network", "course_lib") == []


# ---------------------------------------------------------------------- batch-norm statistics


def test_running_stats_move_toward_batch_stats_exactly():
    X, _ = _small_problem(3, n_x=5, m=20)
    net = _mlp([5, 4, 3, 2], batch_norm=True, rng=np.random.default_rng(0), momentum=0.9)
    _, caches = net.forward(X, training=True)
    Z1, Z2 = caches[1][1], caches[2][1]
    for k in range(1, 8):
        net.forward(X, training=True, update_stats=True)
        # start mean 0 and var 1; after k identical batches: 0.9**k * start + (1 - 0.9**k) * batch
        w = 0.9**k
        for l, Z in ((1, Z1), (2, Z2)):
            np.testing.assert_allclose(
                net.running[f"mean{l}"],
                (1 - w) * Z.mean(axis=1, keepdims=True),
                rtol=1e-12,
                atol=1e-14,
            )
            np.testing.assert_allclose(
                net.running[f"var{l}"], w + (1 - w) * Z.var(axis=1, keepdims=True), rtol=1e-12
            )


def test_forward_without_update_stats_leaves_running_stats():
    X, _ = _small_problem(3, m=10)
    net = _mlp([5, 4, 3], batch_norm=True, rng=np.random.default_rng(0))
    net.forward(X, training=True)
    net.forward(X, training=False)
    np.testing.assert_array_equal(net.running["mean1"], np.zeros((4, 1)))
    np.testing.assert_array_equal(net.running["var1"], np.ones((4, 1)))


def test_inference_equals_training_when_running_stats_are_the_batch_stats():
    X, _ = _small_problem(4, m=12)
    net = _mlp([5, 4, 4, 3], "sigmoid", batch_norm=True, rng=np.random.default_rng(2))
    _randomise_params(net, np.random.default_rng(3))
    A_train, caches = net.forward(X, training=True)
    for l in (1, 2):
        bn_cache = caches[l][3]
        net.running[f"mean{l}"], net.running[f"var{l}"] = bn_cache[2], bn_cache[3]
    A_test, _ = net.forward(X, training=False)
    np.testing.assert_allclose(A_test, A_train, rtol=1e-12, atol=1e-14)
    # and inference mode handles a single example
    A_one, _ = net.forward(X[:, :1], training=False)
    np.testing.assert_allclose(A_one, A_train[:, :1], rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------ training


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(seed=0)


def _fit_on_digits(net: MLP, digits, seed: int, **options):
    """``net.fit`` on the training digits, mini-batches drawn by ``default_rng(seed)``."""
    return net.fit(digits.train.X, digits.train.labels, rng=np.random.default_rng(seed),
                   **options)


def _train_on_digits(digits, batch_norm):
    net = _mlp([64, 100, 100, 10], "relu", batch_norm, rng=np.random.default_rng(0))
    history = _fit_on_digits(net, digits, 10, steps=600, batch_size=64, learning_rate=0.005,
                             optimizer="adam", eval_every=200,
                             validation=(digits.validation.X, digits.validation.labels))
    return net, history


@pytest.fixture(scope="module")
def trained_plain(digits):
    return _train_on_digits(digits, batch_norm=False)


@pytest.fixture(scope="module")
def trained_bn(digits):
    return _train_on_digits(digits, batch_norm=True)


@pytest.fixture(params=["plain", "batchnorm"])
def trained(request):
    return request.getfixturevalue(
        "trained_bn" if request.param == "batchnorm" else "trained_plain"
    )


def test_fit_reaches_95_percent_validation_accuracy(trained, digits):
    # With these settings 6 weight seeds x 2 splits all reached >= 97 %, with and without
    # batch norm (checked while writing the test); the seeds here are fixed.
    net, history = trained
    accuracy = net.accuracy(digits.validation.X, digits.validation.labels)
    assert accuracy > 0.95
    assert history.val_accuracy[-1] == accuracy
    assert history.eval_steps == [200, 400, 600]
    # the loss went down: the last 50 steps average well below the first 50
    assert np.mean(history.loss[-50:]) < 0.25 * np.mean(history.loss[:50])


def test_fit_batch_norm_running_stats_track_the_data(trained_bn, digits):
    net, _ = trained_bn
    _, caches = net.forward(digits.train.X, training=True)
    for l in (1, 2):
        Z = caches[l][1]  # this layer's Z on the whole training set, batch statistics upstream
        mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
        start_mean_gap = np.linalg.norm(0.0 - mu)  # running mean starts at 0
        start_var_gap = np.linalg.norm(1.0 - var)  # running variance starts at 1
        # the running statistics moved from (0, 1) most of the way to the data's statistics
        assert np.linalg.norm(net.running[f"mean{l}"] - mu) < 0.2 * start_mean_gap, l
        assert np.linalg.norm(net.running[f"var{l}"] - var) < 0.2 * start_var_gap, l


def test_plain_net_has_no_running_stats(trained_plain):
    net, _ = trained_plain
    assert net.running == {}


def test_predict_returns_int_labels(trained, digits):
    net, _ = trained
    labels = net.predict(digits.test.X)
    assert labels.shape == (digits.test.m,)
    assert np.issubdtype(labels.dtype, np.integer)
    assert labels.min() >= 0 and labels.max() <= 9
    A, _ = net.forward(digits.test.X, training=False)
    np.testing.assert_array_equal(labels, np.argmax(A, axis=0))
    single = net.predict(digits.test.X[:, :1])
    assert single.shape == (1,) and single[0] == labels[0]


@pytest.mark.parametrize("with_validation", [True, False])
def test_fit_history_lengths(with_validation, digits):
    net = _mlp([64, 16, 10], rng=np.random.default_rng(0))
    validation = (digits.validation.X, digits.validation.labels) if with_validation else None
    history = _fit_on_digits(net, digits, 1, steps=250, batch_size=32, eval_every=100,
                             validation=validation)
    assert len(history.loss) == 250 and len(history.train_accuracy) == 250
    assert history.eval_steps == [100, 200, 250]
    assert len(history.val_accuracy) == (3 if with_validation else 0)
    assert history.layer_input_percentiles == []
    assert all(0.0 <= a <= 1.0 for a in history.train_accuracy)
    assert all(np.isfinite(history.loss))
    assert history.seconds > 0


@pytest.mark.parametrize("batch_norm", [False, True], ids=["plain", "batchnorm"])
def test_fit_record_layer_percentiles(batch_norm, digits):
    net = _mlp([64, 20, 12, 10], "tanh", batch_norm, rng=np.random.default_rng(0))
    probe = digits.validation.X[:, :50]
    history = _fit_on_digits(net, digits, 1, steps=30, eval_every=10, record_layer=2,
                             probe_X=probe)
    assert history.eval_steps == [10, 20, 30]
    assert len(history.layer_input_percentiles) == 3
    for p in history.layer_input_percentiles:
        assert p.shape == (3, 12)
        assert np.all(p[0] <= p[1]) and np.all(p[1] <= p[2])
    # the last record is of the final network, computed independently here
    inputs = net.activation_inputs(probe, 2)
    assert inputs.shape == (12, 50)
    np.testing.assert_allclose(
        history.layer_input_percentiles[-1], np.percentile(inputs, [15, 50, 85], axis=1), rtol=1e-12
    )
    if batch_norm:
        # activation inputs are Z_tilde with the probe's own statistics: row means are beta
        np.testing.assert_allclose(
            inputs.mean(axis=1, keepdims=True), net.params["beta2"], atol=1e-12
        )


def test_fit_is_deterministic_for_given_generators(digits):
    runs = []
    for _ in range(2):
        net = _mlp([64, 16, 10], batch_norm=True, rng=np.random.default_rng(5))
        h = _fit_on_digits(net, digits, 6, steps=20)
        runs.append((h.loss, net.params["W1"]))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


# --------------------------------------------------------------- one optimizer step by hand


def _one_full_batch_step(optimizer, lr=0.1, beta1=0.9):
    X, labels = _small_problem(7, m=8)
    net = _mlp([5, 4, 3], "tanh", rng=np.random.default_rng(0))
    before = {k: v.copy() for k, v in net.params.items()}
    _, grads = net.loss_and_grads(X, labels)
    # a batch of all m examples: the gradient does not depend on their order
    net.fit(
        X,
        labels,
        steps=1,
        batch_size=8,
        learning_rate=lr,
        optimizer=optimizer,
        beta1=beta1,
        rng=np.random.default_rng(0),
    )
    return before, grads, net.params


def test_sgd_step():
    before, grads, after = _one_full_batch_step("sgd")
    for k in before:
        np.testing.assert_allclose(after[k], before[k] - 0.1 * grads[k], rtol=1e-12, atol=1e-14)


def test_momentum_first_step():
    # v = 0.9 * 0 + 0.1 * g
    before, grads, after = _one_full_batch_step("momentum")
    for k in before:
        np.testing.assert_allclose(
            after[k], before[k] - 0.1 * 0.1 * grads[k], rtol=1e-12, atol=1e-14
        )


def test_adam_first_step_is_about_sign_of_gradient():
    # bias-corrected v_hat = g and s_hat = g**2, so the update is g / (|g| + 1e-8)
    before, grads, after = _one_full_batch_step("adam")
    for k in before:
        g = grads[k]
        np.testing.assert_allclose(
            after[k], before[k] - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-9, atol=1e-12
        )


# ------------------------------------------------------------------------------ ValueErrors

X5 = np.zeros((5, 4))
L4 = np.array([0, 1, 2, 0])


def _net(**kwargs):
    return MLP([5, 4, 3], rng=np.random.default_rng(0), **kwargs)


def _fit_one_step():
    return _net().fit(X5, L4.astype(float), steps=1)  # float labels: not class indices


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: MLP([5]), "layer_sizes"),
        (lambda: MLP([5, 0, 3]), "layer_sizes"),
        (lambda: MLP([5, 2.5, 3]), "layer_sizes"),
        (lambda: MLP([5, 3], activation="elu"), "activation"),
        (lambda: MLP([5, 3], weight_scale=0.0), "weight_scale"),
        (lambda: MLP([5, 3], rng=3), "rng"),
        (lambda: _net().activation_inputs(X5, 0), "layer"),
        (lambda: _net().activation_inputs(X5, 3), "layer"),
        (lambda: _net().fit(X5, L4, steps=0), "steps"),
        (lambda: _net().fit(X5, L4, steps=2, batch_size=0), "batch_size"),
        (lambda: _net().fit(X5, L4, steps=2, eval_every=0), "eval_every"),
        (lambda: _net().fit(X5, L4, steps=2, optimizer="rmsprop"), "optimizer"),
        (lambda: _net().fit(X5, L4, steps=2, learning_rate=0.0), "learning_rate"),
        (lambda: _net().fit(np.zeros((6, 4)), L4, steps=2), "X"),
        (lambda: _net().fit(X5, L4[:3], steps=2), "labels"),
        (lambda: _net().fit(X5, np.array([0, 1, 2, 3]), steps=2), "labels"),
        (lambda: _net().fit(X5, L4, steps=2, record_layer=1), "probe_X"),
        (lambda: _net().fit(X5, L4, steps=2, rng=1), "rng"),
        (lambda: _fit_one_step(), "labels"),
        (lambda: _mlp([5, 4, 3], batch_norm=True, momentum=1.5), "momentum"),
        (lambda: MLP([5, 4, 3], batch_norm=True), "batch_norm"),
        (lambda: MLP([5, 4, 3], softmax="softmax"), "softmax"),
        (lambda: BatchNormFunctions(np.tanh, np.tanh, 0.9, np.tanh), "update_running_stats"),
        (lambda: SoftmaxFunctions(np.exp, None, np.log), "one_hot"),
    ],
)
def test_value_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
