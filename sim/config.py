"""Compose a run's configuration from ``configs/`` with Hydra and validate it.

``load_config(overrides)`` is the single way a run's configuration is made, for
the API, the CLI, the experiments and the app: Hydra composes the YAML files
with the overrides, an optional plan file is merged, and the result is built
into frozen, range-checked dataclasses. Every failure is a ``ConfigError``
naming the field and what is allowed.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import re
import stat
import threading
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.types import OverrideType
from hydra.errors import HydraException
from omegaconf import OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from sim.model.levers import Levers
from sim.model.params import Config
from sim.model.schema import ConfigError, as_dict, build
from sim.overrides import override_parser, parse_override, split_text, value_text
from sim.paths import CONFIG_DIR

GROUPS = ("org", "intervention", "shock", "params")
# Presets the experiments generate (``configs/generated/intervention/``): not for users to pick,
# so they are found only on the extra search path a named experiment declares
# (``experiment.search_path`` in its file) or that :data:`GENERATED` adds.
GENERATED_DIR = CONFIG_DIR / "generated"
EXPERIMENT = "experiment"  # the config group of named experiments (configs/experiment/)
SEARCH_PATH = "hydra.searchpath"
PLAN_ITEM_KEYS = ("name", "start", "duration", "intensity")
# Groups that choose one preset, and groups whose presets combine (intervention=[a,b]).
SINGLE_GROUPS = ("org", "params")
MULTI_GROUPS = ("intervention", "shock")
# What an override may set of a chosen intervention or shock, as a plan file may:
# intervention.execution_push.duration=10 (a preset need not spell out every one).
_SETTING = re.compile(rf"^({'|'.join(MULTI_GROUPS)})\.([^.]+)\.({'|'.join(PLAN_ITEM_KEYS[1:])})$")
# Plan and answers files are a few hundred bytes; the limit keeps a wrong path (/dev/zero,
# a data file) from being read and parsed for minutes before it is refused.
MAX_INPUT_BYTES = 1_000_000

_lock = threading.RLock()  # Hydra's global state is not thread-safe

# Every lever exists under org.levers before a preset is merged, so that any lever
# can be overridden (org.levers.platform_capacity=0.5) even where a preset omits it;
# the defaults come from the Levers dataclass, the one place they are defined.
ConfigStore.instance().store(name="lever_defaults", node={"org": {"levers": as_dict(Levers())}})


def options(group: str, overrides: Sequence[str] = ()) -> list[str]:
    """Names of the presets available in a config group (``org``, ``intervention`` ...).

    Args:
        group: The config group.
        overrides: Overrides that may extend the search path (see :func:`search_dirs`);
            without them only the presets users choose are listed.
    """
    return sorted({p.stem for root in search_dirs(overrides) for p in (root / group).glob("*.yaml")})


def search_path_override(*dirs: Path) -> str:
    """Return the override that adds directories to Hydra's config search path."""
    return f"{SEARCH_PATH}=[{','.join(repr(f'file://{d}') for d in dirs)}]"


GENERATED = search_path_override(GENERATED_DIR)


def experiment_search_path(name: str) -> list[str]:
    """Return the search-path override a named experiment declares for its presets, if any.

    An experiment's file may list directories under ``configs/`` as
    ``experiment.search_path``; its runs then find the presets there. An
    unknown experiment declares none (composing it reports the error).
    """
    path = CONFIG_DIR / EXPERIMENT / f"{name}.yaml"
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    dirs = (data.get(EXPERIMENT) or {}).get("search_path") or []
    return [search_path_override(*(CONFIG_DIR / d for d in dirs))] if dirs else []


def implied_search_path(overrides: Sequence[str]) -> list[str]:
    """Return the search-path override that the named experiment the overrides choose needs, unless one is given."""
    if any(split_text(item)[0] == SEARCH_PATH for item in overrides):
        return []
    for item in overrides:
        key, value = split_text(item)
        if key.lstrip("+") == EXPERIMENT and value:
            return experiment_search_path(value)
    return []


