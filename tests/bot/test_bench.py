"""bot/bench: the load test's arithmetic, report and parsing, without starting any server."""

from __future__ import annotations

import itertools

import pytest

from bot.bench import report
from bot.bench.load import Budget, load_conversations, user_messages
from bot.bench.machine import parse_cpu_model, parse_meminfo_mib
from bot.bench.memory import parse_ppid, parse_vmrss_bytes, tree
from bot.bench.stats import (
    Outcome,
    classify_reply,
    percentile,
    ratio,
    summarise,
    throughput,
)

FALLBACKS = {"internal_error": "Sorry, something went wrong.", "no_answer": "Sorry, no answer."}


# --- stats -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0, 1.0), (50, 2.5), (100, 4.0), (25, 1.75), (95, 3.85), (99, 3.97)],
)
def test_percentile_interpolates_between_ranks_like_numpy(q, expected):
    assert percentile([4.0, 1.0, 3.0, 2.0], q) == pytest.approx(expected)


def test_percentile_of_one_value_and_of_none():
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


@pytest.mark.parametrize("q", [-1, 101])
def test_percentile_outside_0_to_100_is_refused(q):
    with pytest.raises(ValueError):
        percentile([1.0], q)


def test_percentile_of_many_values_matches_the_rank():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)


def test_throughput_and_ratio_handle_zero():
    assert throughput(120, 60.0) == 2.0
    assert throughput(5, 0.0) is None
    assert ratio(30.0, 60.0) == 0.5
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 2.0) is None
    assert ratio(2.0, None) is None


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, [{"recipient_id": "a", "text": "Hi!"}], None),
        (200, [], None),
        (204, [{"text": "Hi!"}], None),
        (500, None, "http 500"),
        (413, [{"text": "too long"}], "http 413"),
        (200, None, "reply not a JSON list"),
        (200, {"text": "Hi!"}, "reply not a JSON list"),
        (200, [{"text": "Hi!"}, {"text": "Sorry, no answer."}], "fallback reply: no_answer"),
        (200, [{"text": "Sorry, something went wrong."}], "fallback reply: internal_error"),
        (200, ["not an object", {"text": "Hi!"}], None),
    ],
)
def test_classify_reply(status, body, expected):
    assert classify_reply(status, body, FALLBACKS) == expected


def test_classify_reply_without_fallbacks_accepts_any_list():
    assert classify_reply(200, [{"text": "Sorry, no answer."}], {}) is None


def test_summarise_counts_errors_and_takes_latency_from_every_response():
    outcomes = [
        Outcome(10.0),
        Outcome(20.0),
        Outcome(30.0),
        Outcome(40.0, "http 500"),
        Outcome(None, "timeout"),
        Outcome(None, "timeout"),
    ]
    summary = summarise(outcomes, seconds=2.0)
    assert (summary.messages, summary.ok, summary.errors) == (6, 3, 3)
    assert summary.throughput == 1.5  # error-free answers only
    assert summary.p50_ms == 25.0  # 10, 20, 30, 40: the timeouts have no latency
    assert summary.mean_ms == 25.0
    assert summary.max_ms == 40.0
    assert summary.error_kinds == {"http 500": 1, "timeout": 2}


def test_summarise_of_nothing():
    summary = summarise([], seconds=0.0)
    assert (summary.messages, summary.errors, summary.throughput) == (0, 0, None)
    assert summary.p50_ms is None and summary.mean_ms is None


# --- report ------------------------------------------------------------------------------------


def _system(label, rate, p95, errors, both, rasa=None, actions=None):
    summary = {
        "messages": 100,
        "ok": 100 - errors,
        "errors": errors,
        "seconds": 10.0,
        "throughput": rate,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 1.5,
        "mean_ms": p95 / 2,
        "max_ms": p95 * 2,
        "error_kinds": {"timeout": errors} if errors else {},
    }
    return {
        "label": label,
        "passes": {name: dict(summary) for name in report.PASSES},
        "peak_rss_mib": {
            "rasa": rasa or both * 0.8,
            "actions": actions or both * 0.2,
            "both": both,
        },
    }


def test_fmt():
    assert report.fmt(None) == "-"
    assert report.fmt(1234) == "1,234"
    assert report.fmt(1234.567) == "1,234.6"
    assert report.fmt(0.5, 2, "x") == "0.50x"


def test_format_table_pads_and_aligns():
    table = report.format_table(["name", "n"], [["a", "1"], ["long name", "1,000"]])
    assert table.splitlines() == [
        "name           n",
        "---------  -----",
        "a              1",
        "long name  1,000",
    ]


def test_format_table_keeps_label_columns_left():
    table = report.format_table(["a", "b", "n"], [["x", "yy", "1"]], left=2)
    assert table.splitlines()[-1] == "x  yy  1"


def test_format_table_refuses_a_short_row():
    with pytest.raises(ValueError):
        report.format_table(["a", "b"], [["only one"]])


def test_ratios_divide_ours_by_the_reference():
    ours = _system("Ours", rate=20.0, p95=200.0, errors=0, both=1000.0)
    reference = _system("Starter", rate=40.0, p95=100.0, errors=0, both=500.0)
    table = report.ratios(ours, reference)
    assert table["saturation"]["throughput"] == 0.5
    assert table["realistic"]["p95_ms"] == 2.0
    assert table["peak_rss"]["both"] == 2.0


