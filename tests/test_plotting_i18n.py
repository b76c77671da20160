"""lrcourse.i18n and lrcourse.plotting: the language switch, the catalogue, Bengali glyphs in plots."""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lrcourse  # noqa: E402
from lrcourse import i18n, plotting  # noqa: E402
from lrcourse import schedules as S  # noqa: E402


def test_language_switch_and_catalogue():
    lrcourse.set_language("bn")
    assert lrcourse.get_language() == "bn"
    assert i18n.t("plot.lr") == "লার্নিং রেট (learning rate)"
    assert i18n.t("plot.lr", language="en") == "learning rate"
    lrcourse.set_language("en")
    assert i18n.t("plot.lr") == "learning rate"
    with pytest.raises(ValueError, match="language='fr'"):
        lrcourse.set_language("fr")
    with pytest.raises(KeyError, match="no message 'plot.nothing'"):
        i18n.t("plot.nothing")


def test_register_refuses_incomplete_or_inconsistent_messages():
    with pytest.raises(ValueError, match=r"no text for \['bn'\]"):
        i18n.register({"test.only_en": {"en": "hello"}})
    with pytest.raises(ValueError, match="placeholders differ"):
        i18n.register({"test.fields": {"en": "at t = {t}", "bn": "t = {step}-এ"}})
    i18n.register({"test.ok": {"en": "at t = {t}", "bn": "t = {t}-এ"}})
    i18n.register({"test.ok": {"en": "at t = {t}", "bn": "t = {t}-এ"}})  # re-import is fine
    with pytest.raises(ValueError, match="already registered"):
        i18n.register({"test.ok": {"en": "changed {t}", "bn": "বদল {t}"}})
    lrcourse.set_language("bn")
    assert i18n.t("test.ok", t=45) == "t = 45-এ"


def test_a_bengali_figure_renders_with_no_missing_glyph(tmp_path):
    lrcourse.set_language("bn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plotting.plot_schedules(
            {"কোসাইন (cosine)": S.cosine(1e-3, 1000), "ধাপে ধাপে কমানো (step decay)": S.step_decay(1e-3, 300)},
            1000,
            log="both",
            title="শিক্ষার হার কীভাবে বদলায়",
        )
        fig.savefig(tmp_path / "bn.png", dpi=60)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    assert (tmp_path / "bn.png").stat().st_size > 10_000
    axes = fig.axes
    assert axes[0].get_ylabel() == i18n.t("plot.lr") and axes[1].get_yscale() == "log"
    assert axes[0].get_xlabel().startswith("ধাপ")


def test_without_the_course_font_bengali_glyphs_would_be_missing(tmp_path):
    # Guards the test above: DejaVu Sans alone really lacks Bengali, so the fallback is what fixes it.
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("শিক্ষার হার")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(tmp_path / "plain.png", dpi=40)
    assert any("missing from font" in str(w.message) for w in caught)


def test_plot_schedules_draws_the_exact_curves_in_english():
    s = S.warmup_cosine(1e-3, 100, 1000)
    fig = plotting.plot_schedules([s, S.constant(5e-4)], 1000)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_array_equal(line.get_ydata(), s(np.arange(1001)))
    assert fig.axes[0].get_xlabel() == "step t (optimizer updates)"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][0] == repr(s)


def test_plot_schedules_refuses_bad_arguments():
    with pytest.raises(ValueError, match="total_steps=0"):
        plotting.plot_schedules(S.constant(0.1), 0)
    with pytest.raises(ValueError, match="log='yes'"):
        plotting.plot_schedules(S.constant(0.1), 10, log="yes")
    with pytest.raises(TypeError, match="dict"):
        plotting.plot_schedules(42, 10)
