"""The brief's sections, each a list of flowables built from plain data."""
