import importlib

from data.build.__main__ import STEPS, main


def test_every_step_has_a_main_taking_argv():
    for step in STEPS:
        assert callable(importlib.import_module(f"data.build.{step}").main)


def test_places_come_before_the_basemap_that_labels_them():
    assert STEPS.index("places") < STEPS.index("basemap")


def test_unknown_step_is_refused_with_the_list_of_steps(capsys):
    assert main(["tiles"]) == 2
    assert "places, basemap" in capsys.readouterr().err
