"""Exercise pictures from pose data: the figure's geometry, the checks on the data (the same for
the file and the admin), and the drawings of every exercise in the shipped catalogue."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from rest_framework.exceptions import ValidationError

from exercises.illustration import (
    FOOT,
    HEAD_R,
    NECK,
    SHIN,
    THIGH,
    TRUNK,
    Pose,
    animated_svg,
    joints,
    moving_segments,
    place,
    still_svg,
    validate_illustration,
)
from exercises.loader import CatalogueFileError, illustration_problems, validate_catalogue

CATALOGUE = Path(__file__).resolve().parents[1] / "catalogue" / "catalogue.yaml"
SVG = "{http://www.w3.org/2000/svg}"
parse = ET.fromstring  # our own drawings, not untrusted input


def pose(**angles: object) -> Pose:
    return Pose.from_data({"trunk": 90, **angles})


def close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return math.dist(a, b) < 1e-6


# --- the figure's geometry ----------------------------------------------------------------------


def test_standing_straight_is_a_vertical_line_facing_right():
    p = joints(pose())
    assert close(p["shoulder"], (0, TRUNK))
    assert close(p["head"], (0, TRUNK + NECK + HEAD_R))
    assert close(p["knee_near"], (0, -THIGH))
    assert close(p["ankle_near"], (0, -THIGH - SHIN))
    assert close(p["toe_near"], (FOOT, -THIGH - SHIN))  # the feet point forward (right)


@pytest.mark.parametrize(
    ("angles", "point", "direction"),
    [
        ({"hip": 90}, "knee_near", (1, 0)),  # hip flexion lifts the thigh forward
        ({"hip": -30}, "knee_near", (-0.5, -(3**0.5) / 2)),  # extension takes it back
        ({"shoulder": 180}, "elbow_near", (0, 1)),  # arm overhead
        ({"shoulder": 90}, "elbow_near", (1, 0)),  # arm forward
    ],
    ids=["hip-flexion", "hip-extension", "arm-overhead", "arm-forward"],
)
def test_joint_angles_turn_the_right_way(angles, point, direction):
    p = joints(pose(**angles))
    origin = p["pelvis"] if point.startswith("knee") else p["shoulder"]
    length = math.dist(origin, p[point])
    unit = ((p[point][0] - origin[0]) / length, (p[point][1] - origin[1]) / length)
    assert close(unit, direction)


def test_the_knee_bends_backwards_and_the_elbow_forwards():
    p = joints(pose(knee=90, elbow=90))
    assert p["ankle_near"][0] < p["knee_near"][0]  # the foot goes behind
    assert p["hand_near"][0] > p["elbow_near"][0]  # the hand comes forward


def test_near_and_far_sides_take_their_own_angles():
    p = joints(Pose.from_data({"trunk": 90, "hip": [90, 0]}))
    assert close(p["knee_near"], (THIGH, 0))
    assert close(p["knee_far"], (0, -THIGH))


def test_a_figure_without_at_rests_on_the_floor_and_the_fixed_point_stays():
    data = validate_illustration(
        {
            "start": {"trunk": 180, "hip": 50, "knee": 110, "ankle": 30},
            "end": {"trunk": 200, "hip": 10, "knee": 90, "ankle": 30},
            "fixed": "toe_near",
        }
    )
    start = place(Pose.from_data(data["start"]), data, "start")
    end = place(Pose.from_data(data["end"]), data, "end")
    for points in (start, end):
        lowest = min(y for name, (_, y) in points.items() if name not in ("head", "neck_top"))
        assert lowest == pytest.approx(0, abs=1e-6) or min(
            lowest, points["head"][1] - HEAD_R
        ) == pytest.approx(0, abs=1e-6)
    assert start["toe_near"][0] == pytest.approx(end["toe_near"][0])


def test_the_moving_limbs_are_found_from_the_angles_or_listed():
    raw = {"start": {"trunk": 180}, "end": {"trunk": 180, "hip": 80}}
    assert moving_segments(validate_illustration(raw)) == {
        "thigh_near", "shin_near", "foot_near", "thigh_far", "shin_far", "foot_far",
    }  # fmt: skip
    # 7° is not a movement, 8° is
    assert moving_segments({**raw, "end": {"trunk": 180, "hip": 7}}) == set()
    assert "thigh_near" in moving_segments({**raw, "end": {"trunk": 180, "hip": 8}})
    listed = validate_illustration({**raw, "highlight": ["trunk"]})
    assert moving_segments(listed) == {"trunk"}


# --- the checks on the data ---------------------------------------------------------------------

GOOD = {"start": {"trunk": 180}, "end": {"trunk": 180, "hip": 80}}


def with_(path: str, value: object) -> dict:
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (with_("start.hip", 160), None),  # the top of the range
        (with_("start.hip", 160.5), "start.hip: 160.5 is outside -45 to 160 degrees"),
        (with_("start.knee", 0), None),
        (with_("start.knee", -1), "start.knee: -1 is outside 0 to 160 degrees"),
        (with_("end.elbow", [10, 161]), "end.elbow: 161 is outside 0 to 160 degrees"),
        (with_("end.hip", [1, 2, 3]), "end.hip: give one angle, or two: [near, far]"),
        (with_("end.hip", "high"), "end.hip: 'high' is not a number of degrees"),
        (with_("end.hips", 30), "end.hips: unknown field"),
        (with_("start.trunk", None), "start.trunk: This field may not be null."),
        (with_("start.neck", 71), "start.neck: Ensure this value is less than or equal to 70."),
        (with_("start.at", [0, -30]), "start: the head goes through the floor"),
        (with_("props", [{"kind": "ball", "x": 0}]), "props[#1].r: a ball needs r"),
        (with_("props", [{"kind": "rope"}]), 'props[#1].kind: "rope" is not a valid choice.'),
        (with_("props", [{"kind": "weight", "attach": "tail"}]), "props[#1].attach:"),
        (with_("highlight", ["wing"]), "highlight: unknown segment 'wing'"),
        (with_("fixed", "nose"), 'fixed: "nose" is not a valid choice.'),
        ({"start": {"trunk": 90}}, "end: This field is required."),
    ],
    ids=lambda v: None if isinstance(v, dict | type(None)) else v[:40],
)
def test_bad_pose_data_is_refused_naming_the_pose_and_field(data, problem):
    problems = illustration_problems(data)
    if problem is None:
        assert problems == []
        validate_illustration(data)
    else:
        assert any(line.startswith(problem) for line in problems), problems
        with pytest.raises(ValidationError):
            validate_illustration(data)


def test_the_loader_names_the_exercise_and_field_and_wants_a_picture_when_published():
    raw = yaml.safe_load(CATALOGUE.read_text())
    first = raw["exercises"][0]
    first["illustration"]["start"]["knee"] = 200
    raw["exercises"][1].pop("illustration")
    draft = raw["exercises"][2]
    draft.pop("illustration")
    draft["status"] = "draft"
    with pytest.raises(CatalogueFileError) as refused:
        validate_catalogue(raw)
    problems = refused.value.problems
    slug0, slug1 = first["slug"], raw["exercises"][1]["slug"]
    assert f"exercises[#1 '{slug0}'].illustration.start.knee: 200 is outside 0 to 160 degrees" in (
        problems
    )
    assert any(p.startswith(f"exercises[#2 '{slug1}'].illustration: a published") for p in problems)
    assert not any(draft["slug"] in p for p in problems)  # a draft may wait for its picture
    assert len(problems) == 2


# --- every exercise of the catalogue ------------------------------------------------------------

EXERCISES = yaml.safe_load(CATALOGUE.read_text())["exercises"]


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e["slug"] for e in EXERCISES])
def test_every_published_exercise_renders_a_still_and_an_animation(exercise):
    assert exercise.get("status", "published") != "published" or exercise.get("illustration")
    data = validate_illustration(exercise["illustration"])
    still = parse(still_svg(data, exercise["name"]))
    moving = parse(animated_svg(data, exercise["name"]))
    assert still.find(f"{SVG}title").text == exercise["name"]
    labels = [t.text for t in still.iter(f"{SVG}text")]
    assert labels == ["Start", "End"]
    # something moves, highlighted, and the animation loops through both poses
    assert moving_segments(data)
    animations = list(moving.iter(f"{SVG}animate"))
    assert animations
    for animate in animations:
        times = animate.get("keyTimes").split(";")
        assert len(times) == len(animate.get("values").split(";"))
        assert times[0] == "0"
        assert times[-1] == "1"
    # with reduced motion asked for, the moving figure gives way to the two poses, held
    style = moving.find(f"{SVG}style").text
    assert "prefers-reduced-motion:reduce" in style
    assert ".xi-anim{display:none}" in style


def test_the_drawing_is_escaped_and_stays_inside_its_height():
    data = validate_illustration(GOOD)
    svg = still_svg(data, 'Leg raise <script>alert("x")</script>')
    assert "<script>" not in svg
    root = parse(svg)
    _, y, _, height = map(float, root.get("viewBox").split())
    for line in root.iter(f"{SVG}line"):
        for key in ("y1", "y2"):
            assert y - 1 <= float(line.get(key)) <= y + height + 1
