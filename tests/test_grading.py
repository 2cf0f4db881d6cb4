"""medgrade's parts, without nbgrader: the tamper policy, the wire, the checker.

The checker is driven by an in-process stand-in for the student's kernel that
answers requests with medgrade's real kernel-side code (``medgrade.kernel.answer``)
in a plain namespace, so these tests run in milliseconds. The sandbox itself
is tested in ``tests/test_sandbox.py`` and the whole pipeline, with the real
nbgrader, in ``tests/test_assignments.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from medgrade import (
    GradingError,
    check,
    check_close,
    forbid_calls,
    hidden_checks,
    value_and_grad,
    wire,
)
from medgrade import kernel as kernel_side
from medgrade.checker import Checker, KernelSession
from medgrade.policy import Cell, Submission

SETUP = Cell(
    "setup",
    "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"
    "from medlearn.device import seed_everything\n"
    "from medgrade import check, check_close, passed, progress\nseed_everything(0)",
    trusted=True,
)
GOOD = "def softmax(x, dim=1):\n    e = (x - x.amax(dim, keepdim=True)).exp()\n    return e / e.sum(dim, keepdim=True)\n"


def analyse(code: str, *more: str) -> Submission:
    return Submission(
        [
            SETUP,
            Cell("softmax", code, False),
            *(Cell(f"c{i}", m, False) for i, m in enumerate(more)),
        ]
    )


def delegation(code: str) -> list[str]:
    return [
        r.path
        for r in analyse(code).delegation(
            "softmax",
            ["softmax", "log_softmax"],
            value_methods=["softmax", "log_softmax"],
        )
    ]


# ---------------------------------------------------------------- the policy
@pytest.mark.parametrize(
    "code",
    [
        GOOD,
        "def softmax(x, dim=1):\n    return torch.exp(x) / torch.exp(x).sum(dim, keepdim=True)",
        "import numpy as np\ndef softmax(x, dim=1):\n    a = np.exp(np.asarray(x))\n    return torch.from_numpy(a / a.sum(dim, keepdims=True))",
        "def softmax(x, dim=1):\n    return torch.einsum('...,...->...', x.exp(), 1 / x.exp().sum(dim, keepdim=True))",
        "%matplotlib inline\n" + GOOD,
        # a top-level `x` using torch.softmax must not taint a parameter called x
        "x = torch.softmax(torch.ones(3), 0)\n" + GOOD,
        "input = torch.randn(3)\n" + GOOD + "softmax(input)\n",
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.softmax_layer = 1\n"
        + GOOD,
        "from IPython.display import display\n" + GOOD,
    ],
)
def test_honest_answers_have_no_findings_and_no_delegation(code):
    s = analyse(code)
    assert s.all_findings() == [] and s.global_findings() == []
    assert delegation(code) == []


@pytest.mark.parametrize(
    "code",
    [
        "def softmax(x, dim=1):\n    return torch.softmax(x, dim)",
        "def softmax(x, dim=1):\n    return x.softmax(dim)",
        "def softmax(x, dim=1):\n    return F.softmax(x, dim)",
        "def softmax(x, dim=1):\n    return nn.Softmax(dim)(x)",
        "def softmax(x, dim=1):\n    return x.log_softmax(dim).exp()",
        "from medlearn.tasks import softmax as s\ndef softmax(x, dim=1):\n    return s(x, dim)",
        "import medlearn.tasks\ndef softmax(x, dim=1):\n    return medlearn.tasks.softmax(x, dim)",
        "from medlearn import tasks\ndef softmax(x, dim=1):\n    return tasks.cross_entropy(x, dim)",
        "def softmax(x, dim=1, _f=torch.nn.Softmax):\n    return _f(dim)(x)",
        "g = torch.nn.functional\ndef softmax(x, dim=1):\n    return g.softmax(x, dim)",
        "def softmax(x, dim=1):\n    g = torch.nn.functional\n    return g.softmax(x, dim)",
        "def softmax(x, dim=1):\n    return getattr(torch, 'softmax')(x, dim)",
        "def softmax(x, dim=1):\n    return torch.special.softmax(x, dim)",
        "def h():\n    return torch.softmax\nsoftmax = h()",
        "def helper(x):\n    return x.log_softmax(1)\ndef softmax(x, dim=1):\n    return helper(x).exp()",
        "d = {'f': torch.softmax}\ndef softmax(x, dim=1):\n    return d['f'](x, dim)",
        "class K:\n    f = staticmethod(torch.softmax)\ndef softmax(x, dim=1):\n    return K.f(x, dim)",
    ],
)
def test_delegation_is_found_through_aliases_helpers_and_defaults(code):
    assert delegation(code), code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (
            "def softmax(x, dim=1):\n    return getattr(torch, 'soft' + 'max')(x, dim)",
            "getattr",
        ),
        ("def softmax(x, dim=1):\n    return eval('torch.softmax')(x, dim)", "eval"),
        ("def softmax(x, dim=1):\n    exec('y = 1')\n    return x", "exec"),
        (
            "def softmax(x, dim=1):\n    return __import__('medlearn.tasks').tasks.softmax(x)",
            "__import__",
        ),
        ("import importlib\ndef softmax(x, dim=1):\n    return x", "importlib"),
        (
            "def softmax(x, dim=1):\n    return torch.__dict__['softmax'](x, dim)",
            "__dict__",
        ),
        ("def softmax(x, dim=1):\n    return vars(torch)['softmax'](x, dim)", "vars"),
        ("def softmax(x, dim=1):\n    return globals()['x']", "globals"),
        (
            "def softmax(x, dim=1):\n    return torch.ops.aten._softmax(x, dim, False)",
            "ops",
        ),
        (
            "def softmax(x, dim=1):\n    import pickle\n    return pickle.loads(b'')(x)",
            "pickle",
        ),
        ("def softmax(x, dim=1):\n    return torch.load('f')(x)", "load"),
        (
            "def softmax(x, dim=1):\n    (y for y in []).gi_frame.f_globals\n    return x",
            "gi_frame",
        ),
        (
            "def softmax(x, dim=1):\n    t = torch\n    t.softmax = None\n    return x",
            "monkeypatching",
        ),
        (
            "class T(torch.Tensor):\n    pass\ndef softmax(x, dim=1):\n    return T(x)",
            "subclasses",
        ),
        (
            "class E:\n    def __eq__(self, o):\n        return True\ndef softmax(x, dim=1):\n    return E()",
            "__eq__",
        ),
        (
            "def softmax(x, dim=1):\n    return type('X', (), {'__eq__': lambda s, o: True})()",
            "__eq__",
        ),
        ("def softmax(x, dim=1):\n    get_ipython()\n    return x", "get_ipython"),
        ("!ls\n" + GOOD, "shell"),
        (
            "def softmax(x, dim=1):\n    return open('/etc/passwd').read()",
            "opens files",
        ),
        ("import torch.utils.cpp_extension\n" + GOOD, "cpp_extension"),
        ("import operator\n" + GOOD, "operator"),
        (
            "def softmax(x, dim=1):\n    from medgrade import check\n    return x",
            "medgrade",
        ),
    ],
)
def test_obfuscation_and_tampering_are_findings(code, reason):
    findings = analyse(code).findings_for("softmax") + analyse(code).global_findings()
    assert any(reason in f.reason or reason in f.code for f in findings), (
        code,
        findings,
    )


def test_top_level_findings_taint_every_part_function_findings_only_theirs():
    s = analyse(GOOD, "import os\nos.getcwd()\n")
    assert s.global_findings(), (
        "an import of os at the top level taints the whole notebook"
    )
    s = analyse(GOOD, "def other(x):\n    import os\n    return x\n")
    assert (
        not s.global_findings()
        and not s.findings_for("softmax")
        and s.findings_for("other")
    )
    # a function called at the top level runs at the top level
    s = analyse(GOOD, "def other(x):\n    import os\n    return x\nother(1)\n")
    assert s.global_findings()


def test_trusted_cells_resolve_names_but_are_never_findings():
    s = Submission(
        [
            Cell("setup", "import os\nimport torch.nn.functional as F", True),
            Cell("a", GOOD, False),
        ]
    )
    assert s.all_findings() == []


# ---------------------------------------------------------------- the wire
def _roundtrip(x):
    return wire.decode(wire.encode(x, kernel_side._handle), lambda h: h)


@pytest.mark.parametrize(
    "value",
    [
        1, 2.5, True, None, "s", [1, 2], (1, (2, 3)), {"a": 1, 2: "b"}, {1, 2}, 1 + 2j,
        torch.arange(6).reshape(2, 3), torch.ones(2, dtype=torch.bfloat16), torch.zeros(0, 3),
        torch.tensor(3.0), torch.randn(2, 2, dtype=torch.complex64), np.arange(4.0), np.float32(1.5),
        torch.float64, torch.Size([2, 3]),
    ],
)  # fmt: skip
def test_plain_data_round_trips_exactly(value):
    out = _roundtrip(value)
    if isinstance(value, torch.Tensor):
        assert (
            type(out) is torch.Tensor
            and out.dtype == value.dtype
            and torch.equal(out, value)
        )
    elif isinstance(value, np.ndarray):
        assert np.array_equal(out, value) and out.dtype == value.dtype
    elif isinstance(value, np.generic):
        assert type(out) is type(value) and out == value
    else:
        assert out == (tuple(value) if isinstance(value, torch.Size) else value)


def test_non_finite_floats_and_subclasses_arrive_as_plain_values():
    assert (
        math.isnan(_roundtrip(float("nan"))) and _roundtrip(float("-inf")) == -math.inf
    )

    class Liar(torch.Tensor):
        pass

    out = _roundtrip(torch.ones(2).as_subclass(Liar))
    assert type(out) is torch.Tensor


def test_objects_that_are_not_data_stay_in_the_kernel_as_handles():
    net = torch.nn.Linear(2, 2)
    ref = _roundtrip(net)
    assert isinstance(ref, wire.HandleRef) and ref.type_name == "Linear"


@pytest.mark.parametrize(
    "bad",
    [
        {
            "$": "tensor",
            "dtype": "float32",
            "shape": [2],
            "data": "AAAA",
        },  # 3 bytes for 8
        {"$": "tensor", "dtype": "object", "shape": [1], "data": ""},
        {"$": "pickle", "data": ""},
        {"$": "float", "v": "1e309"},
        {"$": "ndarray", "dtype": "O", "shape": [1], "data": ""},
        {"$": "dict", "items": [[1]]},
    ],
)
def test_decode_refuses_anything_but_plain_data(bad):
    with pytest.raises(wire.WireError):
        wire.decode(bad, lambda h: h)


def test_values_too_large_are_refused_before_they_are_sent():
    with pytest.raises(wire.WireError, match="too large"):
        wire.encode(list(range(wire.MAX_ITEMS + 1)), kernel_side._handle)


# ---------------------------------------------------------------- the checker
class InProcessKernel:
    """Answers the checker's requests with the real kernel-side code, locally."""

    def __init__(self, source: str) -> None:
        self.namespace: dict = {}
        exec(source, self.namespace)  # noqa: S102 - the test's own code

    def run_code(self, code: str) -> list[dict]:
        token, request = code.split('serve("')[1].split('", "')
        reply = kernel_side.answer(token, request.rstrip('")'), self.namespace)
        return [{"output_type": "display_data", "data": {wire.MIME: reply}}]


