"""The language identification benchmark: its public-text sets and its five peers."""

from __future__ import annotations

import pytest

from bench import langid as bench_langid
from bench import peers, public_text
from bot.languages import DETECTED, UNKNOWN


def test_public_sets_are_fixed_and_splits_apart() -> None:
    built = public_text.build()
    again = public_text.build.__wrapped__()
    assert built == again  # the same on every run
    dev, held = built["dev"], built["heldout"]
    assert not {t for _, t in dev["sentences"]} & {t for _, t in held["sentences"]}
    for kind in public_text.KINDS:
        assert len(held[kind]) > 500, kind
        assert {lang for lang, _ in held[kind]} <= set(DETECTED)


def test_dev_split_sets_a_fifth_of_the_training_examples_aside() -> None:
    """On the dev split the project never trains on the examples it is measured on."""
    everything = bench_langid.training_examples("heldout")
    kept = bench_langid.training_examples("dev")
    aside = bench_langid.aside()
    assert not {t for _, t in kept} & {t for _, t in aside}
    assert len(kept) + len(aside) == len(everything)
    assert 0.15 < len(aside) / len(everything) < 0.25
    assert {lang for lang, _ in aside} <= set(DETECTED)  # ja-easy counts as ja
    assert "training examples set aside" in bench_langid.sets("dev")
    assert "training examples set aside" not in bench_langid.sets("heldout")


def test_words_and_pairs_belong_to_one_language_only() -> None:
    built = public_text.build()
    for split in public_text.SPLITS:
        by_text: dict[str, set[str]] = {}
        for kind in ("single words", "word pairs"):
            for lang, text in built[split][kind]:
                by_text.setdefault(text.lower(), set()).add(lang)
        assert all(len(langs) == 1 for langs in by_text.values())
    words = {t for _, t in built["heldout"]["single words"]}
    assert not words & {"Tom", "tom", "no", "OK"}


def test_words_are_cut_the_way_each_language_writes() -> None:
    assert public_text.words_of("en", "Where's the station, Tom?") == [
        "Where's",
        "the",
        "station",
        "Tom",
    ]
    assert public_text.words_of("ja", "駅はどこですか") == ["駅", "は", "どこ", "です", "か"]
    assert "电话" in public_text.words_of("zh", "我的电话坏了")


@pytest.mark.parametrize("name", list(peers.PEERS))
def test_every_peer_answers_in_the_project_codes(name: str) -> None:
    peer = peers.PEERS[name]()
    for text in ("where is the city office", "obrigado pela ajuda", "", "👍", "在留カード"):
        assert peer(text) in (*DETECTED, UNKNOWN)
    assert peer("I lost my residence card, what should I do?") == "en"
    assert peer("Perdi o meu cartão de residência, o que devo fazer?") == "pt"


def test_measure_reports_every_system_and_set() -> None:
    data = {"a": [("en", "hello there my friend"), ("ja", "ありがとう")]}
    predictions, ms = bench_langid.measure({"upper": lambda t: "en"}, data)
    assert predictions == {"upper": {"a": ["en", "en"]}}
    assert ms["upper"] >= 0


def test_tuning_trade_off_keeps_only_settings_that_buy_accuracy() -> None:
    from bench import tune_langid
    from bot.nlu.langid import LONG, SHORT

    scored = [((8, 0.97), SHORT), ((6, 0.96), LONG), ((6, 0.95), SHORT), ((7, 0.95), LONG)]
    # 7 behind at 0.95 buys nothing over 6 behind at 0.96: it is left out.
    assert tune_langid._frontier(scored) == [(6, 0.96, LONG), (8, 0.97, SHORT)]
    # A cell won is worth COST_OF_A_CELL of mean accuracy, no more.
    assert tune_langid._objective((6, 0.97)) > tune_langid._objective((8, 0.97))
    assert tune_langid._objective((2, 0.90)) < tune_langid._objective((8, 0.97))


def test_the_bench_measures_the_detector_the_model_ships() -> None:
    """`make bench` trains the identifier itself; it must be the one inside the model."""
    import json
    import tarfile
    from pathlib import Path

    from bot.nlu.langid import LanguageIdentifier

    model = Path(__file__).parents[1] / "models" / "assistant.tar.gz"
    if not model.exists():
        pytest.skip("no trained model (make train)")
    with tarfile.open(model) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("/langid.json"))
        shipped = json.load(archive.extractfile(member))
    assert shipped == LanguageIdentifier.train(bench_langid.training_examples()).to_dict()