def search_dirs(overrides: Sequence[str] = ()) -> list[Path]:
    """Return the configuration directories the overrides compose from: ``configs/`` and any added."""
    dirs = [CONFIG_DIR]
    for item in [*overrides, *implied_search_path(overrides)]:
        if split_text(item)[0] != SEARCH_PATH:
            continue
        try:
            (override,) = override_parser().parse_overrides([item])
        except HydraException:
            continue  # Hydra reports it when it composes
        value = override.value()
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, str) and entry.startswith("file://"):
                dirs.append(Path(entry.removeprefix("file://")))
    return dirs


def check_overrides(overrides: Sequence[str], *, once: bool = True) -> list[str]:
    """Check overrides as a whole, and spell a chosen intervention's settings as Hydra needs them.

    Hydra takes the last of a key given twice (``seed=1 seed=2``) and the last
    preset of a list for a group that chooses one (``org=[elite,startup]``);
    both are refused here, as is a preset listed twice (``intervention=[a,a]``,
    which a plan file refuses too). ``intervention.NAME.duration=10`` (or
    ``start``, ``intensity``; the same for a shock) becomes
    ``++intervention.NAME.duration=10``, so that a setting its preset file does
    not spell out can be set; composing then checks that NAME is chosen.

    Args:
        overrides: Override lines, as on the command line.
        once: Refuse a key given twice. The commands and the API refuse it;
            OrgStack's own callers of :func:`load_config` add overrides to a
            person's (an assessment's fitted values), the last one winning.

    Returns:
        The overrides, with settings of interventions and shocks rewritten.

    Raises:
        ConfigError: An override cannot be parsed, or is one of the cases above.
    """
    return list(_checked_overrides(tuple(overrides), once))


@functools.lru_cache(maxsize=4096)
def _checked_overrides(overrides: tuple[str, ...], once: bool) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    out = []
    for line in overrides:
        override = parse_override(line)
        key = override.key_or_group
        if once and key in seen:
            raise ConfigError(key, f"is given twice ({seen[key]!r} and {line!r}); give each key once")
        seen[key] = line
        value = None if override.is_sweep_override() else override.value()
        if isinstance(value, list) and key in SINGLE_GROUPS:
            raise ConfigError(
                key, f"choose one preset, not a list ({line!r}); choose from {', '.join(options(key))}"
            )
        if isinstance(value, list) and key in MULTI_GROUPS:
            twice = [v for i, v in enumerate(value) if v in value[:i]]
            if twice:
                raise ConfigError(key, f"{value_text(twice[0])!r} is listed twice; give each preset once")
        if override.type is OverrideType.CHANGE and override.package is None and _SETTING.match(key):
            line = f"++{line}"
        out.append(line)
    return tuple(out)


