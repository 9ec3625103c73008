"""The population generator: validated distributions, reproducible draws, maturity bundles."""

import dataclasses

import numpy as np
import pytest
import yaml
from scipy.stats import spearmanr

from experiments.validation import population
from sim.model.schema import ConfigError, build


@pytest.fixture(scope="module")
def data() -> dict:
    return yaml.safe_load(population.SPEC_PATH.read_text())


def test_the_shipped_spec_is_valid_and_draws_allowed_organisations():
    spec = population.load_spec(size=50)
    orgs = population.draw(spec)
    assert [o.index for o in orgs] == list(range(50))
    for o in orgs:
        assert spec.teams.low <= o.org.teams <= spec.teams.high
        assert spec.team_size.low <= o.org.team_size <= spec.team_size.high
        assert 0 <= o.maturity <= 1


def test_draws_are_reproducible_and_stable_as_the_population_grows():
    small = population.draw(population.load_spec(size=5))
    again = population.draw(population.load_spec(size=5))
    larger = population.draw(population.load_spec(size=9))
    assert small == again
    assert small == larger[:5]
    other = population.draw(population.load_spec(size=5, seed=1))
    assert [o.org for o in other] != [o.org for o in small]


def test_mature_organisations_have_stronger_layers_and_calmer_levers():
    orgs = population.draw(population.load_spec(size=200))
    maturity = [o.maturity for o in orgs]
    assert spearmanr(maturity, [o.org.layers.architecture for o in orgs]).statistic > 0.5
    assert spearmanr(maturity, [o.org.levers.pressure for o in orgs]).statistic < -0.5
    assert spearmanr(maturity, [o.org.debt for o in orgs]).statistic < -0.5


def test_configs_run_each_organisation_at_baseline_with_its_seed():
    spec = population.load_spec(size=3)
    configs = population.configs(spec)
    assert [c.org for c in configs] == [o.org for o in population.draw(spec)]
    assert all(c.intervention == {} and c.shock == {} and c.weeks == spec.weeks for c in configs)
    assert len({c.seed for c in configs}) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"layers": {"talent": {"low": 0.2, "high": 1.4, "noise": 0.1}}}, "layers.talent.high"),
        ({"levers": {"no_such_lever": {"low": 0, "high": 1, "noise": 0}}}, "levers.no_such_lever"),
        ({"org": {"teams": {"low": 1, "high": 2, "noise": 0}}}, "org.teams"),
        ({"window": 400}, "window"),
        ({"teams": {"low": 9, "high": 3}}, "teams.high"),
        ({"maturity_a": 0}, "maturity_a"),
        ({"layers": {"culture": {"low": 0.2, "high": 0.8, "noise": -1}}}, "layers.culture.noise"),
    ],
)
def test_bad_distributions_are_refused_naming_the_field(data, change, field):
    bad = {
        **data,
        **{k: ({**data[k], **v} if isinstance(v, dict) and k in data else v) for k, v in change.items()},
    }
    with pytest.raises(ConfigError) as err:
        build(population.PopulationSpec, bad)
    assert err.value.field == field


def test_attributes_are_clipped_to_their_allowed_range(data):
    wild = build(
        population.PopulationSpec,
        {**data, "size": 40, "layers": {**data["layers"], "talent": {"low": 0.0, "high": 1.0, "noise": 5.0}}},
    )
    values = np.array([o.org.layers.talent for o in population.draw(wild)])
    assert values.min() >= 0 and values.max() <= 1
    assert ((values == 0) | (values == 1)).mean() > 0.5
    assert dataclasses.is_dataclass(wild)


def test_every_layer_and_the_load_debt_spread_are_required(data):
    layers = {k: v for k, v in data["layers"].items() if k != "talent"}
    with pytest.raises(ConfigError) as err:
        build(population.PopulationSpec, {**data, "layers": layers})
    assert err.value.field == "layers.talent"


def test_without_bundles_the_attributes_no_longer_move_together():
    bundled = population.draw(population.load_spec(size=200))
    loose = population.draw(population.load_spec(size=200, independent=True))

    def rho(orgs):
        return spearmanr(
            [o.org.layers.architecture for o in orgs], [o.org.layers.talent for o in orgs]
        ).statistic

    # About 0.6 with the fitted maturity distribution (standard deviation ~0.15 against
    # a noise of 0.1 on each layer); the point is the contrast with the loose draw.
    assert rho(bundled) > 0.5
    assert abs(rho(loose)) < 0.25
