"""The REST API of the procurement domain (scenarios, catalogs) and what every API view shares.

Error shape, parser and permissions: see errors.py, parsers.py and access.py.
"""