def checker_for(answer: str, extra: str = "") -> Checker:
    kernel = InProcessKernel("import torch\n" + answer + extra)
    session = KernelSession(kernel.run_code, analyse(answer + extra))
    return Checker(session, [SETUP.source], {"softmax"})


VISIBLE = (
    "_p = softmax(torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), dim=1)\n"
    "check(_p.shape == (2, 3), 'shape')\n"
    "check_close(_p.sum(dim=1), torch.ones(2), 'rows sum to 1')\n"
)
HIDDEN = (
    "import torch.nn.functional as _F\n"
    "from medgrade import forbid_calls as _forbid_calls, hidden_checks as _hidden, plain as _plain\n"
    "with _hidden('softmax'):\n"
    "    _x = torch.randn(4, 5, generator=torch.Generator().manual_seed(1))\n"
    "    _out = _plain(_forbid_calls(softmax, _x, 1, forbidden=[torch.softmax, _F.softmax, torch.Tensor.softmax]), 'softmax')\n"
    "    check_close(_out, torch.softmax(_x, 1), 'random softmax')\n"
)


def test_checker_passes_a_correct_answer_and_explains_a_wrong_one():
    ok = checker_for(GOOD)
    assert (
        ok.run("test_softmax_visible", VISIBLE).passed
        and ok.run("test_softmax_hidden", HIDDEN).passed
    )
    wrong = checker_for("def softmax(x, dim=1):\n    return x.exp() / x.exp().sum()\n")
    v = wrong.run("test_softmax_visible", VISIBLE)
    assert not v.passed and "rows sum to 1" in v.message and not v.internal