def read_input(path: str | Path, field: str, what: str, error: type[ConfigError] = ConfigError) -> Any:
    """Read a person's YAML input file (a plan, answers) into plain data, or refuse it in one line.

    The file must be a regular file of at most :data:`MAX_INPUT_BYTES` (checked
    before it is read: ``/dev/zero`` or a FIFO is refused, not read), UTF-8, and
    YAML without a key given twice in one mapping. Numbers are read as YAML 1.2
    reads them, so ``5e-1`` is 0.5, not the string YAML 1.1 makes of it.

    Args:
        path: The file.
        field: The field an error names (``plan``, ``answers``).
        what: What the file is, in an error (``plan file``).
        error: The error class to raise.

    Raises:
        ConfigError: (or ``error``) The file is missing, unreadable, not a regular
            file, too big, not UTF-8 or not valid YAML.
    """
    shown = str(path)
    limit = f"at most {MAX_INPUT_BYTES:,} bytes"
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise error(field, f"{what} {shown!r} is not a regular file")
        if info.st_size > MAX_INPUT_BYTES:
            raise error(field, f"{what} {shown!r} has {info.st_size:,} bytes; a {what} has {limit}")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as err:
        raise error(field, f"cannot read {what} {shown!r}: {err.strerror or err}") from None
    if len(raw) > MAX_INPUT_BYTES:  # it grew since the check
        raise error(field, f"{what} {shown!r} has more than {MAX_INPUT_BYTES:,} bytes; a {what} has {limit}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(
            field, f"{what} {shown!r} is not UTF-8 text (byte {err.start} is {raw[err.start]:#04x})"
        ) from None
    try:
        return yaml.load(text, Loader=InputLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as err:
        raise error(field, f"{what} {shown!r} is not valid YAML: {_yaml_problem(err)}") from None
    except RecursionError:
        raise error(field, f"{what} {shown!r} is nested too deeply") from None


def _yaml_problem(err: yaml.YAMLError) -> str:
    """Say what is wrong in a YAML file, and where, in a few words."""
    if isinstance(err, yaml.MarkedYAMLError) and err.problem:
        mark = err.problem_mark
        return f"{err.problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else err.problem
    return " ".join(str(err).split())


class InputLoader(yaml.SafeLoader):
    """PyYAML's safe loader, reading ``5e-1`` as a number and refusing a mapping's key given twice."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key given twice (YAML 1.1 loaders keep the last silently)."""
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"found {key!r} twice",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


# YAML 1.2's floats that YAML 1.1 reads as strings: an exponent without a dot or a sign (5e-1, 1e3).
InputLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def output_dir(cfg: Any, key: str) -> Path:
    """Resolve a composed command's output directory (``hydra.run.dir``) and check it can be made.

    Checked before any work starts: the directory, or the nearest of its parents
    that exists, must be a directory this process may write in.

    Raises:
        ConfigError: The setting cannot be resolved, is empty, or names a file or
            a place that cannot be written.
    """
    try:
        value = OmegaConf.select(cfg, key, throw_on_missing=True)
    except OmegaConfBaseException as err:
        raise ConfigError(
            key, f"cannot be resolved: {' '.join(str(err).split()).split(' full_key:')[0]}"
        ) from None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, f"must be a directory path, got {value!r}")
    path = Path(value)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise ConfigError(key, f"{value!r}: {str(existing)!r} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(key, f"{value!r}: cannot write in {str(existing)!r} (permission denied)")
    return path


def load_config(overrides: Sequence[str] = ()) -> Config:
    """Compose and validate a run configuration.

    Args:
        overrides: Hydra overrides such as ``org=enterprise``,
            ``intervention=[platform_team,talent_program]``, ``seed=3``,
            ``org.teams=40`` or ``plan=my_plan.yaml``. A named experiment
            (``+experiment=sequencing``) brings the search path of the presets
            it generates.

    Returns:
        The validated configuration.

    Raises:
        ConfigError: An override or a value is not allowed.
    """
    overrides = (*check_overrides(overrides, once=False), *implied_search_path(overrides))
    # A plan file can change between calls, so only plan-free configurations are cached.
    if any(split_text(item)[0] == "plan" for item in overrides):
        return _build(overrides)
    # Runs that differ only in a plain seed share one composition (Hydra takes ~50 ms).
    seeds = [item for item in overrides if item.startswith("seed=")]
    if len(seeds) == 1 and seeds[0][5:].isdigit():
        rest = tuple(item for item in overrides if item != seeds[0])
        return dataclasses.replace(_cached(rest), seed=int(seeds[0][5:]))
    return _cached(overrides)


def _build(overrides: tuple[str, ...]) -> Config:
    return config_from_dict(_compose_reusing(overrides))


def config_from_dict(data: dict[str, Any]) -> Config:
    """Validate composed plain data into a Config, merging its plan file if it names one.

    Raises:
        ConfigError: A value is not allowed.
    """
    _check_chosen(data)
    if data.get("plan"):
        if not isinstance(data["plan"], str):
            raise ConfigError("plan", f"must be the path of a plan file, got {data['plan']!r}")
        merge_plan(data, Path(data["plan"]))
    config = build(Config, data)
    check_config(config)
    return config


def check_config(config: Config) -> None:
    """Check what a Config's fields cannot check one by one: each intervention and shock starts within the run.

    Raises:
        ConfigError: An intervention or shock starts after the last week, where
            it would do nothing while the summary says it ran.
    """
    for group, items in (("intervention", config.intervention), ("shock", config.shock)):
        for name, item in items.items():
            if item.start > config.weeks:
                raise ConfigError(
                    f"{group}.{name}.start",
                    f"week {item.start} is after the run's last week, {config.weeks}; start it by week "
                    f"{config.weeks} or run longer (weeks={item.start} or more)",
                )


def _check_chosen(data: dict[str, Any]) -> None:
    """Refuse settings of an intervention or shock that is not chosen (they would do nothing).

    A chosen preset always has ``phases``; a node without them was made by an
    override such as ``intervention.execution_push.duration=10`` alone.
    """
    for group in MULTI_GROUPS:
        for name, node in (data.get(group) or {}).items():
            if not (isinstance(node, dict) and "phases" in node):
                names = options(group, [GENERATED])
                if name not in names:
                    raise ConfigError(
                        f"{group}.{name}",
                        f"unknown {group} {name!r}; choose from {', '.join(options(group))}",
                    )
                raise ConfigError(
                    f"{group}.{name}",
                    f"is set but {name!r} is not chosen; choose it with {group}={name} "
                    f"(or in a list, {group}=[a,{name}])",
                )


def config_from_composed(cfg: Any) -> Config:
    """Validate a configuration Hydra has already composed (a job's ``cfg``), without composing again.

    Raises:
        ConfigError: A value is not allowed.
    """
    return config_from_dict(_plain(cfg))


def _plain(cfg: Any) -> dict[str, Any]:
    try:
        data = OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as err:  # an interpolation: ${nope}, ${oc.env:UNSET}
        raise _explain(err) from None
    data.pop("hydra", None)
    # A named experiment's settings describe the sweep and its analysis, not a run.
    data.pop("experiment", None)
    return data


_cached = functools.lru_cache(maxsize=256)(_build)


def compose_run(overrides: Sequence[str]) -> tuple[Any, Config]:
    """Compose a run with Hydra's own node (its run directory, logging) and validate it, once.

    For a command that runs the job itself: Hydra's settings come with the
    composed configuration, and the validated ``Config`` is built from it.

    Returns:
        The composed ``DictConfig`` (with ``hydra``) and the validated configuration.

    Raises:
        ConfigError: An override or a value is not allowed.
    """
    overrides = [*check_overrides(overrides), *implied_search_path(overrides)]
    _check_choices(overrides)
    cfg = compose_config([*overrides, "hydra.mode=RUN"], with_hydra=True)
    output_dir(cfg, "hydra.run.dir")
    task = copy.deepcopy(cfg)  # the job's own configuration, as Hydra hands it to a job
    with open_dict(task):
        del task["hydra"]
    return cfg, config_from_composed(task)


def compose_dict(overrides: Sequence[str]) -> dict[str, Any]:
    """Compose ``configs/`` with Hydra overrides into plain data (no validation), fresh from the files."""
    _check_choices(overrides)
    return _plain(compose_config(overrides))


def _compose_reusing(overrides: Sequence[str]) -> dict[str, Any]:
    """Compose as :func:`compose_dict` does, reusing Hydra's work across calls.

    Hydra composes the presets the overrides choose, then sets the plain values
    (``org.layers.culture=0.4``, ``weeks=52``). The first part is cached, so
    configurations that differ only in such values (the app's sliders, a sweep
    over a parameter) compose in about a millisecond instead of Hydra's 50-150 ms.
    Whatever the shortcut does not cover (a key it cannot find, a list or
    mapping value, an interpolation, an error) goes through Hydra in full. Like
    :func:`load_config`'s own cache, it assumes the files do not change while
    the process runs; :func:`compose_dict` reads them afresh.
    """
    split = _split_values(overrides)
    if split is not None:
        choices, values = split
        try:
            data = copy.deepcopy(_composed_choices(choices))
        except ConfigError:
            data = None
        if data is not None and all(_set_existing(data, key, value) for key, value in values):
            return data
    return compose_dict(overrides)


def _split_values(overrides: Sequence[str]) -> tuple[tuple[str, ...], list[tuple[str, Any]]] | None:
    """Split overrides into those Hydra must compose and plain scalar values of existing keys.

    Returns:
        ``None`` when an override cannot be parsed (Hydra will say why).
    """
    try:
        parsed = override_parser().parse_overrides(list(overrides))
    except HydraException:
        return None
    choices, values = [], []
    for line, override in zip(overrides, parsed, strict=True):
        key, value = override.key_or_group, override.value()
        setting = _SETTING.match(key) is not None  # a chosen intervention's start, duration, intensity
        plain = (
            (override.type is OverrideType.CHANGE or (override.type is OverrideType.FORCE_ADD and setting))
            and override.package is None
            and not override.is_sweep_override()
            and key not in (*GROUPS, "plan")
            and key.partition(".")[0] != "hydra"
            and "/" not in key
            and isinstance(value, int | float | str | bool | None)
            and not (isinstance(value, str) and "${" in value)
        )
        if plain:
            values.append((key, value))
        else:
            choices.append(line)
    return tuple(choices), values


def _composed_choices(choices: tuple[str, ...]) -> dict[str, Any]:
    # Under the lock, so that a caller wanting choices that another thread is composing (the
    # studio's warm-up, say) waits for that composition instead of doing it again.
    with _lock:
        return _compose_choices(choices)


@functools.lru_cache(maxsize=64)
def _compose_choices(choices: tuple[str, ...]) -> dict[str, Any]:
    return _plain(compose_config(choices))


def _set_existing(data: dict[str, Any], key: str, value: Any) -> bool:
    """Set a dotted key to a scalar where it already holds a scalar; tell whether it did.

    A chosen intervention's or shock's setting may be new: its preset need not spell out a
    ``duration`` (see :data:`_SETTING`).
    """
    *path, leaf = key.split(".")
    node: Any = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or isinstance(node.get(leaf), dict | list):
        return False
    if leaf not in node and not (_SETTING.match(key) and "phases" in node):
        return False
    node[leaf] = value
    return True


def compose_config(overrides: Sequence[str], with_hydra: bool = False) -> Any:
    """Compose ``configs/`` with Hydra's compose API, safely from several threads.

    Args:
        overrides: Hydra overrides.
        with_hydra: Keep the ``hydra`` node (sweep settings, ``hydra.sweeper.params``).

    Returns:
        The composed ``DictConfig``.

    Raises:
        ConfigError: Hydra cannot compose the overrides.
    """
    with _lock:
        if not GlobalHydra.instance().is_initialized():
            initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR), job_name="orgstack")
        try:
            return compose("config", overrides=list(overrides), return_hydra_config=with_hydra)
        except (HydraException, OmegaConfBaseException, ValueError) as err:
            raise _explain(err, overrides) from None


