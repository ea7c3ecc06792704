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
