"""Page-number pagination with a bounded page size; a page size that is not 1..200 is a 400, not ignored."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

# Not procurement.api.errors: DRF loads this class from its settings while procurement.api.errors is still
# importing rest_framework.views (a cycle). A ValidationError gets the same JSON error shape.

MAX_PAGE_SIZE = 200


class ApiPagination(PageNumberPagination):
    page_size = 50  # REST_FRAMEWORK["PAGE_SIZE"]; a page of full scenario documents stays well under 1 MB
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        """DRF ignores a bad page_size silently (a 200 of 50 results); the schema says 1..200, so refuse."""
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        raw = values[-1]
        well_formed = len(values) == 1 and len(raw) <= 3 and raw.isascii() and raw.isdigit()
        if not well_formed or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            message = f"must be one whole number from 1 to {MAX_PAGE_SIZE}"
            raise ValidationError({self.page_size_query_param: [message]})
        return int(raw)
