"""Exercise pictures made from data: a side view of a line figure, posed by joint angles.

An exercise's ``illustration`` (in ``catalogue.yaml`` and on the model) holds a ``start`` and an
``end`` pose and the props around the figure. This module validates that data (one serializer,
used by the loader and the admin) and renders it as SVG: the two positions side by side
(``still_svg``, also used in the printed handout) and an animation between them
(``animated_svg``, SMIL, replaced by the two positions overlaid when the reader asked for reduced
motion). Segments whose joint moves between the two poses are drawn in the highlight colour.

Angles are in degrees. ``trunk`` is the absolute direction from the pelvis to the shoulders
(0 = pointing right, 90 = up; the figure's front is 90° clockwise from it, so a standing figure
faces right and a figure lying on its back with the head on the left faces up). The other angles
are anatomical, relative to the segment above: ``hip`` and ``shoulder`` flexion (0 = in line
with the trunk, positive = forward), ``knee`` flexion and ``elbow`` flexion (0 = straight),
``ankle`` (0 = foot at a right angle to the shin, positive = toes pointed), ``neck`` (positive =
chin toward the chest). A limb angle is one number (both sides) or ``[near, far]``.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from rest_framework import serializers

# segment lengths, in the figure's units (about a centimetre of a 1.75 m adult)
TRUNK, NECK, HEAD_R = 50.0, 5.0, 9.0
UPPER_ARM, FOREARM = 29.0, 27.0
THIGH, SHIN, FOOT = 44.0, 42.0, 13.0
PLATE_R = 22.0  # a barbell's plates

LIMB_JOINTS = ("hip", "knee", "ankle", "shoulder", "elbow")
POSE_FIELDS = ("trunk", "neck", *LIMB_JOINTS)
RANGES: dict[str, tuple[float, float]] = {
    "trunk": (-360, 360),
    "neck": (-60, 70),
    "hip": (-45, 160),
    "knee": (0, 160),
    "ankle": (-40, 60),
    "shoulder": (-70, 200),
    "elbow": (0, 160),
}
SIDES = ("near", "far")
# points a prop can hang on and a pose can be pinned by
POINTS = (
    "pelvis", "shoulder", "head", "knee_near", "knee_far", "ankle_near", "ankle_far",
    "toe_near", "toe_far", "elbow_near", "elbow_far", "hand_near", "hand_far",
)  # fmt: skip
FIXED_PROPS = ("bench", "ball", "pad", "bar", "step")
MOVING_PROPS = ("pulley", "barbell", "dowel", "weight")


# --- the data --------------------------------------------------------------------------------


def _number(low: float, high: float) -> serializers.FloatField:
    return serializers.FloatField(min_value=low, max_value=high)


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know (a typo such as ``hips`` must not be ignored)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                known = ", ".join(self.fields)
                raise serializers.ValidationError(
                    dict.fromkeys(unknown, f"unknown field (known: {known})")
                )
        return super().to_internal_value(data)


class _LimbAngle(serializers.Field):
    """One angle for both sides, or ``[near, far]``."""

    def __init__(self, joint: str, **kwargs: Any):
        self.low, self.high = RANGES[joint]
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", 0.0)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[float]:
        values = data if isinstance(data, list) else [data, data]
        if len(values) != 2:
            raise serializers.ValidationError("give one angle, or two: [near, far]")
        out = []
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise serializers.ValidationError(f"{value!r} is not a number of degrees")
            if not self.low <= value <= self.high:
                raise serializers.ValidationError(
                    f"{value} is outside {self.low:g} to {self.high:g} degrees"
                )
            out.append(float(value))
        return out

    def to_representation(self, value: Any) -> Any:
        return value


class _PoseIn(StrictSerializer):
    trunk = _number(*RANGES["trunk"])
    neck = serializers.FloatField(
        min_value=RANGES["neck"][0], max_value=RANGES["neck"][1], required=False, default=0.0
    )
    hip = _LimbAngle("hip")
    knee = _LimbAngle("knee")
    ankle = _LimbAngle("ankle")
    shoulder = _LimbAngle("shoulder")
    elbow = _LimbAngle("elbow")
    at = serializers.ListField(
        child=_number(-400, 400),
        min_length=2,
        max_length=2,
        required=False,
        help_text="[x, y] of the pelvis; without it the figure rests on the floor",
    )


class _PropIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=FIXED_PROPS + MOVING_PROPS)
    x = serializers.FloatField(required=False, min_value=-400, max_value=400)
    y = serializers.FloatField(required=False, min_value=0, max_value=400)
    width = serializers.FloatField(required=False, min_value=5, max_value=300)
    height = serializers.FloatField(required=False, min_value=2, max_value=300)
    r = serializers.FloatField(required=False, min_value=5, max_value=60)
    attach = serializers.ChoiceField(choices=POINTS, required=False)

    NEEDS = {
        "bench": ("x", "width", "height"),
        "step": ("x", "width", "height"),
        "ball": ("x", "r"),
        "pad": ("x", "y", "r"),
        "bar": ("x", "y"),
        "pulley": ("x", "y", "attach"),
        "barbell": ("attach",),
        "dowel": (),
        "weight": ("attach",),
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = [f for f in self.NEEDS[attrs["kind"]] if f not in attrs]
        if missing:
            raise serializers.ValidationError(
                {f: f"a {attrs['kind']} needs {', '.join(missing)}" for f in missing}
            )
        return attrs


class IllustrationIn(StrictSerializer):
    """An exercise's picture data; errors name the pose and the field."""

    start = _PoseIn()
    end = _PoseIn()
    props = _PropIn(many=True, required=False, default=list)
    fixed = serializers.ChoiceField(
        choices=POINTS,
        required=False,
        default="pelvis",
        help_text="the point that stays in place between the two poses (horizontally)",
    )
    highlight = serializers.ListField(
        child=serializers.CharField(), required=False, default=None, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("highlight") is not None:
            bad = [s for s in attrs["highlight"] if s not in SEGMENTS]
            if bad:
                raise serializers.ValidationError(
                    {"highlight": f"unknown segment {bad[0]!r} (known: {', '.join(SEGMENTS)})"}
                )
        errors: dict[str, str] = {}
        for name in ("start", "end"):
            pose = Pose.from_data(attrs[name])
            points = place(pose, attrs, name)
            low_name, low = min(_body_points(points).items(), key=lambda kv: kv[1][1])
            if low[1] < -2:
                errors[name] = f"the {low_name.replace('_', ' ')} goes through the floor"
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def validate_illustration(raw: Any) -> dict[str, Any]:
    """Validated illustration data as plain JSON values, or ``serializers.ValidationError``
    naming the pose and the field."""
    serializer = IllustrationIn(data=raw)
    serializer.is_valid(raise_exception=True)
    return plain(serializer.validated_data)


# --- the figure ------------------------------------------------------------------------------

Point = tuple[float, float]

# segment → (from point, to point, the joint that turns it, side)
SEGMENTS: dict[str, tuple[str, str, str, str]] = {
    "upper_arm_far": ("shoulder", "elbow_far", "shoulder", "far"),
    "forearm_far": ("elbow_far", "hand_far", "elbow", "far"),
    "thigh_far": ("pelvis", "knee_far", "hip", "far"),
    "shin_far": ("knee_far", "ankle_far", "knee", "far"),
    "foot_far": ("ankle_far", "toe_far", "ankle", "far"),
    "trunk": ("pelvis", "shoulder", "trunk", ""),
    "neck": ("shoulder", "neck_top", "neck", ""),
    "thigh_near": ("pelvis", "knee_near", "hip", "near"),
    "shin_near": ("knee_near", "ankle_near", "knee", "near"),
    "foot_near": ("ankle_near", "toe_near", "ankle", "near"),
    "upper_arm_near": ("shoulder", "elbow_near", "shoulder", "near"),
    "forearm_near": ("elbow_near", "hand_near", "elbow", "near"),
}
# a segment moves with the ones above it
PARENT = {
    "forearm_far": "upper_arm_far", "shin_far": "thigh_far", "foot_far": "shin_far",
    "shin_near": "thigh_near", "foot_near": "shin_near", "forearm_near": "upper_arm_near",
}  # fmt: skip


@dataclass(frozen=True)
class Pose:
    trunk: float
    neck: float
    limbs: Mapping[str, tuple[float, float]]  # joint → (near, far)
    at: Point | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Pose:
        limbs = {}
        for joint in LIMB_JOINTS:
            value = data.get(joint, 0.0)
            near, far = value if isinstance(value, list | tuple) else (value, value)
            limbs[joint] = (float(near), float(far))
        at = data.get("at")
        return cls(
            trunk=float(data["trunk"]),
            neck=float(data.get("neck", 0.0)),
            limbs=limbs,
            at=(float(at[0]), float(at[1])) if at else None,
        )

    def angle(self, joint: str, side: str) -> float:
        if joint == "trunk":
            return self.trunk
        if joint == "neck":
            return self.neck
        return self.limbs[joint][SIDES.index(side)]

    def toward(self, other: Pose, t: float) -> Pose:
        """The pose a fraction ``t`` of the way to ``other`` (each angle the short way round)."""

        def mix(a: float, b: float) -> float:
            return a + (((b - a + 180) % 360) - 180) * t

        at = None
        if self.at and other.at:
            at = (
                self.at[0] + (other.at[0] - self.at[0]) * t,
                self.at[1] + (other.at[1] - self.at[1]) * t,
            )
        return Pose(
            trunk=mix(self.trunk, other.trunk),
            neck=self.neck + (other.neck - self.neck) * t,
            limbs={
                j: (
                    self.limbs[j][0] + (other.limbs[j][0] - self.limbs[j][0]) * t,
                    self.limbs[j][1] + (other.limbs[j][1] - self.limbs[j][1]) * t,
                )
                for j in LIMB_JOINTS
            },
            at=at,
        )


def _step(origin: Point, degrees: float, length: float) -> Point:
    r = math.radians(degrees)
    return (origin[0] + length * math.cos(r), origin[1] + length * math.sin(r))


def joints(pose: Pose, pelvis: Point = (0.0, 0.0)) -> dict[str, Point]:
    """Every point of the figure, the pelvis at ``pelvis`` (y up)."""
    t = pose.trunk
    shoulder = _step(pelvis, t, TRUNK)
    head_dir = t - pose.neck
    points = {
        "pelvis": pelvis,
        "shoulder": shoulder,
        "neck_top": _step(shoulder, head_dir, NECK),
        "head": _step(shoulder, head_dir, NECK + HEAD_R),
    }
    for i, side in enumerate(SIDES):
        hip, knee, ankle, shoulder_a, elbow = (pose.limbs[j][i] for j in LIMB_JOINTS)
        thigh = t + 180 + hip
        shin = thigh - knee
        points[f"knee_{side}"] = _step(pelvis, thigh, THIGH)
        points[f"ankle_{side}"] = _step(points[f"knee_{side}"], shin, SHIN)
        points[f"toe_{side}"] = _step(points[f"ankle_{side}"], shin + 90 - ankle, FOOT)
        upper = t + 180 + shoulder_a
        points[f"elbow_{side}"] = _step(shoulder, upper, UPPER_ARM)
        points[f"hand_{side}"] = _step(points[f"elbow_{side}"], upper + elbow, FOREARM)
    return points


def _body_points(points: Mapping[str, Point]) -> dict[str, Point]:
    """The points that touch things, the head as its lowest edge."""
    body = {k: v for k, v in points.items() if k not in ("neck_top", "head")}
    hx, hy = points["head"]
    body["head"] = (hx, hy - HEAD_R)
    return body


def _data_pose(data: Mapping[str, Any], name: str) -> Pose:
    return Pose.from_data(data[name])


def place(
    pose: Pose, data: Mapping[str, Any], which: str, *, start_x: float | None = None
) -> dict[str, Point]:
    """The pose's points in the picture: at its ``at``, or resting on the floor with the
    ``fixed`` point where it is in the start pose."""
    if pose.at is not None:
        return joints(pose, pose.at)
    points = joints(pose)
    low = min(y for _, y in _body_points(points).values())
    fixed = data.get("fixed", "pelvis")
    if start_x is None:
        start_x = (
            0.0 if which == "start" else place(_data_pose(data, "start"), data, "start")[fixed][0]
        )
    dx = start_x - points[fixed][0]
    return {k: (x + dx, y - low) for k, (x, y) in points.items()}


def moving_segments(data: Mapping[str, Any]) -> set[str]:
    """The highlighted segments: as listed, or those whose joint turns by 8° or more between
    the poses, with the segments below them."""
    if data.get("highlight") is not None:
        return set(data["highlight"])
    start, end = _data_pose(data, "start"), _data_pose(data, "end")
    moving = set()
    for name, (_, _, joint, side) in SEGMENTS.items():
        if joint == "trunk":
            continue  # the whole figure turns: not a limb's movement
        if abs(((end.angle(joint, side) - start.angle(joint, side) + 180) % 360) - 180) >= 8:
            moving.add(name)
    for name in SEGMENTS:
        parent = PARENT.get(name)
        while parent:
            if parent in moving:
                moving.add(name)
            parent = PARENT.get(parent)
    return moving


# --- drawing ---------------------------------------------------------------------------------

INK, FAR_INK, HIGHLIGHT, PROP_INK, PROP_FILL = "#1f2937", "#9aa3ae", "#c2410c", "#4b5563", "#e5e7eb"
STYLE = (
    ".xi-s{stroke-linecap:round;stroke-linejoin:round;fill:none}"
    ".xi-b{stroke:" + INK + ";stroke-width:6}.xi-f{stroke:" + FAR_INK + ";stroke-width:6}"
    ".xi-m{stroke:" + HIGHLIGHT + ";stroke-width:7}"
    ".xi-p{stroke:" + PROP_INK + ";stroke-width:2;fill:" + PROP_FILL + "}"
    ".xi-pl{stroke:" + PROP_INK + ";stroke-width:2.5;fill:none;stroke-linecap:round}"
    ".xi-h{fill:#fff;stroke:" + INK + ";stroke-width:4}"
    ".xi-g{opacity:.35}.xi-floor{stroke:#6b7280;stroke-width:2}"
)


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if v % 1 else str(int(v))


def _segment_class(name: str, moving: set[str]) -> str:
    if name in moving:
        return "xi-s xi-m"
    return "xi-s xi-f" if name.endswith("_far") else "xi-s xi-b"


def _prop_geometry(
    prop: Mapping[str, Any], points: Mapping[str, Point]
) -> list[tuple[str, dict[str, Any]]]:
    """SVG elements (tag, attributes in picture coordinates, y up) of one prop."""
    kind = prop["kind"]
    if kind in ("bench", "step"):
        x, w, h = prop["x"], prop["width"], prop["height"]
        shapes = [("rect", {"x": x, "y": h, "width": w, "height": min(8.0, h), "class": "xi-p"})]
        if kind == "bench" and h > 10:
            for leg_x in (x + 6, x + w - 6):
                shapes.append(
                    ("line", {"x1": leg_x, "y1": h - 8, "x2": leg_x, "y2": 0, "class": "xi-pl"})
                )
        elif kind == "step":
            shapes = [("rect", {"x": x, "y": h, "width": w, "height": h, "class": "xi-p"})]
        return shapes
    if kind == "ball":
        return [("circle", {"cx": prop["x"], "cy": prop["r"], "r": prop["r"], "class": "xi-p"})]
    if kind == "pad":
        return [
            (
                "line",
                {"x1": prop["x"], "y1": prop["y"], "x2": prop["x"], "y2": 0, "class": "xi-pl"},
            ),
            ("circle", {"cx": prop["x"], "cy": prop["y"], "r": prop["r"], "class": "xi-p"}),
        ]
    if kind == "bar":
        return [
            (
                "line",
                {
                    "x1": prop["x"],
                    "y1": prop["y"],
                    "x2": prop["x"] + 30,
                    "y2": prop["y"] + 12,
                    "class": "xi-pl",
                },
            ),
            ("circle", {"cx": prop["x"], "cy": prop["y"], "r": 3.5, "class": "xi-p"}),
        ]
    if kind == "pulley":
        to = points[prop["attach"]]
        return [
            (
                "line",
                {
                    "x1": prop["x"] + 6,
                    "y1": 0,
                    "x2": prop["x"] + 6,
                    "y2": prop["y"] + 30,
                    "class": "xi-pl",
                },
            ),
            ("circle", {"cx": prop["x"], "cy": prop["y"], "r": 4, "class": "xi-p"}),
            (
                "line",
                {"x1": prop["x"], "y1": prop["y"], "x2": to[0], "y2": to[1], "class": "xi-pl"},
            ),
        ]
    if kind == "barbell":
        cx, cy = points[prop["attach"]]
        return [
            ("circle", {"cx": cx, "cy": cy, "r": PLATE_R, "class": "xi-p"}),
            ("circle", {"cx": cx, "cy": cy, "r": 3, "class": "xi-p"}),
        ]
    if kind == "weight":
        cx, cy = points[prop["attach"]]
        return [("circle", {"cx": cx, "cy": cy, "r": 5.5, "class": "xi-p"})]
    # dowel: along the back, from behind the pelvis past the head
    px, py = points["pelvis"]
    sx, sy = points["shoulder"]
    length = math.hypot(sx - px, sy - py) or 1.0
    ux, uy = (sx - px) / length, (sy - py) / length
    bx, by = uy * 6, -ux * 6  # the back side: the front is 90° clockwise from the trunk
    bx, by = -bx, -by
    return [
        (
            "line",
            {
                "x1": px + bx - ux * 8, "y1": py + by - uy * 8,
                "x2": sx + bx + ux * 26, "y2": sy + by + uy * 26, "class": "xi-pl",
            },
        )
    ]  # fmt: skip


def _elements(
    data: Mapping[str, Any], points: Mapping[str, Point], moving: set[str]
) -> list[tuple[str, dict[str, Any]]]:
    """Props then the figure (far side first, the head last), as (tag, attributes), y up."""
    out: list[tuple[str, dict[str, Any]]] = []
    for prop in data.get("props", []):
        out += _prop_geometry(prop, points)
    for name, (a, b, _, _) in SEGMENTS.items():
        (x1, y1), (x2, y2) = points[a], points[b]
        out.append(
            (
                "line",
                {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "class": _segment_class(name, moving)},
            )
        )
    hx, hy = points["head"]
    out.append(("circle", {"cx": hx, "cy": hy, "r": HEAD_R, "class": "xi-h"}))
    return out


def _flip(tag: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Picture coordinates (y up) → SVG's (y down)."""
    out = dict(attrs)
    for key in ("y1", "y2", "cy"):
        if key in out:
            out[key] = -out[key]
    if tag == "rect":
        out["y"] = -out["y"]
    return out


def _tag(tag: str, attrs: Mapping[str, Any], inner: str = "") -> str:
    text = " ".join(
        f'{k}="{_fmt(v) if isinstance(v, float | int) else escape(str(v))}"'
        for k, v in attrs.items()
    )
    return f"<{tag} {text}>{inner}</{tag}>" if inner else f"<{tag} {text}/>"


def _bounds(shapes: Iterable[tuple[str, Mapping[str, Any]]]) -> tuple[float, float, float, float]:
    xs: list[float] = [0.0]
    ys: list[float] = [0.0]
    for tag, a in shapes:
        if tag == "line":
            xs += [a["x1"], a["x2"]]
            ys += [a["y1"], a["y2"]]
        elif tag == "circle":
            xs += [a["cx"] - a["r"], a["cx"] + a["r"]]
            ys += [a["cy"] - a["r"], a["cy"] + a["r"]]
        elif tag == "rect":
            xs += [a["x"], a["x"] + a["width"]]
            ys += [a["y"], a["y"] - a["height"]]
    return min(xs), min(ys), max(xs), max(ys)


def _poses(data: Mapping[str, Any]) -> tuple[Pose, Pose, dict[str, Point], dict[str, Point]]:
    start, end = _data_pose(data, "start"), _data_pose(data, "end")
    a = place(start, data, "start")
    b = place(end, data, "end", start_x=a[data.get("fixed", "pelvis")][0])
    return start, end, a, b


MARGIN = 12.0


def _svg_open(width: float, height: float, min_x: float, min_y: float, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_fmt(min_x)} {_fmt(min_y)} '
        f'{_fmt(width)} {_fmt(height)}" width="{_fmt(width * 2)}" height="{_fmt(height * 2)}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def still_svg(data: Mapping[str, Any], title: str) -> str:
    """The start and end positions side by side, labelled (static: for print and reduced
    motion)."""
    _, _, a, b = _poses(data)
    moving = moving_segments(data)
    shapes_a, shapes_b = _elements(data, a, moving), _elements(data, b, moving)
    x0, y0, x1, y1 = _bounds(shapes_a + shapes_b)
    x0, y0, x1, y1 = x0 - MARGIN, y0 - 4, x1 + MARGIN, y1 + MARGIN + 14
    width, height = x1 - x0, y1 - y0
    gap = 10.0
    parts = [_svg_open(2 * width + gap, height, 0, -y1, title), f"<style>{STYLE}</style>"]
    for i, (label, shapes) in enumerate((("Start", shapes_a), ("End", shapes_b))):
        dx = i * (width + gap) - x0
        parts.append(f'<g transform="translate({_fmt(dx)},0)">')
        parts.append(
            _tag("line", {"x1": x0 + 2, "y1": 0, "x2": x1 - 2, "y2": 0, "class": "xi-floor"})
        )
        parts += [_tag(tag, _flip(tag, attrs)) for tag, attrs in shapes]
        parts.append(
            f'<text x="{_fmt(x0 + 6)}" y="{_fmt(-y1 + 14)}" font-family="sans-serif" '
            f'font-size="11" font-weight="600" fill="#374151">{label}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


# the movement's timeline: hold the start, move, hold the end, come back
HOLD, STEPS, DURATION = 0.12, 8, 4.0


def _timeline() -> list[tuple[float, float]]:
    """(time 0–1, fraction of the way to the end pose), eased."""
    move = (1 - 2 * HOLD) / 2
    frames = [(0.0, 0.0)]
    for i in range(1, STEPS + 1):
        frames.append((HOLD + move * i / STEPS, (1 - math.cos(math.pi * i / STEPS)) / 2))
    frames.append((2 * HOLD + move, 1.0))
    for i in range(1, STEPS + 1):
        frames.append((2 * HOLD + move + move * i / STEPS, (1 + math.cos(math.pi * i / STEPS)) / 2))
    return frames


def animated_svg(data: Mapping[str, Any], title: str) -> str:
    """The figure moving from the start to the end position and back, every 4 seconds. With
    reduced motion asked for, the start pose is shown with the end pose faintly over it."""
    start, end, a, b = _poses(data)
    fixed = data.get("fixed", "pelvis")
    moving = moving_segments(data)
    timeline = _timeline()
    frames = []
    for _, t in timeline:
        if t == 0:
            frames.append(a)
        elif t == 1:
            frames.append(b)
        elif start.at is not None or end.at is not None:
            pa, pb = a["pelvis"], b["pelvis"]
            frames.append(
                joints(
                    start.toward(end, t), (pa[0] + (pb[0] - pa[0]) * t, pa[1] + (pb[1] - pa[1]) * t)
                )
            )
        else:
            frames.append(place(start.toward(end, t), data, "end", start_x=a[fixed][0]))
    per_frame = [_elements(data, points, moving) for points in frames]
    x0, y0, x1, y1 = _bounds([s for shapes in per_frame for s in shapes])
    x0, y0, x1, y1 = x0 - MARGIN, y0 - 4, x1 + MARGIN, y1 + MARGIN
    key_times = ";".join(_fmt(round(time, 4)) for time, _ in timeline) + ";1"
    style = STYLE + (
        ".xi-still{display:none}"
        "@media (prefers-reduced-motion:reduce){.xi-anim{display:none}.xi-still{display:inline}}"
    )
    parts = [_svg_open(x1 - x0, y1 - y0, x0, -y1, title), f"<style>{style}</style>"]
    parts.append(_tag("line", {"x1": x0 + 2, "y1": 0, "x2": x1 - 2, "y2": 0, "class": "xi-floor"}))
    parts.append('<g class="xi-anim">')
    for index, (tag, attrs) in enumerate(per_frame[0]):
        first = _flip(tag, attrs)
        animations = []
        for key in first:
            if key in ("class", "r", "width", "height"):
                continue
            values = [_flip(tag, shapes[index][1])[key] for shapes in per_frame]
            if max(values) - min(values) < 0.05:
                continue
            values.append(values[0])
            animations.append(
                f'<animate attributeName="{key}" dur="{_fmt(DURATION)}s" repeatCount="indefinite" '
                f'keyTimes="{key_times}" values="{";".join(_fmt(round(v, 1)) for v in values)}"/>'
            )
        parts.append(_tag(tag, first, "".join(animations)))
    parts.append("</g>")
    parts.append('<g class="xi-still"><g class="xi-g">')
    parts += [_tag(tag, _flip(tag, attrs)) for tag, attrs in _elements(data, b, moving)]
    parts.append("</g>")
    parts += [_tag(tag, _flip(tag, attrs)) for tag, attrs in _elements(data, a, moving)]
    parts.append("</g></svg>")
    return "".join(parts)


def plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validated data as plain JSON values (what the model stores): a limb angle that is the
    same on both sides as one number, whole degrees as integers."""

    def tidy(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, list):
            items = [tidy(v) for v in value]
            return items[0] if len(items) == 2 and items[0] == items[1] else items
        if isinstance(value, Mapping):
            return {k: tidy(v) for k, v in value.items()}
        return value

    result: dict[str, Any] = json.loads(json.dumps(data))
    for name in ("start", "end"):
        result[name] = {k: v if k == "at" else tidy(v) for k, v in result[name].items()}
    return result


def formatted(data: Mapping[str, Any]) -> str:
    """The data as the admin's text shows it: one line per pose, per prop."""
    lines = []
    for key, value in data.items():
        if key == "props" and value:
            props = ",\n  ".join(json.dumps(p) for p in value)
            lines.append(f' "props": [\n  {props}\n ]')
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}"


@functools.lru_cache(maxsize=512)
def _drawn(variant: str, payload: str, title: str) -> str:
    data = json.loads(payload)
    return still_svg(data, title) if variant == "still" else animated_svg(data, title)


def cached_svg(variant: str, data: Mapping[str, Any], title: str) -> str:
    """``still_svg`` or ``animated_svg`` of stored data, drawn once per process per data."""
    return _drawn(variant, json.dumps(data, sort_keys=True), title)
