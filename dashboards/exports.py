"""CSV downloads of the dashboards' tables and the audit trail."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from dashboards.data import Table
from dashboards.scope import Scope

# A spreadsheet runs a cell that starts like a formula; customer text must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def filename(name: str, scope: Scope) -> str:
    team = f"-{scope.team}" if scope.team else ""
    return f"vigil-{name}{team}-{scope.start.isoformat()}-{scope.end.isoformat()}.csv"


def _attach(response: HttpResponse | StreamingHttpResponse, name: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{name}"'


def table_csv(table: Table, name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    _attach(response, name)
    writer = csv.writer(response)
    writer.writerow(table.columns)
    writer.writerows([safe_cell(cell) for cell in row] for row in table.rows)
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def streamed_csv(columns: list[str], rows: Iterable[list[Any]], name: str) -> StreamingHttpResponse:
    """Rows written as they are read: an export of every run in a year stays small in memory."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        # A few hundred rows per chunk: one chunk per row costs more than writing it.
        batch = [writer.writerow(columns)]
        for row in rows:
            batch.append(writer.writerow([safe_cell(cell) for cell in row]))
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        yield "".join(batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    _attach(response, name)
    return response
