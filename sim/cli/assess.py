"""``orgstack-assess ANSWERS.yaml [--write-org FILE]``: fit an organisation to a questionnaire's answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sim.cli.errors import CommandParser, fail
from sim.consult.assess import EXAMPLES_DIR, assess, load_answers, org_yaml
from sim.consult.effort import Effort
from sim.files import show, unwritable, write_atomic
from sim.model.schema import ConfigError

PROG = "orgstack-assess"


def effort_from(
    prog: str, flags: Mapping[str, int | None], fields: Mapping[str, str] | None = None
) -> Effort:
    """Build the study's :class:`Effort` from command-line flags, or fail naming the flag.

    Args:
        prog: The command, for the error line.
        flags: Values by flag name (``fit_trials`` for ``--fit-trials``); None where not given.
        fields: The ``Effort`` field of a flag where its name differs (``{"trials": "fit_trials"}``).
    """
    fields = fields or {}
    try:
        return Effort(**{fields.get(flag, flag): value for flag, value in flags.items()})
    except ConfigError as err:
        flag = next((f for f in flags if fields.get(f, f) == err.field), err.field)
        fail(f"--{flag.replace('_', '-')}: {err.message}", prog)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``orgstack-assess ANSWERS.yaml [--write-org FILE]``."""
    parser = CommandParser(prog=PROG, description="Assess an organisation from an answers file.")
    parser.add_argument("answers", help=f"answers file (YAML); examples in {show(EXAMPLES_DIR)}")
    parser.add_argument("--write-org", metavar="FILE", help="write the fitted organisation as an org preset")
    parser.add_argument("--trials", type=int, help="Optuna trials of the fit")
    parser.add_argument("--seeds", type=int, help="seeds per fit candidate")
    args = parser.parse_args(argv)
    effort = effort_from(
        PROG, {"trials": args.trials, "seeds": args.seeds}, {"trials": "fit_trials", "seeds": "fit_seeds"}
    )
    out = Path(args.write_org) if args.write_org else None
    why = unwritable(out) if out else None
    if why:
        fail(f"--write-org: cannot write {args.write_org!r}: {why}", PROG)
    try:
        answers = load_answers(args.answers)
        result = assess(answers, effort)
    except ConfigError as err:
        fail(str(err).splitlines()[0], parser.prog)
    print(result.summary())
    if out:
        write_atomic(out, org_yaml(result))
        print(f"\nfitted organisation: {args.write_org}")


if __name__ == "__main__":
    main()
