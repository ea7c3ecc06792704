"""`mtjax dw` from the command line."""

import json

from mtjax import cli


def test_dw_json_and_bad_input(capsys, tmp_path):
    assert cli.main(["dw", "--preset", "trapezoid", "--cycles", "1", "--steps", "6",
                     "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["compact_state_map"]
    assert len(rows) == 6 and all(abs(sum(r) - 1) < 1e-9 for r in rows)
    assert out["levels_ohm"] == sorted(out["levels_ohm"], reverse=True)
    states = out["full_model"]["states"][0]
    assert states == sorted(states) and states[-1] == 3  # voltage-ordered writes to the end
    assert cli.main(["dw", "--steps", "1"]) == 2
    assert "--steps" in capsys.readouterr().err
    assert cli.main(["dw", "--v-min", "3", "--v-max", "2"]) == 2
    assert "--v-min" in capsys.readouterr().err


def test_dw_params_round_trip(capsys, tmp_path):
    assert cli.main(["dw", "--preset", "straight", "--dump-params"]) == 0
    text = capsys.readouterr().out
    params = json.loads(text)
    assert params["track"]["w1"] == params["track"]["w2"] == 350e-9
    f = tmp_path / "dw.json"
    f.write_text(text)
    assert cli.main(["dw", "--params", str(f), "--dump-params", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"] == params
    params["track"]["w1"] = -1.0
    f.write_text(json.dumps(params))
    assert cli.main(["dw", "--params", str(f), "--cycles", "0"]) == 1
    assert "w1" in capsys.readouterr().err
    f.write_text("{not json")
    assert cli.main(["dw", "--params", str(f)]) == 1
    assert "not valid JSON" in capsys.readouterr().err