def _check_choices(overrides: Sequence[str]) -> None:
    """Name the allowed presets when an override picks one that does not exist."""
    for item in overrides:
        key, value = split_text(item)
        if value is None or key not in GROUPS:
            continue
        names = options(key, overrides)
        for choice in value.strip("[]").split(","):
            choice = choice.strip()
            if choice and choice not in names:
                raise ConfigError(key, f"unknown preset {choice!r}; choose from {', '.join(names)}")


def _explain(err: Exception, overrides: Sequence[str] = ()) -> ConfigError:
    """Turn a Hydra or OmegaConf error into a ConfigError naming the key.

    Args:
        err: The error.
        overrides: The overrides composed; the presets they choose have the keys
            an unknown key is told apart from.
    """
    text = str(err).strip().splitlines()[0]
    key = getattr(err, "full_key", None) or ""
    if not key and "'" in text:
        key = text.split("'")[1]
    if "not in struct" in text or "Could not override" in text or "Key '" in text:
        unknown, allowed = _first_unknown(key, [o for o in overrides if split_text(o)[0] in GROUPS])
        if _SETTING.match(f"{unknown.rpartition('.')[0]}.start"):  # a chosen intervention's settings
            allowed = sorted({*allowed, *PLAN_ITEM_KEYS[1:]})
        if allowed:
            return ConfigError(unknown, f"unknown key; allowed keys are {', '.join(allowed)}")
    return ConfigError(key, text)


