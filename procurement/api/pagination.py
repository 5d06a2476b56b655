"""Page-number pagination with a bounded page size."""

from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    page_size = 50  # REST_FRAMEWORK["PAGE_SIZE"]; a page of full scenario documents stays well under 1 MB
    page_size_query_param = "page_size"
    max_page_size = 200
