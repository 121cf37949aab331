"""The real application plus one bare view, for bench/catalogue.py only.

``/bench/bare-exercises/`` answers the same published exercises, with the same nested parts,
built by PostgreSQL in one raw SQL query (json_agg) and returned as bytes: the cheapest way a
Django view can produce this payload. It is the floor the real endpoint is compared with."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

import config.urls  # noqa: E402
from exercises.models import ExerciseMedia  # noqa: E402

LICENCE_LABEL = (
    "CASE m.licence "
    + " ".join(
        f"WHEN '{code}' THEN '{label.replace(chr(39), chr(39) * 2)}'"
        for code, label in ExerciseMedia.Licence.choices
    )
    + " END"
)
DRAWN = "e.illustration::text <> '{}'"
# an exercise's pictures, as ``exercises.selectors.illustration_document``
ILLUSTRATION = f"""json_build_object(
  'primary', CASE WHEN fm.id IS NOT NULL
                  THEN json_build_object('kind', fm.kind, 'url', '/exercises/' || e.slug || '/media/' || fm.id)
                  WHEN {DRAWN}
                  THEN json_build_object('kind', 'drawing', 'url', '/exercises/' || e.slug || '/animation.svg')
             END,
  'still', CASE WHEN {DRAWN} THEN '/exercises/' || e.slug || '/illustration.svg' END,
  'animation', CASE WHEN {DRAWN} THEN '/exercises/' || e.slug || '/animation.svg' END,
  'media', (SELECT coalesce(json_agg(json_build_object(
                'kind', m.kind, 'url', '/exercises/' || e.slug || '/media/' || m.id,
                'title', m.title, 'description', m.alt_text, 'author', m.author,
                'source', m.source_url, 'licence', m.licence,
                'credit', '“' || m.title || '” by ' || m.author || ' — ' || {LICENCE_LABEL})
              ORDER BY m."order", m.id), '[]')
            FROM exercises_exercisemedia m WHERE m.exercise_id = e.id))"""

NAMED = """(SELECT coalesce(json_agg(json_build_object('slug', t.slug, 'name', t.name)
            ORDER BY t.name), '[]') FROM {through} x JOIN {table} t ON t.id = x.{fk}
            WHERE x.exercise_id = e.id)"""

SQL = f"""
SELECT json_build_object('count', (SELECT count(*) FROM exercises_exercise WHERE status = 'published'),
       'results', coalesce(json_agg(row_to_json(r)), '[]'))
FROM (
  SELECT e.slug, e.name, e.aliases, e.summary, e.position, e.movement_pattern, e.difficulty,
         e.laterality,
         {NAMED.format(through="exercises_exercise_primary_muscles", table="exercises_muscle", fk="muscle_id")} AS primary_muscles,
         {NAMED.format(through="exercises_exercise_stabilizers", table="exercises_muscle", fk="muscle_id")} AS stabilizers,
         {NAMED.format(through="exercises_exercise_equipment", table="exercises_equipment", fk="equipment_id")} AS equipment,
         (SELECT coalesce(json_agg(json_build_object('phase', c.phase, 'text', c.text)
                 ORDER BY c."order", c.id), '[]') FROM exercises_cue c WHERE c.exercise_id = e.id) AS cues,
         (SELECT coalesce(json_agg(json_build_object('title', m.title, 'detail', m.detail)
                 ORDER BY m."order", m.id), '[]') FROM exercises_mistake m WHERE m.exercise_id = e.id) AS mistakes,
         e.contraindications, e.stop_signals,
         json_build_object('sets', e.default_sets, 'reps_min', e.default_reps_min,
                           'reps_max', e.default_reps_max, 'tempo', e.default_tempo,
                           'hold_seconds', e.default_hold_seconds) AS default_prescription,
         (SELECT coalesce(json_agg(h.slug ORDER BY h.difficulty), '[]') FROM exercises_progressionedge p
            JOIN exercises_exercise h ON h.id = p.harder_id
            WHERE p.easier_id = e.id AND h.status = 'published') AS progressions,
         (SELECT coalesce(json_agg(l.slug ORDER BY l.difficulty DESC), '[]') FROM exercises_progressionedge p
            JOIN exercises_exercise l ON l.id = p.easier_id
            WHERE p.harder_id = e.id AND l.status = 'published') AS regressions,
         {ILLUSTRATION} AS illustration,
         e.updated_at
  FROM exercises_exercise e
  LEFT JOIN LATERAL (SELECT m.id, m.kind FROM exercises_exercisemedia m WHERE m.exercise_id = e.id
                     ORDER BY m."order", m.id LIMIT 1) fm ON true
  WHERE e.status = 'published' ORDER BY e.name LIMIT 1000
) r
"""


def bare_exercises(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(SQL)
        (payload,) = cursor.fetchone()
    import json

    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return HttpResponse(body, content_type="application/json")


config.urls.urlpatterns.append(path("bench/bare-exercises/", bare_exercises))
