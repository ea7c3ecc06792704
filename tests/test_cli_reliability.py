"""Reliability of the command line (issue 12): one `--out` convention checked before the work,
atomic files, strict JSON, one-line errors with the right exit code, Ctrl-C, parse-time checks of
every number and of `--dt`, strict parameter files, and the size guard of `mtjax vowels`.

Everything runs in-process with tiny configurations; most cases fail while parsing, before JAX.
"""

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mtjax import cli
from mtjax.commands import _io, rvloop, vowels

ROOT = Path(__file__).resolve().parents[1]


def _strict_loads(text):
    def refuse(token):
        raise ValueError(f"non-strict JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def _one_line_error(capsys, argv, code):
    assert cli.main(argv) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err, err
    return err


# ---------------------------------------------------------------------------------------------
# class 5: --out, atomic files, strict JSON, one-line failures, Ctrl-C, negative numbers


@pytest.mark.parametrize("command", [["rv-loop"], ["dw", "--cycles", "0"], ["vowels"]])
def test_out_existing_file_or_missing_parent_is_refused_before_work(command, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    f = tmp_path / "file.png"
    f.write_bytes(b"keep")
    t0 = time.perf_counter()
    err = _one_line_error(capsys, [*command, "--out", str(f)], 2)
    assert "--out" in err and "existing file" in err and "directory" in err
    err = _one_line_error(capsys, [*command, "--out", str(tmp_path / "typo" / "figs")], 2)
    assert "--out" in err and "does not exist" in err
    assert time.perf_counter() - t0 < 20  # refused before any training or simulation
    assert f.read_bytes() == b"keep"


def test_out_unwritable_directory_is_refused(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_io.tempfile, "TemporaryFile", denied)
    err = _one_line_error(capsys, ["rv-loop", "--out", str(tmp_path)], 2)
    assert "not writable" in err and "Permission denied" in err


def test_out_directory_gets_the_figures_and_reports_their_paths(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "figs"
    assert cli.main(["rv-loop", "--points", "21", "--out", str(out_dir), "--json"]) == 0
    r = _strict_loads(capsys.readouterr().out)
    assert r["figures"] == [str(out_dir / "rv_loop.png")]
    assert (out_dir / "rv_loop.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in out_dir.iterdir()) == ["rv_loop.png"]  # no temporary left
    assert cli.main(["rv-loop", "--points", "21", "--out", str(out_dir)]) == 0  # dir exists: ok
    assert f"figures: {out_dir / 'rv_loop.png'}" in capsys.readouterr().out


def test_dw_out_is_a_directory_too(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    argv = ["dw", "--preset", "straight", "--cycles", "0", "--steps", "4", "--out",
            str(tmp_path), "--json"]
    assert cli.main(argv) == 0
    r = _strict_loads(capsys.readouterr().out)
    assert r["figures"] == [str(tmp_path / "dw_cycles.png"), str(tmp_path / "dw_statemap.png")]
    assert sorted(os.listdir(tmp_path)) == ["dw_cycles.png", "dw_statemap.png"]


def test_failed_figure_still_prints_the_result(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")

    def broken(result, writer):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(rvloop, "_figure", broken)
    assert cli.main(["rv-loop", "--points", "21", "--out", str(tmp_path), "--json"]) == 1
    cap = capsys.readouterr()
    r = _strict_loads(cap.out)
    assert r["levels_ohm"] and r["figures"] == [] and "no fonts" in r["figure_error"]
    assert cap.err.count("\n") == 1 and "figure failed" in cap.err
    assert cli.main(["rv-loop", "--points", "21", "--out", str(tmp_path)]) == 1
    assert "figure failed (the result above is complete)" in capsys.readouterr().out


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "fig.png"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), _io.atomic_path(target) as tmp:
        Path(tmp).write_bytes(b"half a PNG")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["fig.png"]
    with _io.atomic_path(target) as tmp:
        Path(tmp).write_bytes(b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["fig.png"]
    assert target.stat().st_mode & 0o044  # usual permissions, not mkstemp's 0600


def test_json_is_strict():
    import jax.numpy as jnp

    doc = {"a": math.nan, "b": np.float32("inf"), "c": np.array([1.0, np.nan]),
           "d": jnp.asarray([-np.inf, 2.0]), "e": (np.int64(3), np.bool_(True)), 7: None}
    out = _strict_loads(_io.dumps(doc))
    assert out == {"a": None, "b": None, "c": [1.0, None], "d": [None, 2.0], "e": [3, True],
                   "7": None}


def test_simulate_json_at_zero_temperature_is_strict(capsys):
    argv = ["simulate", "--trials", "2", "--temperature", "0", "--pulse-width", "1e-9",
            "--relax", "5e-10", "--dt", "5e-12", "--json"]
    assert cli.main(argv) == 0
    r = _strict_loads(capsys.readouterr().out)
    assert r["simulation"]["temperature_K"] == 0.0


def test_equinox_failure_is_one_line_naming_the_flag(capsys):
    err = _one_line_error(capsys, ["rv-loop", "--v-max", "100", "--points", "21"], 2)
    assert "--v-max 100 V" in err


def test_failure_message_unwraps_equinox_errors():
    import equinox as eqx
    import jax

    f = jax.jit(lambda x: eqx.error_if(x, x > 0, "x must be <= 0"))
    with pytest.raises(Exception) as info:  # noqa: PT011 - JaxRuntimeError or EquinoxRuntimeError
        f(1.0).block_until_ready()
    assert cli.failure_message(info.value) == "EquinoxRuntimeError: x must be <= 0"
    assert cli.failure_message(OverflowError("big\nsecond line")) == "OverflowError: big"


def _replace_info(monkeypatch, run=None, render=None):
    """Make `mtjax info` use `run` / `render` (a failure injected without any computation)."""
    commands = [cli._Command(c.name, c.help, c.add_arguments, run or c.run, render or c.render)
                if c.name == "info" else c for c in cli._COMMANDS]
    monkeypatch.setattr(cli, "_COMMANDS", commands)


def test_any_failure_is_one_line_exit_1_with_traceback_escape(capsys, monkeypatch):
    def overflow(args):
        raise OverflowError("Python int too large to convert to C long\n  File ...")

    _replace_info(monkeypatch, run=overflow)
    err = _one_line_error(capsys, ["info"], 1)
    assert "OverflowError: Python int too large" in err and "--traceback" in err
    with pytest.raises(OverflowError):
        cli.main(["info", "--traceback"])
    monkeypatch.setenv("MTJAX_DEBUG", "1")
    with pytest.raises(OverflowError):
        cli.main(["info"])


def test_a_failing_text_report_still_prints_the_result(capsys, monkeypatch):
    def broken(result):
        raise KeyError("versions")

    _replace_info(monkeypatch, render=broken)
    assert cli.main(["info"]) == 1
    cap = capsys.readouterr()
    assert _strict_loads(cap.out)["mtjax"] and "text report failed" in cap.err


def test_keyboard_interrupt_is_one_line_and_130(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    _replace_info(monkeypatch, run=interrupted)
    assert cli.main(["info"]) == 130  # in-process: returns, does not exit
    assert capsys.readouterr().err == "mtjax: interrupted\n"


def test_keyboard_interrupt_as_program_exits_130_without_teardown():
    code = ("import sys; from mtjax import cli\n"
            "def stop(args): raise KeyboardInterrupt\n"
            "i = [c.name for c in cli._COMMANDS].index('info')\n"
            "c = cli._COMMANDS[i]\n"
            "cli._COMMANDS[i] = cli._Command('info', c.help, c.add_arguments, stop, c.render)\n"
            "import atexit; atexit.register(lambda: print('TEARDOWN'))\n"
            "sys.argv = ['mtjax', 'info']; sys.exit(cli.main())\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 130
    assert proc.stderr == "mtjax: interrupted\n" and "TEARDOWN" not in proc.stdout


@pytest.mark.parametrize("text, value", [("-400e-6", -400e-6), ("-.5", -0.5),
                                         ("-1E+3", -1e3), ("-4", -4.0)])
def test_negative_numbers_with_exponents_are_values(text, value):
    args = cli.build_parser().parse_args(["simulate", "--current", text,
                                          "--field-mT", text, "0", text])
    assert args.current == value and args.field_mT == [value, 0.0, value]


# ---------------------------------------------------------------------------------------------
# classes 2 and 3: every number checked while parsing; --dt bounded by the span


@pytest.mark.parametrize("argv, flag", [
    (["simulate", "--current", "nan"], "--current"),
    (["simulate", "--current", "inf"], "--current"),
    (["simulate", "--current", "-inf"], "--current"),
    (["simulate", "--field-mT", "nan", "0", "0"], "--field-mT"),
    (["simulate", "--temperature", "inf"], "--temperature"),
    (["simulate", "--temperature", "-300"], "--temperature"),
    (["simulate", "--pulse-width", "0"], "--pulse-width"),
    (["simulate", "--dt", "inf"], "--dt"),
    (["simulate", "--trials", "0"], "--trials"),
    (["simulate", "--seed", "99999999999999999999999"], "--seed"),
    (["dw", "--v-max", "inf"], "--v-max"),
    (["dw", "--dt", "nan"], "--dt"),
    (["rv-loop", "--v-read", "nan"], "--v-read"),
    (["rv-loop", "--r-series", "-1"], "--r-series"),
    (["vowels", "--energy-weight", "nan"], "--energy-weight"),
    (["vowels", "--devices", "0"], "--devices"),
])
def test_bad_numbers_are_usage_errors_naming_the_flag(argv, flag, capsys):
    err = _one_line_error(capsys, argv, 2)
    assert f"argument {flag}: " in err and "got '" in err


@pytest.mark.parametrize("argv", [["simulate", "--dt", "1e-6"], ["dw", "--dt", "1e-6"]])
def test_dt_longer_than_the_span_is_refused(argv, capsys):
    err = _one_line_error(capsys, argv, 2)
    assert "--dt 1e-06 s is longer than the simulated span" in err


def test_dt_with_too_many_steps_is_refused(capsys):
    err = _one_line_error(capsys, ["simulate", "--dt", "1e-20"], 2)
    assert "--dt 1e-20 s gives 1.5e+12 steps" in err


def test_overrides_are_rebuilt_through_the_constructors(capsys):
    assert cli.main(["simulate", "--temperature", "10", "--current", "-1e-4", "--field-mT",
                     "-1e1", "0", "0", "--pulse-width", "2e-9", "--dump-params", "--json"]) == 0
    p = _strict_loads(capsys.readouterr().out)["params"]
    assert p["free_layer"]["temperature"] == 10.0
    assert p["current"] == pytest.approx(-1e-4) and p["pulse_width"] == pytest.approx(2e-9)
    assert p["field"][0] == pytest.approx(-1e-2 / (4e-7 * math.pi), rel=1e-6)


# ---------------------------------------------------------------------------------------------
# class 6: parameter files


@pytest.fixture(scope="module")
def dumps(tmp_path_factory):
    """--dump-params of every simulate preset and of both DW presets (dicts)."""
    out = {}
    for argv in (["simulate", "--preset", "pmtj-stt"], ["simulate", "--preset", "ip-stt"],
                 ["simulate", "--preset", "ip-sot"], ["dw", "--preset", "trapezoid"],
                 ["dw", "--preset", "straight"]):
        path = tmp_path_factory.mktemp("dump") / "params.json"
        with open(path, "w") as f:
            from contextlib import redirect_stdout

            with redirect_stdout(f):
                assert cli.main([*argv, "--dump-params"]) == 0
        out[(argv[0], argv[2])] = json.loads(path.read_text())
    return out


def test_dump_params_round_trip_for_every_preset(dumps, tmp_path, capsys):
    for (command, _), params in dumps.items():
        f = tmp_path / "p.json"
        f.write_text(json.dumps(params))
        assert cli.main([command, "--params", str(f), "--dump-params", "--json"]) == 0
        assert _strict_loads(capsys.readouterr().out)["params"] == params


def _refused(capsys, tmp_path, command, params):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(params))
    argv = [command, "--params", str(f), "--dump-params"]
    err = _one_line_error(capsys, argv, 1)
    assert str(f) in err
    return err


def test_unknown_key_is_refused_with_the_closest_valid_one(dumps, tmp_path, capsys):
    p = json.loads(json.dumps(dumps[("simulate", "pmtj-stt")]))
    p["delta_efff"] = p.pop("delta_eff")
    err = _refused(capsys, tmp_path, "simulate", p)
    assert "unknown key 'delta_efff' (did you mean 'delta_eff'?)" in err and "valid keys" in err
    p = json.loads(json.dumps(dumps[("dw", "straight")]))
    p["track"]["lenght"] = p["track"].pop("length")
    err = _refused(capsys, tmp_path, "dw", p)
    assert "track: unknown key 'lenght' (did you mean 'length'?)" in err


def test_missing_keys_are_refused(dumps, tmp_path, capsys):
    p = json.loads(json.dumps(dumps[("dw", "straight")]))
    del p["material"]["ms"]
    assert "material: missing key(s) 'ms'" in _refused(capsys, tmp_path, "dw", p)
    p = json.loads(json.dumps(dumps[("simulate", "ip-sot")]))
    del p["current"], p["free_layer"]["alpha"]
    assert "missing key(s) 'current'" in _refused(capsys, tmp_path, "simulate", p)


@pytest.mark.parametrize("section, key, value, what", [
    ("free_layer", "ms", [1.1e6, 1.2e6], "free_layer.ms must be a number (A/m)"),
    ("free_layer", "easy_axis", [0, 1], "free_layer.easy_axis must be a list of 3 numbers"),
    (None, "current", "4e-4", "current must be a number (A)"),
    (None, "delta_eff", True, "delta_eff must be a number"),
    (None, "delta_eff", -5.0, "delta_eff must be finite and > 0"),
])
def test_simulate_params_fields_are_checked_by_name(dumps, tmp_path, capsys, section, key,
                                                    value, what):
    p = json.loads(json.dumps(dumps[("simulate", "pmtj-stt")]))
    (p if section is None else p[section])[key] = value
    assert what in _refused(capsys, tmp_path, "simulate", p)


def test_dw_params_fields_are_checked_by_name(dumps, tmp_path, capsys):
    p = json.loads(json.dumps(dumps[("dw", "straight")]))
    p["material"]["ms"] = [1.1e6]
    assert "material.ms must be a number" in _refused(capsys, tmp_path, "dw", p)
    p = json.loads(json.dumps(dumps[("dw", "straight")]))
    p["mtj"]["span"] = [1e-6]
    assert "mtj.span must be a list of 2 numbers" in _refused(capsys, tmp_path, "dw", p)
    p = json.loads(json.dumps(dumps[("dw", "straight")]))
    p["wall_charge"] = 2
    assert "wall_charge must be +1 or -1" in _refused(capsys, tmp_path, "dw", p)


# ---------------------------------------------------------------------------------------------
# class 8: size guard of mtjax vowels


def test_vowels_too_many_configurations_is_refused_at_once(capsys):
    t0 = time.perf_counter()
    err = _one_line_error(capsys, ["vowels", "--devices", "20", "--inputs", "6"], 2)
    assert time.perf_counter() - t0 < 20
    assert "(20+1)^6 = 85,766,121 chain configurations x 259 samples" in err
    assert "--devices 20 with --inputs <= 2" in err and "--inputs 6 with --devices <= 3" in err


def test_vowels_size_bound():
    from argparse import Namespace

    def args(d, m, splits=1, restarts=1):
        return Namespace(devices=d, inputs=m, splits=splits, restarts=restarts)

    bound = vowels.MAX_TRAINING_NUMBERS
    vowels.check_size(args(3, 6, 5, 4), 259, 2)  # the largest seed-like run fits
    d = 1
    while (d + 2) ** 3 * 259 * 2 <= bound:
        d += 1
    vowels.check_size(args(d, 3), 259, 2)  # just under the bound
    with pytest.raises(cli.UsageError, match="what fits here"):
        vowels.check_size(args(d + 1, 3), 259, 2)
    with pytest.raises(cli.UsageError, match="what fits here: no --inputs with --devices 1000000"):
        vowels.check_size(args(10**6, 2), 259, 0)
    with pytest.raises(cli.UsageError, match="--ensemble 3 must be <= --restarts 2"):
        vowels.run(Namespace(method="gradient", ensemble=3, restarts=2))
