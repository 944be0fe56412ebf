from __future__ import annotations

import pytest

from metrics.core import settings as S
from metrics.core import settings_toml as T


def test_defaults_follow_spec():
    s = S.Settings()
    assert (s.return_window_hours, s.ticket_window_hours) == (72, 24)
    assert (s.sentiment_negative, s.sentiment_positive, s.distress_sentiment) == (-0.05, 0.05, -0.5)
    assert (s.low_csat_max, s.satisfied_min, s.peak_percentile) == (2, 4, 90)
    assert s.appropriate_reason_keywords == ("legal", "fraud", "security", "dispute", "complaint")
    assert (s.license_per_month, s.ai_fee_per_conversation, s.ai_fee_per_resolution) == (2000, 0.10, 0.99)
    assert (s.human_cost_per_hour, s.human_minutes_per_conversation, s.escalation_minutes) == (45, 12, 8)
    assert (s.fte_hours_per_month, s.baseline_months, s.revenue_lookback_days) == (140, 6, 180)
    assert (s.poor_experience_min_unresolved, s.alert_baseline_days, s.alert_sigma, s.alert_min_n) == (2, 28, 3, 20)


def test_toml_round_trip_keeps_every_value():
    s = S.Settings(human_required_categories=("Legal", 'Quote "x"'), as_of="2025-06-01", return_window_hours=24)
    text = T.dumps(s)
    assert 'human_required_categories = ["Legal", "Quote \\"x\\""]' in text
    assert T.loads(text) == s


def test_overrides_coerce_types():
    s = T.apply_overrides(S.Settings(), ["return_window_hours=24", "alert_min_n=5", "human_required_categories=A, B"])
    assert (s.return_window_hours, s.alert_min_n, s.human_required_categories) == (24.0, 5, ("A", "B"))


@pytest.mark.parametrize(
    "pair, message",
    [
        (
            "return_window_hours=0",
            "return_window_hours (Came back within (hours)) must be between 1 and 2,160 hours; it is 0.",
        ),
        ("return_window_hours=abc", "Setting return_window_hours = 'abc' is not a valid float."),
        ("alert_min_n=2.5", "Setting alert_min_n = '2.5' is not a valid int."),
        ("source_timezone=Mars/Base", "source_timezone 'Mars/Base' is not a known time zone."),
        ("deployment_date=May", "deployment_date 'May' is not a date (YYYY-MM-DD)."),
        ("nonsense=1", "Unknown setting 'nonsense'"),
        ("sentiment_negative=0.5", "Sentiment thresholds must satisfy"),
    ],
)
def test_invalid_settings_are_one_sentence(pair, message):
    with pytest.raises(S.SettingsError) as e:
        T.apply_overrides(S.Settings(), [pair])
    assert str(e.value).startswith(message)


def test_invalid_toml_is_reported():
    with pytest.raises(S.SettingsError, match="not valid TOML"):
        T.loads("return_window_hours = = 3")


def test_every_setting_is_declared_once_with_words_limits_and_a_stage():
    """One model: label, help, where it is set and what a change recomputes; numbers have limits and a default
    inside them; the validation uses the same limits (one below the lower limit is refused)."""
    d = S.Settings()
    for name, m in S.META.items():
        assert m.label and m.help.endswith("."), name
        assert m.stage in ("load", "signals", "display"), name
        value = getattr(d, name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert m.lo is not None and m.lo <= value <= m.hi, name
            with pytest.raises(S.SettingsError, match=f"^{name} "):
                d.replace(**{name: m.lo - 1})
    assert S.by_stage("load") == ("csat_scale_max", "source_timezone", "max_plausible_days")


def test_the_readme_documents_every_setting():
    import pathlib

    from metrics.present.docs import settings_table

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert settings_table() in readme
    for name in S.META:
        assert f"| `{name}` |" in readme, name


def test_targets_are_met_in_the_metrics_direction_and_kept_as_metric_value_pairs():
    from metrics.compute import targets

    s = S.Settings(targets=("true_resolution_rate=0.7", "ttfr_median_s_ai=30", "nonsense=1"))
    goals, unknown = targets.parse(s)
    assert goals == {"true_resolution_rate": 0.7, "ttfr_median_s_ai": 30.0} and unknown == ["nonsense"]
    assert targets.met("true_resolution_rate", 0.7, 0.7) is True  # higher is better: reaching it is enough
    assert targets.met("true_resolution_rate", 0.619, 0.7) is False
    assert targets.met("ttfr_median_s_ai", 25.0, 30.0) is True  # lower is better
    assert targets.met("ttfr_median_s_ai", 31.0, 30.0) is False
    assert targets.met("ttfr_median_s_ai", None, 30.0) is None
    t = targets.with_target(s, "ttfr_median_s_ai", 45.0)
    assert t.targets == ("true_resolution_rate=0.7", "nonsense=1", "ttfr_median_s_ai=45")
    assert targets.with_target(t, "ttfr_median_s_ai", None).targets == ("true_resolution_rate=0.7", "nonsense=1")
    with pytest.raises(S.SettingsError, match="is not metric=value"):
        S.from_dict({"targets": ["true_resolution_rate"]})
