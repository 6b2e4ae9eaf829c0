"""Reads for the dashboards: fixed queries of database aggregates, whatever the data size.

Every function takes a ``Scope`` (teams already checked against the user, and a date range)
and returns plain data from ``dashboards.data``.
"""