def test_rebinding_the_checks_in_the_kernel_changes_nothing():
    wrong = "def softmax(x, dim=1):\n    return x\ncheck = check_close = lambda *a, **k: None\n"
    assert not checker_for(wrong).run("test_softmax_hidden", HIDDEN).passed


def test_delegation_fails_the_part_with_the_offending_line():
    v = checker_for("def softmax(x, dim=1):\n    return torch.softmax(x, dim)\n").run(
        "test_softmax_hidden", HIDDEN
    )
    assert not v.passed and "torch.softmax" in v.message


def test_a_tainted_part_scores_zero_without_asking_the_kernel():
    c = checker_for(GOOD, "import os\n")
    v = c.run("test_softmax_visible", VISIBLE)
    assert not v.passed and "does not allow" in v.message and "imports os" in v.message


def test_student_exceptions_read_as_their_own_type_and_message():
    v = checker_for(
        "def softmax(x, dim=1):\n    raise IndexError('dim 7 out of range')\n"
    ).run("test_softmax_visible", VISIBLE)
    assert v.message == "IndexError: dim 7 out of range" and not v.internal
    v = checker_for("def softmax(x, dim=1):\n    raise NotImplementedError\n").run(
        "test_softmax_visible", VISIBLE
    )
    assert v.message == "not implemented yet"


