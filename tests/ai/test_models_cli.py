"""`hetumind models` against the test session's Ray (no model deployed there)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hetumind.cli.main import app


def test_models_lists_nothing_on_a_cluster_without_models(ray_session: None) -> None:
    result = CliRunner().invoke(app, ["models", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []
    plain = CliRunner().invoke(app, ["models"])
    assert plain.exit_code == 0 and "no model deployments" in plain.output