def _first_unknown(key: str, choices: Sequence[str] = ()) -> tuple[str, list[str]]:
    """Find the first component of a dotted key missing from the configuration the choices compose, and its siblings."""
    try:
        node: Any = compose("config", overrides=list(choices))
    except (HydraException, OmegaConfBaseException, ValueError):
        node = compose("config")
    path: list[str] = []
    for part in key.split("."):
        if not hasattr(node, "keys") or part not in node:
            allowed = sorted(str(k) for k in node.keys() if k != "hydra") if hasattr(node, "keys") else []
            return ".".join([*path, part]), allowed
        node, path = node[part], [*path, part]
    return key, []


def merge_plan(data: dict[str, Any], path: Path) -> None:
    """Merge a plan file into composed data.

    A plan file lists interventions and shocks by preset name with optional
    ``start``, ``duration`` and ``intensity``::

        interventions:
          - name: platform_team
            start: 4
          - {name: talent_program, intensity: 0.5}
        shocks:
          - {name: demand_surge, start: 30}

    Raises:
        ConfigError: The file cannot be read or its content is not allowed.
    """
    plan = read_input(path, "plan", "plan file")
    if plan is None:  # an empty file: a plan of nothing, as an empty mapping is
        plan = {}
    if not isinstance(plan, dict) or set(plan) - {"interventions", "shocks"}:
        raise ConfigError("plan", "a plan file is a mapping with keys interventions and shocks")
    for key, group in (("interventions", "intervention"), ("shocks", "shock")):
        items = plan.get(key) or []
        if not isinstance(items, list):
            raise ConfigError(f"plan.{key}", "must be a list of {name, start, duration, intensity}")
        seen: set[str] = set()
        for i, item in enumerate(items):
            where = f"plan.{key}[{i}]"
            if not isinstance(item, dict) or "name" not in item:
                raise ConfigError(
                    where, "must be a mapping with a name and optional start, duration, intensity"
                )
            extra = set(item) - set(PLAN_ITEM_KEYS)
            if extra:
                raise ConfigError(
                    f"{where}.{sorted(map(str, extra))[0]}",
                    f"unknown key; allowed keys are {', '.join(PLAN_ITEM_KEYS)}",
                )
            name = item["name"]
            if not isinstance(name, str):
                raise ConfigError(f"{where}.name", f"must be the name of a {group} preset, got {name!r}")
            if name in seen:
                raise ConfigError(f"{where}.name", f"{name!r} is listed twice; give each preset once")
            seen.add(name)
            if name not in options(group):
                raise ConfigError(
                    f"{where}.name", f"unknown {group} {name!r}; choose from {', '.join(options(group))}"
                )
            if (data.get(group) or {}).get(name, {}).get("phases"):
                raise ConfigError(
                    f"{where}.name", f"{name!r} is chosen by {group}= too; give each preset once"
                )
            preset = yaml.safe_load((CONFIG_DIR / group / f"{name}.yaml").read_text())
            preset.update({k: v for k, v in item.items() if k != "name"})
            data.setdefault(group, {})[name] = preset
