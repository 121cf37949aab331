"""``/api/v1/programs/`` and ``/api/v1/templates/`` for trainers: an input serializer checks the
request, one service writes, an output serializer presents what a selector reads back."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from coaching.accounts.api import TrainerViewSet
from coaching.journal.api import ID
from coaching.models import Program, ProgramTemplate
from coaching.programs.filters import ProgramFilter, TemplateFilter
from coaching.programs.selectors import (
    program_detail,
    program_row_get,
    programs_for,
    template_detail,
    templates_for,
)
from coaching.programs.serializers import (
    ProgramCreateInputSerializer,
    ProgramDetailSerializer,
    ProgramSerializer,
    TemplateAssignInputSerializer,
    TemplateCreateInputSerializer,
    TemplateDetailSerializer,
    TemplateSerializer,
)
from coaching.programs.services import program_create, template_assign, template_create
from config.api.pagination import paginated_response


@extend_validation_errors(["invalid"], "client", actions=["create"])
@extend_validation_errors(["invalid"], "name", actions=["create"])
@extend_validation_errors(["invalid"], "template", actions=["create"])
@extend_validation_errors(["invalid"], "prescriptions", actions=["create"])
@extend_validation_errors(["invalid"], "sessions_per_week", actions=["create"])
@extend_validation_errors(["invalid"], "weekdays", actions=["create"])
class ProgramViewSet(TrainerViewSet):
    """Programs of the trainer's clients. Lists and creates are 403 for anyone who is not a
    trainer; a program of someone else's client is a 404."""

    output_serializer = ProgramDetailSerializer
    input_serializers = {"create": ProgramCreateInputSerializer}
    filterset_class = ProgramFilter

    def get_queryset(self) -> QuerySet[Program]:
        return programs_for(self.request.user)

    @extend_schema(
        summary="Programs of the trainer's clients", responses={200: ProgramSerializer(many=True)}
    )
    def list(self, request: Request) -> Response:
        return paginated_response(self, self.get_queryset(), ProgramSerializer)

    @extend_schema(
        summary="Assign a program to a client",
        description="From `prescriptions`, or copied from a `template` of the practice (not "
        "both). The client's previous active program ends.",
        request=ProgramCreateInputSerializer,
        responses={201: ProgramDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        program = program_create(actor=request.user, **self.input(ProgramCreateInputSerializer))
        return Response(
            ProgramDetailSerializer(program_detail(request.user, program.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="One program with its current prescriptions",
        parameters=[ID],
        responses={200: ProgramDetailSerializer},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ProgramDetailSerializer(program_row_get(request.user, pk)).data)


@extend_validation_errors(["invalid"], "name", actions=["create"])
@extend_validation_errors(["invalid"], "prescriptions", actions=["create"])
@extend_validation_errors(["invalid"], "sessions_per_week", actions=["create"])
@extend_validation_errors(["invalid"], "weekdays", actions=["create"])
@extend_validation_errors(["invalid"], "clients", actions=["assign"])
# a template emptied in the admin, or (a superuser) a client of another practice
@extend_validation_errors(["invalid"], "template", actions=["assign"])
@extend_validation_errors(["invalid"], "prescriptions", actions=["assign"])
class TemplateViewSet(TrainerViewSet):
    """The practice's library of program templates. Lists and creates are 403 for anyone who is
    not a trainer; another practice's template is a 404."""

    output_serializer = TemplateDetailSerializer
    input_serializers = {
        "create": TemplateCreateInputSerializer,
        "assign": TemplateAssignInputSerializer,
    }
    filterset_class = TemplateFilter

    def get_queryset(self) -> QuerySet[ProgramTemplate]:
        # the count of prescriptions groups the rows, and Meta.ordering does not apply then
        return templates_for(self.request.user).order_by("name", "pk")

    @extend_schema(
        summary="The practice's program templates", responses={200: TemplateSerializer(many=True)}
    )
    def list(self, request: Request) -> Response:
        return paginated_response(self, self.get_queryset(), TemplateSerializer)

    @extend_schema(
        summary="Add a template to the practice's library",
        request=TemplateCreateInputSerializer,
        responses={201: TemplateDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        template = template_create(actor=request.user, **self.input(TemplateCreateInputSerializer))
        return Response(
            TemplateDetailSerializer(template_detail(request.user, template.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="One template with its prescriptions",
        parameters=[ID],
        responses={200: TemplateDetailSerializer},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TemplateDetailSerializer(template_detail(request.user, pk)).data)

    @extend_schema(
        summary="Copy a template to several clients",
        description="Each client gets a copy as their new active program (their previous one "
        "ends). All or nothing.",
        parameters=[ID],
        request=TemplateAssignInputSerializer,
        responses={201: ProgramSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def assign(self, request: Request, pk: str) -> Response:
        template = template_detail(request.user, pk)
        programs = template_assign(
            actor=request.user, template=template, **self.input(TemplateAssignInputSerializer)
        )
        return Response(ProgramSerializer(programs, many=True).data, status=status.HTTP_201_CREATED)
