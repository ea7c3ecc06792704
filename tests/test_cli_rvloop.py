"""`mtjax rv-loop` from the command line."""

import json

import pytest

from mtjax import cli


def _json(capsys, argv, code=0):
    assert cli.main(argv) == code
    return json.loads(capsys.readouterr().out)


def test_rv_loop_chain_json_and_text(capsys):
    out = _json(capsys, ["rv-loop", "--n", "3", "--points", "51", "--json"])
    assert out["device"] == "chain" and out["n"] == 3
    assert len(out["levels_ohm"]) == 4
    assert out["levels_ohm"] == sorted(out["levels_ohm"])
    assert out["write_voltages_V"][0] == pytest.approx(3 * 0.46)
    assert len(set(round(v, 9) for v in out["erase_voltages_V"])) == 1  # single-shot erase
    assert out["max_junction_voltage_V"] < out["v_breakdown_V"]
    assert cli.main(["rv-loop", "--device", "single", "--points", "21"]) == 0
    text = capsys.readouterr().out
    assert "write voltages" in text and "levels at 0.10 V" in text


def test_rv_loop_samples_and_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "figs" / "rv_loop.png"
    out = _json(capsys, ["rv-loop", "--n", "4", "--samples", "16", "--points", "41",
                         "--out", str(png.parent), "--json"])
    assert out["figures"] == [str(png)]
    s = out["samples"]
    assert len(s["levels_ohm"]) == 16 and len(s["levels_ohm"][0]) == 5
    assert s["levels_mean_ohm"] == sorted(s["levels_mean_ohm"])
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    par = _json(capsys, ["rv-loop", "--device", "parallel", "--n", "3", "--thickness-nm",
                         "1.7", "--samples", "8", "--points", "41", "--json"])
    assert len(par["levels_ohm"]) == 4
    assert par["levels_ohm"] == sorted(par["levels_ohm"], reverse=True)  # AP first
    assert not par["switches_beyond_breakdown"]
    thick = _json(capsys, ["rv-loop", "--device", "parallel", "--n", "3", "--thickness-nm",
                           "2.6", "--points", "21", "--json"])
    assert thick["switches_beyond_breakdown"]  # as the seed: 3 cells at 2.6 nm need help


def test_rv_loop_bad_input(capsys):
    assert cli.main(["rv-loop", "--n", "0"]) == 2
    assert "--n: must be an integer >= 1" in capsys.readouterr().err
    assert cli.main(["rv-loop", "--device", "parallel", "--v-max", "2.5"]) == 2
    err = capsys.readouterr().err
    assert "breakdown" in err and "--v-max 2.5" in err
    assert cli.main(["rv-loop", "--samples", "-1"]) == 2
    assert "--samples" in capsys.readouterr().err
    assert cli.main(["rv-loop", "--device", "parallel", "--thickness-nm", "16000"]) == 2
    err = capsys.readouterr().err
    assert "--thickness-nm 16000 nm" in err and "t_f" in err