def test_in_place_changes_gradients_and_module_state_come_back():
    answer = (
        "def softmax(x, dim=1, net=None):\n"
        "    x.mul_(2)\n"
        "    if net is not None:\n"
        "        net.eval()\n"
        "    return x.sum()\n"
    )
    c = checker_for(answer)
    test = (
        "_x = torch.ones(3)\n_net = torch.nn.Sequential(torch.nn.Linear(1, 1)).train()\n"
        "softmax(_x, net=_net)\n"
        "check(torch.equal(_x, torch.full((3,), 2.0)), 'in-place change seen')\n"
        "check(not _net.training and not _net[0].training, 'modes seen')\n"
        "_y = torch.ones(3, requires_grad=True)\n"
        "from medgrade import value_and_grad as _vg\n"
        "_v, _g = _vg(softmax, _y)\n"
    )
    # value_and_grad of an in-place op on a leaf fails in the kernel: a student error
    v = c.run("t", test)
    assert not v.passed and not v.internal, v.message
    c2 = checker_for("def softmax(x, dim=1):\n    return (x ** 2).sum()\n")
    assert c2.run(
        "t",
        "from medgrade import value_and_grad as _vg\n_y = torch.tensor([1.0, 3.0], requires_grad=True)\n"
        "_v, _g = _vg(softmax, _y)\ncheck_close(_g[0], torch.tensor([2.0, 6.0]), 'grad')\n",
    ).passed


def test_a_dead_kernel_fails_the_remaining_tests_with_a_clear_message():
    c = checker_for(GOOD)
    c.session.dead = "the kernel died"
    v = c.run("test_softmax_visible", VISIBLE)
    assert not v.passed and "kernel stopped" in v.message


# ---------------------------------------------------------------- helpers in a plain kernel
def test_checks_report_what_is_wrong():
    with pytest.raises(GradingError, match=r"expected shape \(2,\), got \(3,\)"):
        check_close(torch.zeros(3), torch.zeros(2), "x")
    with pytest.raises(GradingError, match="NaN"):
        check_close(torch.tensor([float("nan")]), torch.tensor([1.0]), "x")
    with pytest.raises(GradingError, match=r"largest difference 0.5 at index \(1,\)"):
        check_close(torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]), "x")
    with pytest.raises(GradingError, match="tensor of 2 values"):
        check(torch.tensor([True, False]), "x")
    with (
        pytest.raises(
            GradingError, match=r"dice \(hidden test\) raised ZeroDivisionError"
        ),
        hidden_checks("dice"),
    ):
        1 / 0  # noqa: B018


def test_forbid_calls_and_value_and_grad_in_a_plain_kernel():
    with pytest.raises(GradingError, match="your answer calls"):
        forbid_calls(
            lambda x: torch.softmax(x, 0), torch.ones(2), forbidden=[torch.softmax]
        )
    value, grads = value_and_grad(
        lambda t: (t**3).sum(), torch.tensor([2.0], requires_grad=True)
    )
    assert value.item() == 8.0 and torch.allclose(grads[0], torch.tensor([12.0]))


def test_forbid_calls_in_a_plain_kernel_sees_aliases_and_methods():
    from medlearn import tasks

    alias = tasks.softmax
    banned = [
        tasks.softmax,
        torch.softmax,
        torch.Tensor.softmax,
        torch.nn.functional.softmax,
    ]
    for cheat in (
        lambda x: alias(x),
        lambda x: x.softmax(1),
        lambda x: torch.softmax(x, 1),
        lambda x: torch.nn.functional.softmax(x, 1),
    ):
        with pytest.raises(GradingError, match="your answer calls"):
            forbid_calls(cheat, torch.randn(2, 3), forbidden=banned)
    honest = lambda x: (x - x.amax(1, keepdim=True)).exp()  # noqa: E731
    assert forbid_calls(honest, torch.zeros(1, 2), forbidden=[torch.softmax]).shape == (
        1,
        2,
    )


def test_a_failed_check_renders_as_its_message_only():
    rendered = GradingError(
        "softmax: wrong\nHint: subtract the max"
    )._render_traceback_()
    assert (
        "softmax: wrong" in rendered[0] and "Hint" in rendered[1] and len(rendered) == 2
    )