def test_ratios_skip_a_pass_missing_on_either_side():
    ours = _system("Ours", rate=20.0, p95=200.0, errors=0, both=1000.0)
    reference = _system("Starter", rate=40.0, p95=100.0, errors=0, both=500.0)
    del reference["passes"]["single_user"]
    assert "single_user" not in report.ratios(ours, reference)


def test_goals_all_pass():
    ours = _system("Ours", rate=50.0, p95=299.0, errors=0, both=1535.0)
    reference = _system("Starter", rate=50.0, p95=10.0, errors=0, both=900.0)
    goals = report.evaluate_goals(ours, reference)
    assert [g.passed for g in goals] == [True, True, True]


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({"rate": 49.9}, 0),
        ({"p95": 300.0}, 1),
        ({"errors": 1}, 1),
        ({"both": 1536.0}, 2),
    ],
)
def test_each_goal_fails_on_its_own_figure(changes, failed):
    figures = {"rate": 50.0, "p95": 100.0, "errors": 0, "both": 1000.0} | changes
    ours = _system("Ours", **figures)
    reference = _system("Starter", rate=50.0, p95=10.0, errors=0, both=900.0)
    passed = [g.passed for g in report.evaluate_goals(ours, reference)]
    assert passed == [i != failed for i in range(3)]


def test_goals_fail_when_figures_are_missing():
    ours = {"label": "Ours", "passes": {}, "peak_rss_mib": {}}
    reference = {"label": "Starter", "passes": {}, "peak_rss_mib": {}}
    assert not any(g.passed for g in report.evaluate_goals(ours, reference))


def test_render_shows_every_section():
    ours = _system("Ours", rate=20.0, p95=350.0, errors=2, both=1200.0)
    reference = _system("Starter", rate=40.0, p95=100.0, errors=0, both=800.0)
    goals = report.evaluate_goals(ours, reference)
    results = {
        "systems": {"ours": ours, "reference": reference},
        "ratios": report.ratios(ours, reference),
        "goals": [g.__dict__ for g in goals],
        "machine": {
            "cpu_model": "Test CPU",
            "cores": 2,
            "ram_mib": 4096.0,
            "load_average": [0.5, 0.4, 0.3],
            "python": "3.10.13",
            "rasa": "3.6.21",
            "rasa_sdk": "3.6.2",
        },
        "notes": ["A note."],
    }
    text = report.render(results)
    rows = [line.split() for line in text.splitlines()]
    assert ["Ours", "saturation", "100", "20.0", "175", "350", "525", "2"] in rows
    for expected in (
        "0.50x",
        "[FAIL] saturation throughput >= Starter's: 20.0 vs 40.0 messages/s",
        "[PASS] both our servers together",
        "Ours, realistic: timeout: 2",
        "Test CPU (2 cores)",
        "Rasa: 3.6.21",
        "- A note.",
    ):
        assert expected in text, expected


# --- parsing /proc -----------------------------------------------------------------------------


def test_parse_cpu_model_and_meminfo():
    cpuinfo = "processor\t: 0\nvendor_id\t: X\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\n"
    assert parse_cpu_model(cpuinfo) == "AMD EPYC 7B13"
    assert parse_cpu_model("Hardware\t: BCM2835\n") == "BCM2835"
    assert parse_cpu_model("") is None
    assert parse_meminfo_mib("MemTotal:       2048000 kB\nMemFree: 1 kB\n") == 2000.0
    assert parse_meminfo_mib("MemFree: 1 kB\n") is None


def test_parse_proc_status_and_stat():
    assert parse_vmrss_bytes("Name:\trasa\nVmRSS:\t  123456 kB\nVmSwap: 0 kB\n") == 123456 * 1024
    assert parse_vmrss_bytes("Name:\tzombie\nState:\tZ\n") == 0
    # The command name may hold spaces and brackets; the parent pid follows the state.
    assert parse_ppid("4242 (rasa (run) x) S 17 4242 4242 0 -1") == 17


def test_tree_is_the_root_and_all_descendants():
    children = {1: [2, 3], 2: [4], 3: [], 4: [5], 9: [10]}
    assert sorted(tree(1, children)) == [1, 2, 3, 4, 5]
    assert tree(7, children) == [7]


# --- what the simulated users send -------------------------------------------------------------


@pytest.mark.parametrize("key", ["ours", "reference"])
def test_messages_file_has_conversations_of_text(key):
    conversations = load_conversations(key)
    assert len(conversations) >= 3
    assert all(isinstance(m, str) for c in conversations for m in c)


def test_each_conversation_gets_its_own_sender_and_users_start_apart():
    conversations = [["a1", "a2"], ["b1"], ["c1", "c2"]]
    first = list(itertools.islice(user_messages(conversations, 0), 6))
    assert [text for _, text in first] == ["a1", "a2", "b1", "c1", "c2", "a1"]
    senders = [sender for sender, _ in first]
    assert senders[0] == senders[1] and senders[3] == senders[4]
    assert len({senders[0], senders[2], senders[3], senders[5]}) == 4
    assert next(user_messages(conversations, 4))[1] == "b1"


def test_budget_stops_at_its_limit():
    budget = Budget(2)
    assert [budget.take() for _ in range(3)] == [True, True, False]
