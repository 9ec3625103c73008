"""The lessons' answers are read from the runs: always one of the choices, with the numbers behind it."""

import dataclasses

import pytest

from viz.lessons import LESSONS
from viz.scenario import run_what_if


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.title)
def test_every_lesson_answers_with_one_of_its_choices_and_says_why(lesson):
    outcome = run_what_if(
        dataclasses.replace(lesson.scenario, seeds=2, weeks=40), [lesson.plan_a, lesson.plan_b]
    )
    choice, why = lesson.answer(outcome)
    assert choice in lesson.choices
    assert any(ch.isdigit() for ch in why), "the answer quotes the runs' numbers"
