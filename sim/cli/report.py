"""``orgstack-report ANSWERS.yaml -o REPORT.html``: the diagnosis report of an organisation, as one HTML file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.cli.assess import effort_from
from sim.cli.errors import CommandParser, fail
from sim.consult.assess import EXAMPLES_DIR, load_answers
from sim.consult.report import render, study
from sim.files import show, unwritable, write_atomic
from sim.model.schema import ConfigError

PROG = "orgstack-report"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``orgstack-report ANSWERS.yaml -o REPORT.html``."""
    parser = CommandParser(
        prog=PROG, description="Write a self-contained HTML diagnosis report from an answers file."
    )
    parser.add_argument("answers", help=f"answers file (YAML); examples in {show(EXAMPLES_DIR)}")
    parser.add_argument(
        "-o", "--output", default="report.html", help="HTML file to write (default report.html)"
    )
    parser.add_argument("--seeds", type=int, help="seeds of the diagnosis and the ranking")
    parser.add_argument("--trials", type=int, help="Optuna trials of the schedule search")
    parser.add_argument("--fit-trials", type=int, help="Optuna trials of the fit")
    parser.add_argument("--budget", type=float, help="budget for a plan's extra cost, k per team per week")
    parser.add_argument("--weeks", type=int, help="horizon in weeks (default 156: three years)")
    args = parser.parse_args(argv)
    effort = effort_from(
        PROG, {"seeds": args.seeds, "trials": args.trials, "fit_trials": args.fit_trials, "weeks": args.weeks}
    )
    if args.budget is not None and not 0 <= args.budget <= 1000:  # NaN fails too
        fail(f"--budget: must be a number from 0 to 1000 (k per team per week), got {args.budget}", PROG)
    out = Path(args.output)
    why = unwritable(out)
    if why:
        fail(f"-o: cannot write {str(out)!r}: {why}", PROG)
    try:
        answers = load_answers(args.answers)
        result = study(answers, args.budget, effort)
    except ConfigError as err:
        fail(str(err).splitlines()[0], PROG)
    write_atomic(out, render(result))
    print(
        f"{PROG}: binding layer {result.diagnosis.binding}; recommended {result.recommendation.best.label()}"
    )
    print(f"{PROG}: wrote {out}")


if __name__ == "__main__":
    main()
