"""``orgstack-assess ANSWERS.yaml [--write-org FILE]``: fit an organisation to a questionnaire's answers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.cli.errors import CommandParser, fail
from sim.consult.assess import EXAMPLES_DIR, assess, load_answers, org_yaml
from sim.files import show, write_atomic
from sim.model.schema import ConfigError

PROG = "orgstack-assess"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``orgstack-assess ANSWERS.yaml [--write-org FILE]``."""
    parser = CommandParser(prog=PROG, description="Assess an organisation from an answers file.")
    parser.add_argument("answers", help=f"answers file (YAML); examples in {show(EXAMPLES_DIR)}")
    parser.add_argument("--write-org", metavar="FILE", help="write the fitted organisation as an org preset")
    parser.add_argument("--trials", type=int, help="Optuna trials of the fit")
    parser.add_argument("--seeds", type=int, help="seeds per fit candidate")
    args = parser.parse_args(argv)
    for name in ("trials", "seeds"):
        value = getattr(args, name)
        if value is not None and not 1 <= value <= 10_000:
            fail(f"--{name}: must be a whole number from 1 to 10000, got {value}", parser.prog)
    try:
        answers = load_answers(args.answers)
        result = assess(answers, trials=args.trials, seeds=args.seeds)
    except ConfigError as err:
        fail(str(err).splitlines()[0], parser.prog)
    print(result.summary())
    if args.write_org:
        out = Path(args.write_org)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, org_yaml(result))
        print(f"\nfitted organisation: {args.write_org}")


if __name__ == "__main__":
    main()
